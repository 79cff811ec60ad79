"""The per-particle table of a particle survey: where each particle is, its threshold, S_max and rise times.

A survey's data table holds every reading of every particle, told apart by
``particle`` and ``kind`` (:data:`KINDS`).  These functions turn it into one
row per particle, from the readings alone, so the table can be rebuilt from
any survey's data.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .rise import rise_times
from .threshold import avalanche_threshold, dark_background

#: Row kinds in a survey's data table.
DARK, CANDIDATE, AIM, LOCATE, SCURVE, RISE, DECAY, RESULT = range(8)
KINDS = {"dark": DARK, "candidate": CANDIDATE, "aim": AIM, "locate": LOCATE, "s-curve": SCURVE, "rise": RISE,
         "decay": DECAY, "result": RESULT}
#: The per-particle quantities whose spread and correlations a survey reports.
QUANTITIES = ("threshold_kw_cm2", "s_max", "t90_s")


def particle_s_curve(data: pd.DataFrame, particle: int, temperature_k: float | None = None) -> pd.DataFrame:
    """Every settled reading of one particle (threshold search and S-curve), sorted by intensity.

    ``temperature_k``: only the readings at that temperature (a survey at several temperatures); None: all.
    """
    rows = data[(data.particle == particle) & data.kind.isin([LOCATE, SCURVE])]
    if temperature_k is not None:
        rows = rows[np.isclose(rows.temperature_k, temperature_k)]
    rows = rows.assign(count_rate_s=rows.counts / rows.gate_s)
    return rows.sort_values("intensity_kw_cm2").reset_index(drop=True)


def particle_temperatures(data: pd.DataFrame, particle: int) -> list[float | None]:
    """The temperatures one particle's threshold was searched at, in order; [None] if the cryostat was not set
    (a survey at one temperature, or one from before surveys searched at each temperature)."""
    settled = data[(data.particle == particle) & data.kind.isin([LOCATE, SCURVE])]
    if "temperature_k" not in settled or settled.temperature_k.isna().all():
        return [None]
    return [float(t) for t in pd.unique(settled.temperature_k.dropna())]


def particle_table(data: pd.DataFrame) -> pd.DataFrame:
    """One row per measured particle and temperature: position, threshold and S_max (with uncertainties), rise
    times.

    ``temperature_k`` is the set temperature (NaN when the survey did not set one).  Rise times are those at
    that temperature (columns ``t50_s``, ``t90_s``); every rise trace's are in ``rises``.
    """
    background, background_error = dark_background(data[data.kind == DARK])
    rows = []
    for particle in sorted(data.loc[data.kind == AIM, "particle"].astype(int).unique()):
        aim = data[(data.particle == particle) & (data.kind == AIM)].iloc[-1]
        traces = data[(data.particle == particle) & (data.kind == RISE)]
        for kelvin in particle_temperatures(data, particle):
            row: dict = {"particle": particle, "temperature_k": float("nan") if kelvin is None else kelvin,
                         "x_um": float(aim.x_um), "y_um": float(aim.y_um), "peak_counts": float(aim.counts)}
            curve = particle_s_curve(data, particle, kelvin)
            row["points"] = int(len(curve))
            try:
                row.update(avalanche_threshold(curve, background=background,
                                               background_error=background_error).as_dict())
            except ValueError as error:
                row["threshold_error"] = str(error)
            here = traces if kelvin is None else traces[np.isclose(traces.temperature_k, kelvin)]
            rises = []
            for (trace_k, intensity), trace in here.groupby(["temperature_k", "intensity_kw_cm2"], dropna=False,
                                                            sort=False):
                entry = {"temperature_k": None if pd.isna(trace_k) else float(trace_k),
                         "intensity_kw_cm2": float(intensity)}
                try:
                    entry.update(rise_times(trace, step_at_s=0.0).as_dict())
                except ValueError as error:
                    entry["rise_error"] = str(error)
                rises.append(entry)
            if rises:
                first = rises[0]
                row["rise_intensity_kw_cm2"] = first["intensity_kw_cm2"]
                for key in ("t50_s", "t90_s", "t50_uncertainty_s", "t90_uncertainty_s"):
                    row[key] = first.get(key, float("nan"))
            row["rises"] = rises
            rows.append(row)
    return pd.DataFrame(rows)


def first_temperature(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the first temperature surveyed (all rows of a survey at one temperature): one per particle,
    for the spread over the field, where temperatures must not be mixed."""
    if table.empty or "temperature_k" not in table or table.temperature_k.isna().all():
        return table
    return table[np.isclose(table.temperature_k, table.temperature_k.dropna().iloc[0])]


def survey_summary(table: pd.DataFrame, candidates: int) -> dict:
    """Counts, the spread of each quantity over the particles, and their rank correlations.

    At several temperatures: ``spread`` and ``correlations`` at the first one, ``spread_by_temperature``
    at each (keyed by the temperature in K, as text).
    """
    measured = int(table.particle.nunique()) if "particle" in table else 0
    summary: dict = {"particles_found": int(candidates), "particles_measured": measured}
    temperatures = (pd.unique(table.temperature_k.dropna()) if "temperature_k" in table else [])
    if len(temperatures) > 1:
        summary["spread_by_temperature"] = {
            f"{t:g}": _spread(table[np.isclose(table.temperature_k, t)]) for t in temperatures}
    table = first_temperature(table)
    summary["spread"] = _spread(table)
    correlations = {}
    present = [c for c in QUANTITIES if c in table]
    for i, a in enumerate(present):
        for b in present[i + 1:]:
            both = table[[a, b]].dropna()
            if len(both) >= 3 and both[a].nunique() > 1 and both[b].nunique() > 1:
                rho, p = spearmanr(both[a], both[b])
                correlations[f"{a}~{b}"] = {"spearman": float(rho), "p_value": float(p), "n": int(len(both))}
    summary["correlations"] = correlations
    return summary


def _spread(table: pd.DataFrame) -> dict:
    spread = {}
    for column in QUANTITIES:
        if column not in table:
            continue
        values = table[column].dropna().to_numpy(dtype=float)
        if values.size:
            spread[column] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if values.size > 1
                              else 0.0, "min": float(values.min()), "max": float(values.max()),
                              "median": float(np.median(values))}
            spread[column]["relative_sd"] = spread[column]["sd"] / spread[column]["mean"]
    return spread
