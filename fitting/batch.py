"""Batches of independent model computations (particle fits, model campaigns) on a Dask cluster.

A local cluster of worker processes on this machine by default, or an
existing cluster by scheduler address.  Each result is written to a JSON-lines
file (and fsynced) the moment it arrives, so a worker that dies loses only the
task it was running, which the scheduler gives to another worker; a batch run
again with the same results file skips what is already there.  ``serial``
runs the same tasks in this process, one after another (the reference the
distributed results must equal).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm

SERIAL = "serial"


def completed(results_path: Path | None) -> dict[str, dict]:
    """Results already on disk, by task key (a torn last line, from a kill mid-write, is ignored)."""
    done: dict[str, dict] = {}
    if results_path is None or not results_path.exists():
        return done
    for line in results_path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        done[record["key"]] = record["result"]
    return done


def _append(results_path: Path | None, key: str, result: dict) -> None:
    if results_path is None:
        return
    with open(results_path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"key": key, "result": result}, default=_plain) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON-able: {type(value).__name__}")


def run_batch(function: Callable[[object], dict], tasks: Iterable[tuple[str, object]], *,
              scheduler: str | None = None, workers: int = 2, results_path: str | Path | None = None,
              progress: bool = True, description: str = "tasks",
              on_result: Callable[[str, dict], None] | None = None) -> dict[str, dict]:
    """``function(argument)`` for every (key, argument) in ``tasks``; returns the results by key.

    ``scheduler``: None for a local cluster of ``workers`` processes, ``"serial"`` for this process, or
    the address of a running Dask scheduler.  A task that raises gives ``{"error": message}``.
    """
    results_path = Path(results_path) if results_path is not None else None
    tasks = list(tasks)
    results = completed(results_path)
    todo = [(key, argument) for key, argument in tasks if key not in results]
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=description, disable=not progress,
               unit="task")

    def keep(key: str, result: dict) -> None:
        results[key] = result
        _append(results_path, key, result)
        bar.update(1)
        if on_result is not None:
            on_result(key, result)

    try:
        if scheduler == SERIAL:
            for key, argument in todo:
                keep(key, _guarded(function, argument))
        elif todo:
            _distributed(function, todo, scheduler, workers, keep)
    finally:
        bar.close()
    return {key: results[key] for key, _ in tasks if key in results}


def _guarded(function, argument) -> dict:
    try:
        return function(argument)
    except Exception as error:  # one bad task must not cost the batch: its row says what went wrong
        return {"error": f"{type(error).__name__}: {error}"}


def _distributed(function, todo, scheduler, workers, keep) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        # Processes, one thread each: the model is numpy/numba code that holds the GIL in places.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster if cluster is not None else scheduler)
    try:
        keys = [f"task-{key}" for key, _ in todo]
        by_future_key = {f"task-{key}": key for key, _ in todo}
        futures = client.map(_guarded, [function] * len(todo), [argument for _, argument in todo], key=keys,
                             pure=False, retries=3)
        for future, result in as_completed(futures, with_results=True, raise_errors=False):
            if isinstance(result, BaseException):
                result = {"error": f"{type(result).__name__}: {result}"}
            keep(by_future_key[future.key], result)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
