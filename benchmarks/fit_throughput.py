"""Throughput of batches of particle fits on a local Dask cluster, 1 and 2 workers, against serial.

    python benchmarks/fit_throughput.py            # 200 fits
    python benchmarks/fit_throughput.py --count 40 --joint

Each fit is one synthetic particle (anplab.fitting.synthetic: an S-curve of 16
readings and a 10 s dark reading, plus a rise trace with --joint) whose shell
(3.5-7.5 nm) and collection efficiency (0.05-0.25) are drawn at random, so
the batch also checks that the fits recover them: the fraction of particles
whose truth lies within one stated standard error (about 68 % if the
uncertainties are right) and within two (about 95 %).  Prints fits per second
for each worker count, and the largest difference from the 1-worker results.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from anplab.fitting.batch import run_batch
from anplab.fitting.synthetic import synthetic
from anplab.fitting.tasks import FitTask, fit_task


def make_tasks(count: int, joint: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    tasks, truths = [], {}
    for k in range(count):
        truth = {"shell_nm": float(rng.uniform(3.5, 7.5)), "collection_efficiency": float(rng.uniform(0.05, 0.25))}
        data, setup = synthetic(truth, seed=seed + k + 1, rise_at=12.0 if joint else None)
        tasks.append((f"p{k}", FitTask(data, setup, use_rises=joint)))
        truths[f"p{k}"] = truth
    return tasks, truths


def coverage(results: dict, truths: dict) -> dict:
    out = {}
    for name in ("shell_nm", "collection_efficiency"):
        pulls = np.array([(r["values"][name] - truths[k][name]) / r["uncertainties"][name]
                          for k, r in results.items() if "values" in r])
        out[name] = {"within_1_sd": float(np.mean(np.abs(pulls) < 1)), "within_2_sd": float(np.mean(np.abs(pulls) < 2)),
                     "worst_relative_error": float(max(abs(r["values"][name] / truths[k][name] - 1)
                                                       for k, r in results.items() if "values" in r))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--joint", action="store_true", help="S-curve and a rise trace (slower fits)")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    tasks, truths = make_tasks(args.count, args.joint)
    reference = None
    for workers in [int(w) for w in args.workers.split(",")]:
        started = time.perf_counter()
        results = run_batch(fit_task, tasks, workers=workers, progress=False)
        elapsed = time.perf_counter() - started
        print(f"{workers} worker(s): {len(results)} fits in {elapsed:.1f} s = {len(results) / elapsed:.2f} fits/s "
              f"(cluster start included)")
        if reference is None:
            reference = results
            print("coverage of the truth:", coverage(results, truths))
        else:
            worst = max(abs(results[k]["values"][n] / reference[k]["values"][n] - 1)
                        for k in reference for n in reference[k].get("values", {}))
            print(f"  largest relative difference from 1 worker: {worst:.2g}")


if __name__ == "__main__":
    main()
