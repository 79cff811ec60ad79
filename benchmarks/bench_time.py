"""Bench time of each experiment against its counting floor, on the default simulated bench (virtual time).

    python benchmarks/bench_time.py [power-sweep threshold rise-time]

The counting floor of a run is what the physics and the photon statistics
require: the sum over its points of the time to collect that point's own
count target at the rate the point measured, plus the time to 90 % of the
steady emission (t90, from the physics engine, at the intensity the aimed
particle sees) for every point with the pump on.  For a rise-time
intensity, the target is the procedure's signal counts above the
baseline (or what it collected, if less), at the plateau rate per trace
above it that the rise fit found; an intensity that counted its baseline between traces
(to see the rise-time peak from below) adds the optimal on/off baseline
time, sqrt(b / (s + b)) of its signal time.  The ratio bench
time / floor says how much of the bench time goes to waiting and counting
beyond what the data needs; fixed costs (dark point, aiming, locating) are
the bench time before the first swept point (the dark point's share printed beside it).  Target: each ratio <= 1.3,
fixed costs <= 15 s.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from anplab.procedures.base import open_bench  # noqa: E402
from anplab.procedures.power_sweep import DARK, PowerSweep  # noqa: E402
from anplab.procedures.rise_time import BASELINE, LOCATE, RiseTime  # noqa: E402
from anplab.procedures.runner import load_data, run_procedure  # noqa: E402
from anplab.procedures.threshold_search import ThresholdSearch  # noqa: E402
from anplab.simulated.physics import characteristics  # noqa: E402

RATIO_TARGET = 1.3
FIXED_COST_TARGET_S = 15.0


def aimed_particle(bench):
    """(material, shell thickness, relative intensity, temperature) of the particle nearest the parked beam."""
    world = bench.world
    field = world.sample.sample
    x, y = world.galvo_position_um()
    r = np.hypot(field.positions_um[:, 0] - x, field.positions_um[:, 1] - y)
    k = int(np.argmin(r))
    return field.material, float(field.shell_nm[k]), float(world.beam.spot(1064.0).relative_intensity(r[k])), \
        float(world.sample.temperature_k)


def t90(bench, intensities: np.ndarray) -> np.ndarray:
    material, shell, relative, kelvin = aimed_particle(bench)
    out = np.zeros(len(intensities))
    on = intensities > 0
    if on.any():
        out[on] = characteristics.rise_time(material, intensities[on] * relative, kelvin, band="800nm",
                                            shell_nm=shell).t90_s
    return out


def sweep_floor(bench, data: pd.DataFrame, target_counts: int) -> float:
    rows = data[data.counts > 0]
    counting = target_counts / rows.count_rate_s.to_numpy(dtype=float)
    return float(counting.sum() + t90(bench, rows.intensity_kw_cm2.to_numpy(dtype=float)).sum())


def rise_floor(bench, procedure: RiseTime, summary: dict, data: pd.DataFrame) -> float:
    """Counting floor of the rise traces: per intensity, the signal it collected (at most its target) at its
    measured plateau rate per trace, plus t90 (the number of traces summed is recorded, not guessed)."""
    floor = 0.0
    for row in summary["rises"]:
        # The plateau above baseline as the rise fit found it (per bin of the summed trace): on a faint trace the
        # last fifth's mean minus the short pre-trigger, plateau_rate_s, is noisy (half the signal rate at
        # 6.47 kW/cm^2 on the default bench), the fit's plateau is not.
        fitted = (row.get("plateau", float("nan")) - row.get("baseline", float("nan"))) / (
            procedure.bin_width * max(row.get("traces", 1), 1))
        rate = fitted if fitted > 0 else row.get("plateau_rate_s", float("nan"))
        if not rate > 0 or not row.get("signal_counts", 0) > 0:
            continue  # no signal above baseline: nothing the point needed to count (its bench time is waste)
        wanted = min(procedure.target_counts, row["signal_counts"])
        floor += wanted / rate + float(t90(bench, np.array([row["intensity_kw_cm2"]]))[0])
        # A point timed against its baseline (below the slowest rise, where the emission is a tenth of the
        # dark or less) needs that baseline counted too: at the optimum of on/off counting, for a time
        # sqrt(b / (s + b)) of the signal's.
        dark = data[(data.phase == BASELINE) & np.isclose(data.intensity_kw_cm2, row["intensity_kw_cm2"])]
        if len(dark):
            background = float(dark.counts.sum() / dark.gate_s.sum())
            floor += wanted / rate * np.sqrt(background / (rate + background))
    located = data[data.phase == LOCATE].assign(count_rate_s=lambda d: d.counts / d.gate_s)
    if len(located):
        floor += sweep_floor(bench, located, 400)
    return floor


def measure(name: str, cls, parameters: dict, out: str) -> dict:
    bench = open_bench(cls.DEFAULT_BENCH)
    try:
        procedure = cls(bench=bench, **parameters)
        start = bench.clock.now()
        outcome = run_procedure(procedure, out)
        bench_time = bench.clock.now() - start
        data = load_data(outcome.folder)
        if isinstance(procedure, RiseTime):
            floor = rise_floor(bench, procedure, outcome.summary, data)
            fixed = dark_s = float("nan")
        else:
            floor = sweep_floor(bench, data, procedure.min_counts)
            swept = data[data.direction != DARK]
            first = swept.time_s.min() - swept.gate_s.iloc[0] - swept.settle_time_s.iloc[0]
            fixed = float(first) if len(swept) else float("nan")
            dark = data[data.direction == DARK]
            dark_s = float(dark.time_s.max()) - start if len(dark) else 0.0
        return {"experiment": name, "bench_time_s": bench_time, "floor_s": floor, "ratio": bench_time / floor,
                "dark_s": dark_s,
                "fixed_cost_s": fixed, "threshold_kw_cm2": outcome.summary.get("threshold_kw_cm2")}
    finally:
        bench.close()


EXPERIMENTS = {
    "power-sweep": (PowerSweep, {"points": 60}),
    "threshold": (ThresholdSearch, {}),
    "rise-time": (RiseTime, {}),
}


def main(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as out:
        for name in names or list(EXPERIMENTS):
            cls, parameters = EXPERIMENTS[name]
            row = measure(name, cls, parameters, out)
            verdict = "ok" if row["ratio"] <= RATIO_TARGET else f"over the {RATIO_TARGET}x target"
            print(f"{name:12s} bench {row['bench_time_s']:7.1f} s  floor {row['floor_s']:7.1f} s  "
                  f"ratio {row['ratio']:4.2f}x ({verdict})  fixed cost {row['fixed_cost_s']:5.1f} s "
                  f"(dark {row['dark_s']:4.1f} s, the rest aiming and locating)  "
                  f"threshold {row['threshold_kw_cm2']}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
