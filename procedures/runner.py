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
import io
import logging
import platform
import socket
import sys
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
from anplab.instruments.interrupts import held_interrupts

from .base import BenchProcedure, StopRequested
from .records import batch_rows
from .run_folder import METADATA_FILE, SUMMARY_FILE, RunFolder, RunFolderError, is_disk_full

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


class NothingToResume(RunFolderError):
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
    ``folder_name``; it appears whole (metadata, data header, ledger) and is
    owned by this process until the run ends.  ``KeyboardInterrupt``
    (Ctrl-C, or SIGTERM turned into one by the caller) is re-raised after the
    run folder has been completed.
    """
    metadata = {
        "procedure": procedure.NAME,
        "procedure_class": f"{type(procedure).__module__}.{type(procedure).__qualname__}",
        "parameters": procedure.parameter_values(),
        "status": "running",
        "started": _now(),
        "host": socket.gethostname(),
        "software": software_versions(),
        "sessions": [],
    }

    def populate(folder: RunFolder) -> None:
        Results(procedure, str(folder.data_path))  # writes pymeasure's header
        folder.commit_point(HEADER_POINT, session=1, bench_s=None)
        folder.write_metadata(metadata)

    try:
        folder = RunFolder.create(out_dir, procedure.NAME, name=folder_name, populate=populate)
    except OSError as error:
        raise RunFolderError(f"cannot create a run folder in {out_dir}: {error.strerror or error}") from None
    return _run(procedure, folder, metadata, progress=progress, should_stop=should_stop, on_record=on_record)


def procedure_for_folder(folder: str | Path, bench=None) -> BenchProcedure:
    """The procedure of a run folder, with the parameters it ran with (not yet resumed).

    Raises RunFolderError when the folder does not say which procedure it holds."""
    metadata = RunFolder(Path(folder)).read_metadata()
    try:
        module_name, _, class_name = metadata["procedure_class"].rpartition(".")
        if not module_name.startswith("anplab."):
            raise ValueError(f"{metadata['procedure_class']!r} is not an anplab procedure")
        cls = getattr(importlib.import_module(module_name), class_name)
        if not (isinstance(cls, type) and issubclass(cls, BenchProcedure)):
            raise ValueError(f"{metadata['procedure_class']!r} is not an anplab procedure")
        return cls.from_run_folder(Path(folder), metadata, bench)
    except (KeyError, TypeError, AttributeError, ImportError, ValueError) as error:
        raise RunFolderError(f"{folder}: metadata.json does not describe an anplab procedure ({error})") from None


def resume_run(
    procedure: BenchProcedure,
    folder: str | Path | RunFolder,
    *,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_record: Callable[[str, object], None] | None = None,
) -> RunOutcome:
    """Carry on an interrupted run in its own folder, from its last committed point.

    The folder is owned first (RunFolderBusy if the run, or another resume
    of it, is still going), cut back to its last committed point (a
    half-written point is dropped), and the procedure is handed the
    committed points and the decisions it made; on a simulated bench the
    world is put back as it was at that commit.  Committed points are not
    measured again, so the finished folder holds every point once, in
    order, as an uninterrupted run would.
    """
    folder = folder if isinstance(folder, RunFolder) else RunFolder(Path(folder))
    folder.acquire()
    try:
        metadata = folder.read_metadata()
        if metadata.get("status") == "ended" and metadata.get("ended") == "finished":
            raise NothingToResume(f"{folder.path} holds a finished run: nothing to resume")
        points = folder.prepare_resume()
        replay = _replay(folder, points)
        state = folder.read_state()
    except BaseException:
        folder.release()
        raise
    procedure.resume_with(replay, state, checkpoint=folder.read_checkpoint(len(points)),
                          bench_time_s=_last_bench_time(points))
    sessions = metadata.setdefault("sessions", [])
    previous = sessions[-1] if sessions else None
    if previous is not None and previous.get("ended") is None:  # killed: its end never reached the disk
        own = [p for p in points if p.get("session") == previous["session"]]
        last = _last_bench_time(own)
        start = previous.get("bench_time_at_start_s")
        previous.update(ended="killed (the run never recorded its end)", points=len(own),
                        # up to its last commit: the time of the point it died in is not known
                        bench_time_s=last - start if last is not None and start is not None else None)
    metadata.setdefault("resumed", []).append({
        "at": _now(),
        "points_kept": len(points) - 1,
        "previous_end": metadata.get("ended") or "killed (the run never recorded its end)",
    })
    metadata.update(status="running", ended=None, error=None)
    log.info("resuming %s in %s after %d committed points", procedure.NAME, folder.path, len(points) - 1)
    return _run(procedure, folder, metadata, progress=progress, should_stop=should_stop, on_record=on_record)


def _last_bench_time(points: list[dict]) -> float | None:
    times = [p["bench_s"] for p in points if isinstance(p.get("bench_s"), (int, float))]
    return float(times[-1]) if times else None


def _replay(folder: RunFolder, points: list[dict]) -> dict[str, list[dict]]:
    """The rows of every committed point, read back exactly (floats round-trip)."""
    try:
        data = pd.read_csv(io.StringIO(folder.committed_data_text()), comment="#", **_EXACT_FLOATS)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as error:
        raise RunFolderError(f"{folder.data_path}: cannot be read back ({error})") from None
    records = [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
               for row in data.to_dict(orient="records")]
    replay, start = {}, 0
    for point in points:
        if point["key"] == HEADER_POINT:
            continue
        replay[point["key"]] = records[start:start + point["rows"]]
        start += point["rows"]
    if start != len(records):
        raise RunFolderError(f"{folder.data_path} holds {len(records)} rows but its ledger accounts for {start}")
    return replay


def _run(procedure: BenchProcedure, folder: RunFolder, metadata: dict, *, progress, should_stop,
         on_record) -> RunOutcome:
    session = {"session": len(metadata.get("sessions", [])) + 1, "started": _now(), "ended": None}
    metadata.setdefault("sessions", []).append(session)
    folder.start_log()
    try:
        folder.reserve_space()  # a resume sets it aside again
    except OSError as error:
        log.error("%s: no room to set aside for the end of the run: %s", folder.path, error)
    formatter = CSVFormatter(columns=procedure.DATA_COLUMNS)

    def emit(topic: str, record) -> None:
        if topic == "results":
            folder.append_lines([formatter.format(record)])
        elif topic == "batch results":  # one point made of many rows (a trace): one flush
            folder.append_lines([formatter.format(row) for row in batch_rows(record)])
        elif topic == "progress" and progress is not None:
            progress(float(record))
        if on_record is not None:
            on_record(topic, record)

    procedure.emit = emit
    procedure.should_stop = should_stop or (lambda: False)
    procedure.sink = folder
    procedure.session = session["session"]
    ended, error, interrupted = "finished", None, None
    started = time.monotonic()
    faults_before = len(procedure.bench.fault_log) if procedure.bench is not None else 0
    try:
        folder.write_metadata(metadata)
        log.info("run %s started in %s (session %d)", procedure.NAME, folder.path, session["session"])
        procedure.status = Procedure.RUNNING
        procedure.startup()
        if procedure.bench.guard is not None:
            procedure.bench.guard.log_to(folder.path / "laser_guard.log")
        metadata["bench"] = procedure.bench.snapshot()
        metadata["watched"] = _watched(procedure)
        metadata["simulated"] = procedure.bench.config.simulated
        if procedure.bench.config.simulated:
            metadata["seed"] = procedure.bench.config.simulation.seed
        session["bench_time_at_start_s"] = procedure.continue_bench_time()
        folder.write_metadata(metadata)
        folder.image_attributes = image_attributes(metadata, folder)
        procedure.execute()
        if procedure.should_stop():
            ended = "stopped"
    except StopRequested:
        ended = "stopped"
    except KeyboardInterrupt as caught:
        ended, error, interrupted = "interrupted", "interrupted by the user (Ctrl-C or SIGTERM)", caught
    except Exception as caught:  # recorded in the run folder, then reported
        ended, error = "failed", f"{type(caught).__name__}: {caught}"
        if is_disk_full(caught):
            error = f"the disk is full: {caught}"
        log.error("run failed:\n%s", traceback.format_exc())
    finally:
        with held_interrupts(reraise=False) as held:  # the end goes on record whatever else arrives
            try:
                procedure.shutdown()
            finally:
                procedure.status = {"finished": Procedure.FINISHED,
                                    "stopped": Procedure.ABORTED}.get(ended, Procedure.FAILED)
            _record_end(procedure, folder, metadata, session, ended, error, started, faults_before)
    if held.arrived and interrupted is None:
        interrupted = KeyboardInterrupt("signal during the run's end")

    try:
        procedure.phase("analysis and figures")  # for displays: the analysis of a long run takes a while
    except Exception:  # a display's trouble must not keep the run's record from being written
        log.exception("reporting the analysis phase failed")
    summary, stopped_analysis = _analyse(procedure, folder)
    if stopped_analysis is not None and interrupted is None:
        interrupted = stopped_analysis
    with held_interrupts(reraise=False) as held:
        _keep(folder, SUMMARY_FILE, lambda: folder.write_summary(summary))
        if "analysis_error" in summary:
            metadata["analysis_error"] = summary["analysis_error"]
            _keep(folder, METADATA_FILE, lambda: folder.write_metadata(metadata))
        log.info("run %s ended: %s", procedure.NAME, ended)
        if ended == "finished":  # nothing left to resume: the simulated world's checkpoints go
            folder.forget_checkpoints_before(folder.entries + 1)
        folder.stop_log()
        folder.release_reserve()
        folder.release()
    if held.arrived and interrupted is None:
        interrupted = KeyboardInterrupt("signal while the summary was written")
    if interrupted is not None:
        interrupted.run_folder = folder.path  # for whoever reports it: where the run is, to resume it
        interrupted.run_ended = ended
        raise interrupted
    return RunOutcome(folder.path, ended, summary, error)


def image_attributes(metadata: dict, folder: RunFolder) -> dict:
    """What images.h5 says about its run (its root attributes): enough to tell where an image came from
    without the rest of the folder."""
    bench = metadata.get("bench", {})
    return {
        "title": f"anplab {metadata.get('procedure')} run {folder.path.name}",
        "source": f"anplab {metadata.get('software', {}).get('anplab', __version__)}",
        "procedure": metadata.get("procedure"),
        "procedure_class": metadata.get("procedure_class"),
        "run_folder": folder.path.name,
        "started": metadata.get("started"),
        "host": metadata.get("host"),
        "bench": bench.get("name"),
        "bench_source": bench.get("source"),
        "simulated": metadata.get("simulated"),
        "seed": metadata.get("seed"),
        "parameters": metadata.get("parameters", {}),
        "software": metadata.get("software", {}),
    }


def _record_end(procedure: BenchProcedure, folder: RunFolder, metadata: dict, session: dict, ended: str,
                error: str | None, started: float, faults_before: int) -> None:
    """metadata.json says how the run ended, before any analysis (which may fail or be interrupted)."""
    bench = procedure.bench
    points = folder.committed_points()
    now = bench.clock.now() if bench is not None else None
    start = session.get("bench_time_at_start_s")
    session.update(ended=ended, finished=_now(),
                   points=sum(1 for p in points if p.get("session") == session["session"]),
                   bench_time_s=now - start if now is not None and start is not None else None)
    metadata.update({
        "status": "ended",
        "ended": ended,
        "error": error,
        "finished": _now(),
        "wall_time_s": round(metadata.get("wall_time_s", 0.0) + time.monotonic() - started, 3),
        "bench_time_s": now,
        "bench_time_spent_s": sum(s.get("bench_time_s") or 0.0 for s in metadata["sessions"]),
        "data_rows": sum(point["rows"] for point in points),
        # Rows of a point the run ended in the middle of: on disk, never committed, dropped by a resume.
        "uncommitted_rows": folder.pending_rows,
        "points": len(points) - 1,
        "lasers_off_at_end": _lasers_off(procedure),
        "instrument_faults": metadata.get("instrument_faults", []) + (
            bench.fault_log[faults_before:] if bench is not None else []),
        "safe_state_problems": procedure.safe_state_problems,
        "suspensions": metadata.get("suspensions", []) + procedure.suspensions,
        "discarded_points": metadata.get("discarded_points", []) + procedure.discarded,
    })
    _keep(folder, METADATA_FILE, lambda: folder.write_metadata(metadata))


def _keep(folder: RunFolder, what: str, write) -> bool:
    """A write of the run's end, with the space set aside for it; if even that fails, say so where it is seen."""
    try:
        folder.critical(write)
        return True
    except OSError as failure:
        message = f"anplab: could not write {what} in {folder.path}: {failure.strerror or failure}"
        log.critical(message)
        print(message, file=sys.stderr)
        return False


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
    """The data table of a run folder (any procedure): its committed points."""
    return RunFolder(Path(folder)).read_data()


def _analyse(procedure: BenchProcedure, folder: RunFolder) -> tuple[dict, KeyboardInterrupt | None]:
    """The summary, then each figure on its own: a figure that cannot be drawn or written never costs the
    summary.  Interruptible: Ctrl-C here leaves a summary saying so (and is handed back, to be raised once
    the summary is on disk)."""
    summary: dict = {}
    try:
        data = load_data(folder.path)
        images = folder.load_images()
        if len(data) or images:
            summary = procedure.analyse(data, images) or {}
    except KeyboardInterrupt as stop:
        return {"analysis_error": "interrupted by the user during the analysis"} | _run_record(procedure), stop
    except Exception as error:
        log.error("analysis failed:\n%s", traceback.format_exc())
        return {"analysis_error": f"{type(error).__name__}: {error}"} | _run_record(procedure), None
    summary.update(_run_record(procedure))
    _keep(folder, SUMMARY_FILE, lambda: folder.write_summary(summary))  # on disk before any figure is drawn
    problems, figures, stopped = {}, {}, None
    try:
        if len(data) or images:
            figures = procedure.figures(data, summary, images) or {}
    except KeyboardInterrupt as stop:
        figures, problems["all"], stopped = {}, "interrupted by the user", stop
    except Exception as error:
        log.error("figures failed:\n%s", traceback.format_exc())
        figures, problems["all"] = {}, f"{type(error).__name__}: {error}"
    for stem, figure in figures.items():
        try:
            folder.save_figure(stem, figure)
        except KeyboardInterrupt as stop:
            problems[stem], stopped = "interrupted by the user", stop
            break
        except Exception as error:
            problems[stem] = f"{type(error).__name__}: {error}"
            log.error("figure %s not written: %s", stem, problems[stem])
    folder.close_figures(figures)
    if problems:
        summary["figure_errors"] = problems
    return summary, stopped


def _run_record(procedure: BenchProcedure) -> dict:
    """What happened to the run's points, for the summary: suspensions and points measured in vain."""
    return {"suspensions": list(procedure.suspensions), "discarded_points": list(procedure.discarded)}
