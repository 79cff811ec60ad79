"""Wall time of whole experiments on the built-in simulated bench, in virtual time, on one core.

    python benchmarks/procedure_speed.py

Each procedure runs exactly as ``anplab run`` runs it (real drivers,
simulated instruments, run folder with data, figures and metadata), and the
wall time includes all of that.  Targets: a 60-point power sweep, a 5-power
rise-time series, a 10-temperature thermometry run and a 128 x 128 PASSI
scan image each under 10 s.  Then the adaptive threshold search against the
60-point uniform sweep: its points, and its threshold uncertainty beside the
sweep's (target: the sweep's precision with at most a third of its points).
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the targets are stated

import tempfile  # noqa: E402
import time  # noqa: E402

from anplab.procedures.base import open_bench  # noqa: E402
from anplab.procedures.passi_scan import PassiScan  # noqa: E402
from anplab.procedures.power_sweep import PowerSweep  # noqa: E402
from anplab.procedures.rise_time import RiseTime  # noqa: E402
from anplab.procedures.runner import run_procedure  # noqa: E402
from anplab.procedures.thermometry import Thermometry  # noqa: E402
from anplab.procedures.threshold_search import ThresholdSearch  # noqa: E402

TARGET_S = 10.0
EXPERIMENTS = [
    ("60-point power sweep", PowerSweep, {"points": 60}),
    ("5-power rise-time series", RiseTime, {"auto_factors": "1.0,1.05,1.25,1.5,2.0"}),
    ("10-temperature thermometry", Thermometry, {}),
    ("128 x 128 PASSI scan image", PassiScan, {"pixels": 128, "auto_factors": "1.5"}),
]


def timed(cls, parameters: dict, out: str):
    bench = open_bench(cls.DEFAULT_BENCH)
    try:
        started = time.perf_counter()
        outcome = run_procedure(cls(bench=bench, **parameters), out)
        wall = time.perf_counter() - started
        assert outcome.ended == "finished", outcome.error
        return wall, bench.clock.now(), outcome.summary
    finally:
        bench.close()


def main() -> None:
    timed(PowerSweep, {"points": 4}, tempfile.mkdtemp())  # warm-up: imports and numba compilation
    summaries = {}
    print(f"{'experiment':<30} {'wall (s)':>9} {'bench time (s)':>15}  target < {TARGET_S:g} s")
    with tempfile.TemporaryDirectory() as out:
        for label, cls, parameters in EXPERIMENTS:
            wall, bench_s, summary = timed(cls, parameters, out)
            summaries[cls] = summary
            print(f"{label:<30} {wall:>9.2f} {bench_s:>15.0f}  {'ok' if wall < TARGET_S else 'SLOW'}")
        wall, _, search = timed(ThresholdSearch, {}, out)
    sweep = summaries[PowerSweep]
    print()
    print(f"{'threshold (kW/cm^2)':<30} {'points':>9} {'threshold':>15} {'uncertainty':>12}")
    print(f"{'uniform sweep':<30} {sweep['points']:>9} {sweep['threshold_kw_cm2']:>15.3f} "
          f"{sweep['threshold_uncertainty_kw_cm2']:>12.3f}")
    print(f"{'adaptive search':<30} {search['points_measured']:>9} {search['threshold_kw_cm2']:>15.3f} "
          f"{search['threshold_uncertainty_kw_cm2']:>12.3f}")
    fewer = search["points_measured"] <= sweep["points"] / 3
    as_precise = search["threshold_uncertainty_kw_cm2"] <= sweep["threshold_uncertainty_kw_cm2"]
    print(f"search: {'ok' if fewer and as_precise else 'MISSED'} "
          f"({search['points_measured'] / sweep['points']:.2f} of the points, "
          f"{search['threshold_uncertainty_kw_cm2'] / sweep['threshold_uncertainty_kw_cm2']:.2f} of the uncertainty)")


if __name__ == "__main__":
    main()
