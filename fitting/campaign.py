"""Model campaigns: the physics model's key figures over a grid of material variants, on Dask.

For experiment design: which shell, doping and temperature put the threshold
within reach of the laser, give the steepest S-curve or the fastest rise.  A
campaign is the product of its axes (material x band x shell x concentration x
temperature); each point is one :func:`.tasks.model_point_task` (threshold,
S_max, t50 and t90 at ``rise_factor`` x threshold) run as a :func:`.batch.run_batch`
task, so it runs on a local cluster, an existing one or serially, with the
batch's progress bar.

A campaign folder holds

- ``campaign.json``: the grid, the columns and their units, how many rows are done and the status
  (``running``, ``interrupted``, ``complete``);
- ``campaign.rows.jsonl``: every finished point, appended and fsynced as it arrives (the batch's
  results file): a killed worker or Ctrl-C keeps every finished row and a rerun computes only the rest;
- ``campaign.csv`` (and ``campaign.parquet`` where pyarrow is installed): the table, one row per point
  in grid order, appended row by row while the campaign runs and rewritten in grid order when it stops.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .batch import run_batch
from .errors import FitInputError
from .tasks import ModelPoint, model_point_task

#: The table's columns, in order, with their units (written into campaign.json).
COLUMNS = {
    "key": "the point's key in campaign.rows.jsonl",
    "material": "material preset",
    "band": "emission band",
    "shell_nm": "inert shell thickness (nm)",
    "concentration": "concentration of the first (avalanching) dopant, fraction of cation sites",
    "temperature_k": "sample temperature (K)",
    "threshold_kw_cm2": "avalanche threshold: peak intensity of the steepest slope (kW/cm^2)",
    "s_max": "largest local slope d ln(emission) / d ln(intensity)",
    "rise_intensity_kw_cm2": "pump intensity of the rise time, rise_factor x threshold (kW/cm^2)",
    "t50_s": "time from dark to half the steady emission at rise_intensity_kw_cm2 (s)",
    "t90_s": "time from dark to 90 % of the steady emission at rise_intensity_kw_cm2 (s)",
    "error": "why the point has no figures (empty when it has them)",
}
FIGURES = ("threshold_kw_cm2", "s_max", "rise_intensity_kw_cm2", "t50_s", "t90_s")


@dataclass(frozen=True)
class CampaignGrid:
    """The axes of a campaign.  ``None`` on an axis means the preset's own value."""

    materials: tuple[str, ...] = ("tm-1064",)
    bands: tuple[str | None, ...] = (None,)
    shells_nm: tuple[float | None, ...] = (None,)
    concentrations: tuple[float | None, ...] = (None,)
    temperatures_k: tuple[float, ...] = (295.0,)
    rise_factor: float = 1.5

    def points(self) -> list[tuple[str, ModelPoint, dict]]:
        """(key, task, the point's row labels) for every point, materials outermost, temperatures innermost.

        The labels hold the values the model uses (the preset's shell, doping and band where an axis is
        None), so a row says what was computed without the preset at hand.
        """
        from anplab.simulated.physics.materials import get_material

        out = []
        for material_key, band, shell, concentration, kelvin in itertools.product(
                self.materials, self.bands, self.shells_nm, self.concentrations, self.temperatures_k):
            try:
                material = get_material(material_key, concentration=concentration, shell_nm=shell)
                if band is not None:
                    material.band_weights(band)  # an unknown band is an input error, not 100 failed rows
            except ValueError as error:
                raise FitInputError(f"campaign point {material_key}: {error}") from None
            labels = {"material": material_key, "band": band or material.default_band,
                      "shell_nm": float(material.shell_nm),
                      "concentration": float(material.concentration(material.species[0].name)),
                      "temperature_k": float(kelvin)}
            key = (f"{labels['material']}|{labels['band']}|shell={labels['shell_nm']:.12g}"
                   f"|c={labels['concentration']:.12g}|T={labels['temperature_k']:.12g}")
            out.append((key, ModelPoint(material_key, temperature_k=float(kelvin), shell_nm=shell,
                                        concentration=concentration, band=band, rise_factor=self.rise_factor),
                        labels))
        keys = [key for key, _, _ in out]
        if len(set(keys)) != len(keys):
            raise FitInputError("campaign: an axis holds the same value twice")
        return out


def run_campaign(grid: CampaignGrid, folder: str | Path, *, scheduler: str | None = None, workers: int = 2,
                 progress: bool = True, on_row: Callable[[str, dict], None] | None = None) -> pd.DataFrame:
    """Compute every point of ``grid`` not yet in ``folder``; returns the table of every finished point.

    ``scheduler`` and ``workers`` as in :func:`.batch.run_batch`.  A folder holding another grid's campaign
    is refused (its rows would not belong to this one).  Ctrl-C (KeyboardInterrupt) stops the campaign with
    its finished rows on disk and ``campaign.json`` saying ``interrupted``; run it again to continue.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    points = grid.points()
    labels = {key: row for key, _, row in points}
    meta_path = folder / "campaign.json"
    grid_json = _grid_json(grid)
    if meta_path.exists():
        previous = json.loads(meta_path.read_text(encoding="utf-8"))
        if previous.get("grid") != grid_json:
            raise FitInputError(f"{folder}: holds a campaign over another grid; use a new folder")
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    journal = folder / "campaign.rows.jsonl"
    csv_path = folder / "campaign.csv"
    from .batch import completed

    done = completed(journal)
    _write_table(folder, [_row(key, labels[key], done[key]) for key, _, _ in points if key in done])
    _write_meta(meta_path, grid_json, "running", len(done), len(points), started)

    def arrived(key: str, result: dict) -> None:
        _append_csv(csv_path, _row(key, labels[key], result))
        if on_row is not None:
            on_row(key, result)

    status = "interrupted"
    try:
        run_batch(model_point_task, [(key, task) for key, task, _ in points], scheduler=scheduler,
                  workers=workers, results_path=journal, progress=progress, description="campaign",
                  on_result=arrived)
        status = "complete"
    finally:
        # Whatever stopped the campaign, the table on disk ends in grid order with every finished row.
        done = completed(journal)
        rows = [_row(key, labels[key], done[key]) for key, _, _ in points if key in done]
        _write_table(folder, rows)
        _write_meta(meta_path, grid_json, status, len(rows), len(points), started)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def read_campaign(folder: str | Path) -> tuple[pd.DataFrame, dict]:
    """The table and metadata of a campaign folder."""
    folder = Path(folder)
    table = pd.read_csv(folder / "campaign.csv", keep_default_na=False, na_values=[""])
    return table, json.loads((folder / "campaign.json").read_text(encoding="utf-8"))


def axis(text: str, what: str, *, scale: float = 1.0) -> tuple[float, ...]:
    """``4,5,6`` (values) or ``3:8:6`` (START:STOP:COUNT, evenly spaced, both ends included), times ``scale``."""
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            n = int(count)
            if n < 1:
                raise ValueError
            values = [float(start) + (float(stop) - float(start)) * k / max(n - 1, 1) for k in range(n)]
        else:
            values = [float(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise FitInputError(f"{what}: expected values like 4,5,6 or START:STOP:COUNT, got {text!r}") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise FitInputError(f"{what}: expected finite numbers, got {text!r}")
    return tuple(round(v * scale, 12) for v in values)


def _row(key: str, labels: dict, result: dict) -> dict:
    row = {"key": key, **labels}
    for name in FIGURES:
        row[name] = result.get(name, math.nan)
    row["error"] = result.get("error", "")
    return row


def _grid_json(grid: CampaignGrid) -> dict:
    return json.loads(json.dumps(asdict(grid)))  # tuples as lists, as they come back from campaign.json


def _write_meta(path: Path, grid_json: dict, status: str, done: int, total: int, started: str) -> None:
    from anplab import __version__

    meta = {"anplab_version": __version__, "grid": grid_json, "status": status, "rows_done": done,
            "rows_total": total, "started": started,
            "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"), "columns": COLUMNS}
    _replace(path, json.dumps(meta, indent=2) + "\n")


def _write_table(folder: Path, rows: Sequence[dict]) -> None:
    table = pd.DataFrame(list(rows), columns=list(COLUMNS))
    _replace(folder / "campaign.csv", table.to_csv(index=False, float_format="%.10g"))
    try:
        import pyarrow  # noqa: F401  (optional: the CSV is the table of record)
    except ImportError:
        return
    table.to_parquet(folder / "campaign.parquet", index=False)


def _append_csv(path: Path, row: dict) -> None:
    with open(path, "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(COLUMNS)).writerow(
            {k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in row.items()})
        handle.flush()
        os.fsync(handle.fileno())


def _replace(path: Path, text: str) -> None:
    """Write by rename, so a kill mid-write leaves the old file whole, never half a file."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
