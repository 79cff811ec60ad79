"""One particle's joint fit time: S-curve and rise trace, shell thickness and collection efficiency free.

    python benchmarks/fit_time.py            # 10 particles, S-curve alone and joint
    python benchmarks/fit_time.py --count 20

Each particle is synthetic (anplab.fitting.synthetic: 16 S-curve readings, a
10 s dark reading and, for the joint fit, a 65-bin rise trace) with its shell
and collection efficiency drawn at random, so the fits are not all the same
path.  Prints the median and the range of the wall time per fit and of the
model evaluations it took, in this process (no Dask).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from anplab.fitting.fit import fit_particle
from anplab.fitting.synthetic import synthetic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    truths = [{"shell_nm": float(rng.uniform(3.5, 7.5)), "collection_efficiency": float(rng.uniform(0.05, 0.25))}
              for _ in range(args.count)]
    fit_particle(*synthetic(truths[0], seed=99))  # compiles and caches what the first fit would otherwise pay
    for label, rise_at in (("S-curve alone", None), ("joint S-curve + rise trace", 12.0)):
        seconds, evaluations = [], []
        for k, truth in enumerate(truths):
            data, setup = synthetic(truth, seed=k + 1, rise_at=rise_at)
            started = time.perf_counter()
            result = fit_particle(data, setup)
            seconds.append(time.perf_counter() - started)
            evaluations.append(result.evaluations)
        print(f"{label}: median {np.median(seconds):.2f} s per fit (range {min(seconds):.2f}-{max(seconds):.2f} s), "
              f"{np.median(evaluations):.0f} model evaluations, over {args.count} particles")


if __name__ == "__main__":
    main()
