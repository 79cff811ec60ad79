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

Then a model campaign (anplab.fitting.campaign: 6 shells x 4 concentrations x
3 temperatures of tm-1064, --campaign-shells to change) on the same worker
counts, in points per second.  Wall time is the batch's, on a cluster already
started (the start, 2-5 s, is printed apart); CPU time is the workers' own
(their process time), so a machine shared with other work shows as wall time
well above CPU / workers.  The load average is printed with each line.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from anplab.fitting.batch import SERIAL, run_batch
from anplab.fitting.campaign import CampaignGrid, run_campaign
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


def timed(workers: int, job) -> tuple[object, float, float, float]:
    """(job's result, wall s, workers' CPU s, cluster start s) of ``job(scheduler)`` on a fresh local cluster."""
    if workers == 0:
        started, cpu = time.perf_counter(), time.process_time()
        result = job(SERIAL)
        return result, time.perf_counter() - started, time.process_time() - cpu, 0.0
    import psutil
    from dask.distributed import Client, LocalCluster

    booting = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        # The workers' pids from a client closed again before the batch opens its own: two clients in one
        # process at once can hang a loaded machine's batch (a tornado write race seen here).
        with Client(cluster) as client:
            processes = [psutil.Process(pid) for pid in client.run(os.getpid).values()]
        boot = time.perf_counter() - booting

        def cpu_s() -> float:
            return sum(sum(p.cpu_times()[:2]) for p in processes)

        before, started = cpu_s(), time.perf_counter()
        result = job(cluster.scheduler_address)
        wall = time.perf_counter() - started
        cpu = cpu_s() - before
    return result, wall, cpu, boot


def load() -> str:
    return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--joint", action="store_true", help="S-curve and a rise trace (slower fits)")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated (0: serial, in this process)")
    parser.add_argument("--campaign-shells", type=int, default=6, help="shells in the campaign grid (0: none)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; {load()} before starting")
    tasks, truths = make_tasks(args.count, args.joint)
    reference = None
    for workers in [int(w) for w in args.workers.split(",")]:
        results, wall, cpu, boot = timed(workers, lambda scheduler: run_batch(
            fit_task, tasks, scheduler=scheduler, progress=False))
        print(f"{workers} worker(s): {len(results)} fits in {wall:.1f} s wall = {len(results) / wall:.2f} fits/s; "
              f"workers' CPU {cpu:.1f} s = {cpu / len(results):.2f} s per fit; cluster start {boot:.1f} s; {load()}")
        if reference is None:
            reference = results
            print("coverage of the truth:", coverage(results, truths))
        else:
            worst = max(abs(results[k]["values"][n] / reference[k]["values"][n] - 1)
                        for k in reference for n in reference[k].get("values", {}))
            print(f"  largest relative difference from the first: {worst:.2g}")
    if args.campaign_shells:
        grid = CampaignGrid(shells_nm=tuple(np.linspace(3.0, 8.0, args.campaign_shells).round(3)),
                            concentrations=(0.04, 0.08, 0.12, 0.2), temperatures_k=(250.0, 295.0, 340.0))
        first = None
        for workers in [int(w) for w in args.workers.split(",")]:
            with tempfile.TemporaryDirectory() as folder:
                table, wall, cpu, boot = timed(workers, lambda scheduler: run_campaign(
                    grid, folder, scheduler=scheduler, progress=False))
            print(f"campaign, {workers} worker(s): {len(table)} points in {wall:.1f} s wall = "
                  f"{len(table) / wall:.2f} points/s; workers' CPU {cpu:.1f} s = {cpu / len(table):.3f} s per "
                  f"point; {load()}")
            if first is None:
                first = table
            else:
                figures = ["threshold_kw_cm2", "s_max", "t50_s", "t90_s"]
                worst = float(np.max(np.abs(table[figures].to_numpy() / first[figures].to_numpy() - 1)))
                print(f"  largest relative difference from the first: {worst:.2g}")


if __name__ == "__main__":
    main()
