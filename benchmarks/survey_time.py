"""Bench time per particle of a particle survey on the default simulated bench (virtual time), and its wall time.

    python benchmarks/survey_time.py                      # 8 particles of the default field, default settings
    python benchmarks/survey_time.py --particles 4 --temperatures 250,295

Bench time is what the survey would take on a real bench: the simulated
clock, read from the time stamps of the survey's own rows.  Each particle's
time runs from the end of the one before (the overview, for the first) to its
result row, split into aiming (re-finding it), the threshold search, the
S-curve and the rest (rise and decay traces); with --temperatures only the
total, which includes the cryostat holds.  Wall time is this machine's, shared with other work when it
is, so it is printed with the load average.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from anplab.procedures.analysis.survey import AIM, CANDIDATE, LOCATE, RESULT, SCURVE  # noqa: E402
from anplab.procedures.base import open_bench  # noqa: E402
from anplab.procedures.particle_survey import ParticleSurvey  # noqa: E402
from anplab.procedures.runner import load_data, run_procedure  # noqa: E402


def per_particle(data) -> list[dict]:
    """Bench seconds of each particle's aim, threshold search, S-curve and the rest, from the rows' clock."""
    out = []
    last = float(data.loc[data.kind == CANDIDATE, "time_s"].max())
    for particle in sorted(data.loc[data.kind == RESULT, "particle"].astype(int)):
        own = data[data.particle == particle]
        aim = float(own.loc[own.kind == AIM, "time_s"].max())
        search = float(own.loc[own.kind == LOCATE, "time_s"].max())
        scurve = float(own.loc[own.kind == SCURVE, "time_s"].max())
        end = float(own.loc[own.kind == RESULT, "time_s"].max())
        # Rise rows carry the time within their trace, not the clock: the rest is result minus S-curve.
        out.append({"particle": particle, "total_s": end - last, "aim_s": aim - last, "search_s": search - aim,
                    "scurve_s": scurve - search, "rise_and_rest_s": end - scurve,
                    "readings": int(own.kind.isin([LOCATE, SCURVE]).sum())})
        last = end
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--particles", type=int, default=8, help="most particles to measure")
    parser.add_argument("--temperatures", default="", help="K, comma-separated (default: as the cryostat is)")
    args = parser.parse_args()
    bench = open_bench(ParticleSurvey.DEFAULT_BENCH)
    try:
        procedure = ParticleSurvey(bench=bench, max_particles=args.particles, temperatures=args.temperatures)
        with tempfile.TemporaryDirectory() as out:
            started, cpu = time.perf_counter(), time.process_time()
            outcome = run_procedure(procedure, out)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            data = load_data(outcome.folder)
    finally:
        bench.close()
    rows = per_particle(data)
    overview = float(data.loc[data.kind == CANDIDATE, "time_s"].max())
    print(f"{outcome.ended}: {len(rows)} particles (of {outcome.summary['particles_found']} found); overview "
          f"{overview:.1f} s bench time; temperatures: {args.temperatures or 'as the cryostat is'}")
    for row in rows:
        if args.temperatures:  # search, S-curve and rise repeat at each temperature, holds between: no split
            print("  particle {particle}: {total_s:.1f} s ({readings} settled readings)".format(**row))
            continue
        print("  particle {particle}: {total_s:.1f} s = aim {aim_s:.1f} + search {search_s:.1f} + S-curve "
              "{scurve_s:.1f} + rise/rest {rise_and_rest_s:.1f} ({readings} settled readings)".format(**row))
    totals = np.array([r["total_s"] for r in rows])
    print(f"bench time per particle: median {np.median(totals):.1f} s, mean {totals.mean():.1f} s, "
          f"range {totals.min():.1f}-{totals.max():.1f} s")
    print(f"wall time {wall:.1f} s for the whole survey, overview included (process CPU {cpu:.1f} s); "
          f"load {'/'.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
