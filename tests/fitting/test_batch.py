"""Batches of fits on a local Dask cluster: the serial results, and nothing finished lost when a worker dies."""

import json
import os
import signal

import pytest

from anplab.fitting.batch import SERIAL, completed, run_batch
from anplab.fitting.synthetic import synthetic
from anplab.fitting.tasks import FitTask, ModelPoint, fit_task, model_point_task

TRUTHS = [{"shell_nm": 4.0 + 0.5 * k, "collection_efficiency": 0.08 + 0.02 * k} for k in range(4)]


def tasks(count: int):
    return [(f"p{k}", FitTask(*synthetic(TRUTHS[k], seed=k, rise_at=None))) for k in range(count)]


def test_a_batch_on_a_local_cluster_equals_the_serial_batch(tmp_path):
    serial = run_batch(fit_task, tasks(2), scheduler=SERIAL, progress=False)
    distributed = run_batch(fit_task, tasks(2), workers=2, progress=False, results_path=tmp_path / "r.jsonl")
    assert list(distributed) == list(serial) == ["p0", "p1"]
    for key in serial:
        for name, value in serial[key]["values"].items():
            assert distributed[key]["values"][name] == pytest.approx(value, rel=1e-9)
    assert set(completed(tmp_path / "r.jsonl")) == {"p0", "p1"}


def test_a_killed_worker_loses_no_finished_fit(tmp_path):
    from dask.distributed import Client, LocalCluster

    results_path = tmp_path / "results.jsonl"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:  # closed before the batch opens its own: one client at a time
            pids = list(client.run(os.getpid).values())
        seen = []

        def kill_one_worker(key, result):
            seen.append(key)
            if len(seen) == 1:  # one fit finished: kill a worker while the others are being fitted
                os.kill(pids[0], signal.SIGKILL)

        results = run_batch(fit_task, tasks(3), scheduler=cluster.scheduler_address, progress=False,
                            results_path=results_path, on_result=kill_one_worker)
    assert sorted(results) == ["p0", "p1", "p2"]
    assert all("values" in r for r in results.values()), results
    lines = [json.loads(line) for line in results_path.read_text().splitlines()]
    assert sorted(line["key"] for line in lines) == ["p0", "p1", "p2"]  # each once
    assert lines[0]["key"] == seen[0] and lines[0]["result"] == results[seen[0]]  # the first stays as it was
    # Run again: everything is on disk, so nothing is fitted twice.
    again = run_batch(fit_task, tasks(3), scheduler=SERIAL, progress=False, results_path=results_path,
                      on_result=lambda key, result: pytest.fail(f"{key} fitted again"))
    assert again == results


def test_a_model_campaign_runs_as_a_batch():
    points = [(f"shell {s}", ModelPoint("tm-1064", shell_nm=s)) for s in (4.0, 6.0)]
    results = run_batch(model_point_task, points, scheduler=SERIAL, progress=False)
    assert results["shell 4.0"]["threshold_kw_cm2"] > results["shell 6.0"]["threshold_kw_cm2"]
    assert all(r["t90_s"] > r["t50_s"] > 0 for r in results.values())


@pytest.mark.slow
def test_200_fits_on_a_local_cluster_give_the_serial_parameters(tmp_path):
    import numpy as np

    rng = np.random.default_rng(200)
    batch = [(f"p{k}", FitTask(*synthetic({"shell_nm": float(rng.uniform(3.5, 7.5)),
                                           "collection_efficiency": float(rng.uniform(0.05, 0.25))},
                                          seed=1000 + k, rise_at=None))) for k in range(200)]
    serial = run_batch(fit_task, batch, scheduler=SERIAL, progress=False)
    distributed = run_batch(fit_task, batch, workers=2, progress=False, results_path=tmp_path / "r.jsonl")
    assert list(distributed) == list(serial) == [key for key, _ in batch]
    assert all("values" in r for r in serial.values())
    for key, fit in serial.items():
        for name, value in fit["values"].items():
            assert distributed[key]["values"][name] == pytest.approx(value, rel=1e-9), (key, name)
            assert distributed[key]["uncertainties"][name] == pytest.approx(fit["uncertainties"][name], rel=1e-9)
    assert set(completed(tmp_path / "r.jsonl")) == set(serial)  # every fit on disk, once
