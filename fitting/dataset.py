"""What a fit is fitted to: one particle's S-curve readings and rise traces, with how they were counted.

Read from a CSV from any setup (here), or from an anplab run folder
(:mod:`anplab.procedures.fit_input`).  CSV columns (one row per reading or per trace bin):

==================  ========  ===================================================================
column              unit      meaning
==================  ========  ===================================================================
intensity_kw_cm2    kW/cm^2   peak pump intensity at the sample (0 for a dark reading)
counts              counts    photons counted in the row
gate_s              s         counting time of the row (a summed trace bin: bin width x traces)
kind                (text)    optional: ``s-curve`` (default), ``dark``, or ``rise``
time_s              s         rise rows only: the bin's centre, from the pump's step on (bins < 0 are
                              before the step)
bin_s               s         rise rows only, optional: the bin width (default: from time_s spacing)
particle            (int)     optional: which particle, to fit several in one file
temperature_k       K         optional: the sample's temperature (default: ``--temperature``)
==================  ========  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import FitInputError

#: Fewest S-curve readings above the dark count a fit will use (the threshold, a slope and a plateau).
MIN_SCURVE_POINTS = 6
REQUIRED_COLUMNS = ("intensity_kw_cm2", "counts", "gate_s")


@dataclass
class RiseTrace:
    intensity_kw_cm2: float
    time_s: np.ndarray  # bin centres from the step
    bin_s: float
    counts: np.ndarray
    gate_s: np.ndarray  # counting time of each bin (summed traces: bin x traces)
    temperature_k: float | None = None


@dataclass
class ParticleData:
    """One particle's readings: S-curve (intensity, counts, gate), dark readings, rise traces."""

    label: str
    s_curve: pd.DataFrame
    dark: pd.DataFrame
    rises: list[RiseTrace] = field(default_factory=list)
    temperature_k: float | None = None
    notes: list[str] = field(default_factory=list)

    def check(self) -> None:
        for what, table in (("S-curve", self.s_curve), ("dark", self.dark)):
            values = table[list(REQUIRED_COLUMNS)].to_numpy(dtype=float)
            if not np.all(np.isfinite(values)) or (values[:, 1] < 0).any() or (values[:, 2] <= 0).any():
                raise FitInputError(f"{self.label}: {what} rows need finite intensities, counts >= 0 and "
                                    "gates > 0")
        above = (self.s_curve.counts / self.s_curve.gate_s) > 3 * self.dark_rate_guess() + 10
        if int(above.sum()) < MIN_SCURVE_POINTS:
            raise FitInputError(f"{self.label}: {int(above.sum())} S-curve readings above the dark count; a fit "
                                f"needs at least {MIN_SCURVE_POINTS}")

    def dark_rate_guess(self) -> float:
        if len(self.dark):
            return float(self.dark.counts.sum() / self.dark.gate_s.sum())
        rates = self.s_curve.counts / self.s_curve.gate_s
        return float(max(rates.min(), 0.0))

    def count_points(self) -> int:
        return len(self.s_curve) + len(self.dark) + sum(len(t.counts) for t in self.rises)


@dataclass
class Setup:
    """What the data cannot tell: the material, temperature and the detector's fixed calibration."""

    material_key: str = "tm-1064"
    #: Dopant fraction of the first dopant as synthesised (None: the preset's); it scales the transfer rates.
    concentration: float | None = None
    temperature_k: float = 295.0
    band: str | None = None
    quantum_efficiency: float = 1.0
    dead_time_s: float = 0.0
    notes: list[str] = field(default_factory=list)


def scurve_frame(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[list(REQUIRED_COLUMNS)].astype(float).reset_index(drop=True)


def trace_from_rows(rows: pd.DataFrame, intensity: float, kelvin: float | None) -> RiseTrace:
    """A rise trace from rows with time_s (bin centres from the step), counts, gate_s and optionally bin_s."""
    times = rows.time_s.to_numpy(dtype=float)
    if "bin_s" in rows and rows.bin_s.notna().all():
        bin_s = float(rows.bin_s.iloc[0])
    elif times.size >= 2:
        bin_s = float(np.median(np.diff(np.sort(times))))
    else:
        raise FitInputError("a rise trace needs at least two bins")
    return RiseTrace(intensity, times, bin_s, rows.counts.to_numpy(dtype=float), rows.gate_s.to_numpy(dtype=float),
                     kelvin)


def load_csv(path: str | Path, particle: int | None = None) -> list[ParticleData]:
    """The particles of a CSV of readings (columns in this module's docstring)."""
    path = Path(path)
    try:
        data = pd.read_csv(path, comment="#")
    except (OSError, ValueError) as error:
        raise FitInputError(f"{path}: not a readable CSV ({error})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if missing:
        raise FitInputError(f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                            f"(needs {', '.join(REQUIRED_COLUMNS)}; units kW/cm^2, counts, s)")
    for column in REQUIRED_COLUMNS:
        if not pd.api.types.is_numeric_dtype(data[column]):
            raise FitInputError(f"{path}: column {column} must hold numbers (a unit in a cell? units are fixed: "
                                "kW/cm^2, counts, s)")
    # An empty kind cell is an S-curve reading, as is every row of a file without the column.
    kind = (data["kind"].fillna("s-curve").astype(str).str.strip().str.lower().replace("", "s-curve")
            if "kind" in data else pd.Series("s-curve", index=data.index))
    unknown = sorted(set(kind) - {"s-curve", "dark", "rise"})
    if unknown:
        raise FitInputError(f"{path}: unknown kind {unknown[0]!r} (kinds: s-curve, dark, rise)")
    if (kind == "rise").any() and "time_s" not in data:
        raise FitInputError(f"{path}: rise rows need a time_s column (s from the pump step)")
    groups = data.groupby("particle", sort=True) if "particle" in data else [(None, data)]
    particles = []
    for index, rows in groups:
        rows_kind = kind.loc[rows.index]
        scurve = rows[rows_kind == "s-curve"]
        dark = rows[(rows_kind == "dark") | ((rows_kind == "s-curve") & (rows.intensity_kw_cm2 == 0))]
        scurve = scurve[scurve.intensity_kw_cm2 > 0]
        rises = []
        for intensity, trace in rows[rows_kind == "rise"].groupby("intensity_kw_cm2", sort=False):
            kelvin = float(trace.temperature_k.iloc[0]) if "temperature_k" in trace else None
            rises.append(trace_from_rows(trace, float(intensity), kelvin))
        temperature = (float(rows.temperature_k.dropna().iloc[0]) if "temperature_k" in rows
                       and rows.temperature_k.notna().any() else None)
        label = path.name if index is None else f"{path.name} particle {int(index)}"
        particles.append(ParticleData(label, scurve_frame(scurve), scurve_frame(dark), rises, temperature))
    if particle is not None:
        particles = [p for p in particles if p.label.endswith(f"particle {particle}")]
        if not particles:
            raise FitInputError(f"{path} has no particle {particle}")
    return particles
