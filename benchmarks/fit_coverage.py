"""Fit recovery and uncertainty coverage over particles measured on the simulated bench, where the truth is known.

    python benchmarks/fit_coverage.py                   # the default field: 40 particles
    python benchmarks/fit_coverage.py --particles 8 --extent 11

Surveys a field of the built-in bench (its shell-thickness spread included:
each particle has its own shell, the truth), fits every surveyed particle
(S-curve and rise trace jointly, shell thickness and collection efficiency
free) on a local Dask cluster (``--workers``) or in this process
(``--workers 0``), and compares each fit with its particle's shell and the
detector's collection efficiency.  Prints the worst errors, the fraction of
particles whose truth lies within the stated 1-sigma (and 2-sigma)
uncertainty with its binomial standard error, and the wall time of the
survey and of the fits.  ``tests/fitting/test_coverage.py`` runs the same on
a small field, and on the whole default field as a slow test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

from anplab.fitting.batch import SERIAL, run_batch
from anplab.fitting.coverage import coverage, nearest_particles
from anplab.fitting.tasks import FitTask, fit_task
from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.procedures.fit_input import load_run_folder
from anplab.procedures.particle_survey import ParticleSurvey
from anplab.procedures.runner import run_procedure

#: The default field as default_bench.yaml has it (40 particles over 20 x 20 um).
DEFAULT_PARTICLES, DEFAULT_EXTENT_UM = 40, 20.0


def field_bench(particles: int = DEFAULT_PARTICLES, extent_um: float = DEFAULT_EXTENT_UM, seed: int = 1) -> Bench:
    """The built-in bench, its field resized (or as it is, by default)."""
    text = resources.files("anplab.instruments").joinpath("default_bench.yaml").read_text(encoding="utf-8")
    text = (text.replace("particles: 40", f"particles: {particles}")
            .replace("extent_um: [20.0, 20.0]", f"extent_um: [{extent_um}, {extent_um}]")
            .replace("  seed: 1\n", f"  seed: {seed}\n"))
    return Bench.open(parse_bench(text, "coverage field"))


def survey_and_fit(particles: int = DEFAULT_PARTICLES, extent_um: float = DEFAULT_EXTENT_UM, seed: int = 1,
                   workers: int = 2, folder: Path | None = None) -> dict:
    """Survey a field, fit each particle; per-particle truth and fit, and the timings."""
    folder = Path(tempfile.mkdtemp(prefix="fit-coverage-")) if folder is None else Path(folder)
    bench = field_bench(particles, extent_um, seed)
    try:
        # Tiles of ~4.5-7 um at ~0.23 um pixels: every particle is several pixels wide in the overview.
        tiles = max(1, int(np.ceil(extent_um / 7.0)))
        pixels = int(np.ceil((extent_um + 1.0) / tiles / 0.23))
        procedure = ParticleSurvey(bench=bench, field_size=extent_um + 1.0, tiles=tiles, overview_pixels=pixels,
                                   survey_points=6, search_points=14, scurve_factors="0.9,1.07,1.2,1.4",
                                   rise_factor=1.5, rise_duration=0.6, max_repeats=1)
        started = time.perf_counter()
        outcome = run_procedure(procedure, folder / "runs")
        survey_s = time.perf_counter() - started
        field = bench.world.sample.sample
        positions, shells = field.positions_um.copy(), field.shell_nm.copy()
    finally:
        bench.close()
    data, setup = load_run_folder(outcome.folder)
    metadata = json.loads((outcome.folder / "metadata.json").read_text())
    truth_collection = float(metadata["bench"]["instruments"]["spad"]["calibration"]["collection_efficiency"])
    table = outcome.summary["particles"]
    index = nearest_particles(np.array([[row["x_um"], row["y_um"]] for row in table]), positions)
    tasks = [(str(k), FitTask(particle, setup)) for k, particle in enumerate(data)]
    started = time.perf_counter()
    results = run_batch(fit_task, tasks, scheduler=SERIAL if workers == 0 else None, workers=max(workers, 1),
                        progress=False)
    fit_s = time.perf_counter() - started
    rows = []
    for (key, _), k in zip(tasks, index):
        result = results[key]
        rows.append({"field_index": int(k), "truth": {"shell_nm": float(shells[k]),
                                                      "collection_efficiency": truth_collection},
                     **{name: result.get(name) for name in ("values", "uncertainties", "explains_data",
                                                            "chi_squared", "degrees_of_freedom", "error")}})
    return {"field_particles": len(positions), "surveyed": len(data), "distinct": len(set(index.tolist())),
            "rows": rows, "survey_s": survey_s, "fit_s": fit_s}


def summarise(report: dict) -> dict:
    """Worst relative errors and 1-/2-sigma coverage of each parameter, over the fitted particles."""
    fitted = [row for row in report["rows"] if row.get("values")]
    out = {"fitted": len(fitted), "explained": sum(bool(row["explains_data"]) for row in fitted)}
    for name in ("shell_nm", "collection_efficiency"):
        values = np.array([row["values"][name] for row in fitted])
        errors = np.array([row["uncertainties"][name] for row in fitted])
        truths = np.array([row["truth"][name] for row in fitted])
        out[name] = {"worst_relative_error": float(np.max(np.abs(values / truths - 1))),
                     "worst_absolute_error": float(np.max(np.abs(values - truths))),
                     "median_sd": float(np.median(errors)),
                     "one_sigma": coverage(values, errors, truths),
                     "two_sigma": coverage(values, errors, truths, expected=0.9545, sigmas=2.0)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--particles", type=int, default=DEFAULT_PARTICLES)
    parser.add_argument("--extent", type=float, default=DEFAULT_EXTENT_UM, help="field side (um)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="local Dask workers (0: fit in this process)")
    args = parser.parse_args()
    report = survey_and_fit(args.particles, args.extent, args.seed, args.workers)
    summary = summarise(report)
    print(f"field {report['field_particles']} particles, surveyed {report['surveyed']} ({report['distinct']} "
          f"distinct); survey {report['survey_s']:.0f} s ({report['survey_s'] / max(report['surveyed'], 1):.1f} "
          f"s per particle), fits {report['fit_s']:.0f} s on {args.workers or 'serial'} workers")
    print(f"fitted {summary['fitted']}, model explains {summary['explained']}")
    for name in ("shell_nm", "collection_efficiency"):
        s = summary[name]
        one, two = s["one_sigma"], s["two_sigma"]
        print(f"{name}: worst error {100 * s['worst_relative_error']:.1f} % ({s['worst_absolute_error']:.3g}), "
              f"median sd {s['median_sd']:.2g}; within 1 sd {one['covered']}/{one['n']} = "
              f"{100 * one['fraction']:.0f} +- {100 * one['binomial_sd']:.0f} % (binomial p vs 68 %: "
              f"{one['p_value']:.2f}); within 2 sd {100 * two['fraction']:.0f} %")


if __name__ == "__main__":
    main()
