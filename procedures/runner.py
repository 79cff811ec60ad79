"""Running one procedure into a run folder, the same way for the command line, sequences and tests.

The runner wires the procedure's ``emit`` to the run folder: every point's
rows are written and fsynced, then the point is committed, before the
procedure continues.  Whatever way the run ends (finished, stopped,
exception, Ctrl-C, SIGTERM) the procedure's shutdown puts the bench in its
safe state, then the analysis, figures and metadata are written, and
metadata.json says how it ended.  A run that did not finish can be resumed
into the same folder: the points already committed are kept and not
measured again.
"""

from __future__ import annotations

import importlib
import logging
import platform
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
from pymeasure.experiment import Procedure, Results
from pymeasure.experiment.results import CSVFormatter

from anplab import __version__

from .base import BenchProcedure
from .run_folder import RunFolder

log = logging.getLogger(__name__)

HEADER_POINT = "__header__"  # the ledger's first entry: data.csv holding only its header
# Replayed rows must hold exactly the floats recorded (pandas 3 parses them exactly by default).
_EXACT_FLOATS = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


@dataclass
class RunOutcome:
    folder: Path
    ended: str  # finished | stopped | failed | interrupted
    summary: dict
    error: str | None = None


class NothingToResume(ValueError):
    """The run folder holds a finished run (or nothing anplab can resume)."""


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def software_versions() -> dict:
    versions = {"anplab": __version__, "python": platform.python_version()}
    for package in ("numpy", "scipy", "pandas", "pymeasure", "pyvisa", "pyvisa-py", "numba", "h5py"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            pass
    return versions


def run_procedure(
    procedure: BenchProcedure,
    out_dir: str | Path,
    *,
    folder_name: str | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_record: Callable[[str, object], None] | None = None,
) -> RunOutcome:
    """Run ``procedure`` to the end (or until it stops) into a new run folder under ``out_dir``.

    The folder is named after the start time and the procedure, or
    ``folder_name``.  ``KeyboardInterrupt`` (Ctrl-C, or SIGTERM turned into
    one by the caller) is re-raised after the run folder has been completed.
    """
    folder = RunFolder.create(out_dir, procedure.NAME, name=folder_name)
    Results(procedure, str(folder.data_path))  # writes pymeasure's header
    folder.commit_point(HEADER_POINT)
    metadata = {
        "procedure": procedure.NAME,
        "procedure_class": f"{type(procedure).__module__}.{type(procedure).__qualname__}",
        "parameters": procedure.parameter_values(),
        "status": "running",
        "started": _now(),
        "host": socket.gethostname(),
        "software": software_versions(),
    }
    return _run(procedure, folder, metadata, progress=progress, should_stop=should_stop, on_record=on_record)


def procedure_for_folder(folder: str | Path, bench=None) -> BenchProcedure:
    """The procedure of a run folder, with the parameters it ran with (not yet resumed)."""
    metadata = RunFolder(Path(folder)).read_metadata()
    module_name, _, class_name = metadata["procedure_class"].rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_run_folder(Path(folder), metadata, bench)


def resume_run(
    procedure: BenchProcedure,
    folder: str | Path,
    *,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_record: Callable[[str, object], None] | None = None,
) -> RunOutcome:
    """Carry on an interrupted run in its own folder, from its last committed point.

    The folder is cut back to that point (a half-written point is dropped),
    the procedure is handed the committed points and the decisions it made,
    and runs again: committed points are not measured again, so the finished
    folder holds every point once, in order, as an uninterrupted run would.
    """
    folder = RunFolder(Path(folder))
    metadata = folder.read_metadata()
    if metadata.get("status") == "ended" and metadata.get("ended") == "finished":
        raise NothingToResume(f"{folder.path} holds a finished run: nothing to resume")
    points = folder.prepare_resume()
    procedure.resume_with(_replay(folder, points, procedure), folder.read_state())
    metadata.setdefault("resumed", []).append({
        "at": _now(),
        "points_kept": len(points) - 1,
        "previous_end": metadata.get("ended") or "killed (the run never recorded its end)",
    })
    metadata.update(status="running", ended=None, error=None)
    log.info("resuming %s in %s after %d committed points", procedure.NAME, folder.path, len(points) - 1)
    return _run(procedure, folder, metadata, progress=progress, should_stop=should_stop, on_record=on_record)


def _replay(folder: RunFolder, points: list[dict], procedure: BenchProcedure) -> dict[str, list[dict]]:
    """The rows of every committed point, read back exactly (floats round-trip)."""
    data = pd.read_csv(folder.data_path, comment="#", **_EXACT_FLOATS)
    records = [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
               for row in data.to_dict(orient="records")]
    replay, start = {}, 0
    for point in points:
        if point["key"] == HEADER_POINT:
            continue
        replay[point["key"]] = records[start:start + point["rows"]]
        start += point["rows"]
    if start != len(records):
        raise ValueError(f"{folder.data_path} holds {len(records)} rows but its ledger accounts for {start}")
    return replay


def _run(procedure: BenchProcedure, folder: RunFolder, metadata: dict, *, progress, should_stop,
         on_record) -> RunOutcome:
    folder.start_log()
    formatter = CSVFormatter(columns=procedure.DATA_COLUMNS)
    rows = sum(point["rows"] for point in folder.committed_points())

    def emit(topic: str, record) -> None:
        nonlocal rows
        if topic == "results":
            folder.append_lines([formatter.format(record)])
            rows += 1
        elif topic == "batch results":  # one point made of many rows (a trace): one flush
            folder.append_lines([formatter.format(row) for row in record])
            rows += len(record)
        elif topic == "progress" and progress is not None:
            progress(float(record))
        if on_record is not None:
            on_record(topic, record)

    procedure.emit = emit
    procedure.should_stop = should_stop or (lambda: False)
    procedure.sink = folder
    folder.write_metadata(metadata)
    log.info("run %s started in %s", procedure.NAME, folder.path)

    ended, error, interrupted = "finished", None, None
    started = time.monotonic()
    faults_before = len(procedure.bench.fault_log) if procedure.bench is not None else 0
    try:
        procedure.status = Procedure.RUNNING
        procedure.startup()
        metadata["bench"] = procedure.bench.snapshot()
        metadata["watched"] = _watched(procedure)
        metadata["simulated"] = procedure.bench.config.simulated
        if procedure.bench.config.simulated:
            metadata["seed"] = procedure.bench.config.simulation.seed
        folder.write_metadata(metadata)
        procedure.execute()
        if procedure.should_stop():
            ended = "stopped"
    except KeyboardInterrupt as caught:
        ended, error, interrupted = "interrupted", "interrupted by the user (Ctrl-C or SIGTERM)", caught
    except Exception as caught:  # recorded in the run folder, then reported
        ended, error = "failed", f"{type(caught).__name__}: {caught}"
        log.error("run failed:\n%s", traceback.format_exc())
    finally:
        try:
            procedure.shutdown()
        finally:
            procedure.status = {"finished": Procedure.FINISHED,
                                "stopped": Procedure.ABORTED}.get(ended, Procedure.FAILED)

    try:
        procedure.phase("analysis and figures")  # for displays: the analysis of a long run takes a while
    except Exception:  # a display's trouble must not keep the run's record from being written
        log.exception("reporting the analysis phase failed")
    summary = _analyse(procedure, folder)
    metadata.update({
        "status": "ended",
        "ended": ended,
        "error": error,
        "finished": _now(),
        "wall_time_s": round(metadata.get("wall_time_s", 0.0) + time.monotonic() - started, 3),
        "bench_time_s": procedure.bench.clock.now() if procedure.bench is not None else None,
        "data_rows": rows,
        "points": len(folder.committed_points()) - 1,
        "lasers_off_at_end": _lasers_off(procedure),
        "instrument_faults": metadata.get("instrument_faults", []) + (
            procedure.bench.fault_log[faults_before:] if procedure.bench is not None else []),
        "safe_state_problems": procedure.safe_state_problems,
        "suspensions": metadata.get("suspensions", []) + procedure.suspensions,
    })
    folder.write_metadata(metadata)
    log.info("run %s ended: %s", procedure.NAME, ended)
    folder.stop_log()
    if interrupted is not None:
        raise interrupted
    return RunOutcome(folder.path, ended, summary, error)


def _watched(procedure: BenchProcedure) -> dict:
    """What the suspenders watch for this run, beyond the interlocks and counters of every run."""
    out = {"enabled": procedure.bench.config.watch.enabled}
    if procedure.watched_pump is not None:
        out["pump"] = procedure.watched_pump[0].name
    if procedure.held_temperature is not None:
        out["temperature_k"] = procedure.held_temperature[1]
    return out


def _lasers_off(procedure: BenchProcedure):
    bench = procedure.bench
    if bench is None:
        return None
    if bench.world is not None:
        return bench.world.all_lasers_off()
    try:
        return not any(laser.emission for laser in bench.lasers.values())
    except Exception:
        return None


def load_data(folder: str | Path) -> pd.DataFrame:
    """The data table of a run folder (any procedure)."""
    return pd.read_csv(Path(folder) / "data.csv", comment="#")


def _analyse(procedure: BenchProcedure, folder: RunFolder) -> dict:
    summary: dict = {}
    try:
        data = load_data(folder.path)
        images = folder.load_images()
        if len(data) or images:
            summary = procedure.analyse(data, images) or {}
            folder.save_figures(procedure.figures(data, summary, images) or {})
    except Exception as error:
        log.error("analysis failed:\n%s", traceback.format_exc())
        summary = {"analysis_error": f"{type(error).__name__}: {error}"}
    folder.write_summary(summary)
    return summary
