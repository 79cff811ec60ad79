"""Running a sequence: every item on one bench, each into its own run folder, resumable as a whole.

    <out>/<started>_<sequence name>/
        sequence.yaml       the file as given
        sequence.json       the expanded items, each with its status and run folder
        sequence.log        everything logged while the sequence ran
        000_power-sweep/    one run folder per item
        001_hold-temperature/
        ...

``sequence.json`` is rewritten atomically whenever an item starts or ends.
A failed item stops the sequence, or (``on_error: skip``) is passed over
together with the rest of its loop turn: a sweep after a hold that failed
would measure at the wrong temperature.
A sequence that did not finish resumes at its first unfinished item: a run
cut short carries on from its last committed point, and the last bench
set-up step before it (a cryostat hold) is repeated first, since the bench
may have changed since.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from anplab.instruments.input_files import read_bytes, read_text
from anplab.instruments.interrupts import held_interrupts
from anplab.instruments.yaml_lines import BenchFileError

from .base import BenchProcedure
from .catalog import configure
from .run_folder import RunFolder, RunFolderError, write_json_atomically
from .runner import HEADER_POINT, resume_run, run_procedure
from .sequence_file import SequencePlan, parse_sequence

log = logging.getLogger(__name__)


@dataclass
class SequenceOutcome:
    folder: Path
    ended: str  # finished | stopped | failed | interrupted
    items: list[dict]


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def check_plan(plan: SequencePlan, bench) -> list[BenchProcedure]:
    """Every item's procedure, checked against the bench before anything moves (errors name the item's line)."""
    procedures = []
    for item in plan.items:
        procedure = configure(item.procedure, item.parameters, bench=bench)
        try:
            procedure.check_against_bench()
        except (ValueError, LookupError) as error:
            raise BenchFileError(plan.source, item.line, item.label, str(error)) from None
        procedures.append(procedure)
    return procedures


def run_sequence(plan: SequencePlan, out_dir: str | Path, bench, *,
                 progress: Callable[[int, float], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> SequenceOutcome:
    """Run every item of ``plan`` on ``bench`` into a new sequence folder under ``out_dir``.

    ``progress(item_index, percent)`` follows the items; Ctrl-C (or SIGTERM
    turned into it) ends the current item cleanly and is re-raised.
    """
    procedures = check_plan(plan, bench)
    state = {
        "name": plan.name, "source": plan.source, "on_error": plan.on_error, "bench": plan.bench,
        # The simulation's seed, so that a resume opens the same simulated world.
        "seed": bench.config.simulation.seed if bench.config.simulated else None,
        "status": "running", "started": _now(), "ended": None,
        "items": [{"index": item.index, "label": item.label, "procedure": item.procedure,
                   "parameters": item.parameters, "line": item.line, "group": item.group, "status": "pending",
                   "run_folder": None}
                  for item in plan.items],
    }

    def populate(folder: RunFolder) -> None:
        (folder.path / "sequence.yaml").write_text(plan.text, encoding="utf-8")
        _write(folder, state)

    folder = RunFolder.create(out_dir, plan.name, populate=populate)
    return _run_items(folder, state, procedures, progress=progress, should_stop=should_stop)


def resume_sequence(folder: str | Path, bench, *,
                    progress: Callable[[int, float], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> SequenceOutcome:
    """Carry on a sequence that did not finish, in its own folder (see the module's notes).

    The sequence folder is owned for the whole resume (RunFolderBusy if the sequence still runs)."""
    folder = folder if isinstance(folder, RunFolder) else RunFolder(Path(folder))
    folder.acquire()
    state = read_sequence_state(folder.path)
    if state["status"] == "ended" and state["ended"] == "finished":
        from .runner import NothingToResume

        raise NothingToResume(f"{folder.path} holds a finished sequence: nothing to resume")
    plan = parse_sequence(read_text(folder.path / "sequence.yaml", "sequence file"), state["source"])
    procedures = check_plan(plan, bench)
    state.setdefault("resumed", []).append({"at": _now(), "previous_end": state.get("ended") or "killed"})
    state.update(status="running", ended=None)
    return _run_items(folder, state, procedures, progress=progress, should_stop=should_stop, resuming=True)


def read_sequence_state(path: str | Path) -> dict:
    """sequence.json, checked to be what a sequence wrote (RunFolderError otherwise)."""
    where = Path(path) / "sequence.json"
    try:
        state = json.loads(read_bytes(where, "run state"))
    except BenchFileError as error:
        raise RunFolderError(f"{where}: {error.reason}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise RunFolderError(f"{where}: not valid JSON (the file is damaged)") from None
    items = state.get("items") if isinstance(state, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) and {"index", "status", "procedure"} <= set(item)
                                              for item in items) or not isinstance(state.get("source"), str):
        raise RunFolderError(f"{where}: not a sequence record anplab wrote")
    return state


def _run_items(folder: RunFolder, state: dict, procedures: list[BenchProcedure], *, progress, should_stop,
               resuming: bool = False) -> SequenceOutcome:
    folder.start_log(filename="sequence.log")
    stop = should_stop or (lambda: False)
    ended = "finished"
    try:
        for item, procedure in zip(state["items"], procedures):
            if item["status"] in ("finished", "failed", "skipped"):
                continue  # done, or failed and passed over, before a resume
            if stop():
                ended = "stopped"
                break
            if resuming:
                _repeat_last_setup(folder, state, procedures, item["index"])
                resuming = False
            outcome = _run_item(folder, state, item, procedure, progress, stop)
            if outcome == "failed" and state["on_error"] == "stop":
                ended = "failed"
                break
            if outcome == "failed":
                _skip_rest_of_turn(folder, state, item)
            if outcome in ("stopped", "interrupted"):
                ended = outcome
                break
    except KeyboardInterrupt as stop:
        with held_interrupts(reraise=False):
            _end(folder, state, "interrupted")
            folder.stop_log()
            folder.release()
        stop.run_folder = folder.path  # resume the sequence, not only its item
        raise
    except BaseException:
        folder.stop_log()
        folder.release()
        raise
    with held_interrupts(reraise=False):
        _end(folder, state, ended)
        folder.stop_log()
        folder.release()
    return SequenceOutcome(folder.path, ended, state["items"])


def _run_item(folder: RunFolder, state: dict, item: dict, procedure: BenchProcedure, progress, stop) -> str:
    name = item["run_folder"] or f"{item['index']:03d}_{item['procedure']}"
    item.update(status="running", run_folder=name, started=_now())
    _write(folder, state)
    log.info("item %d: %s", item["index"], item["label"])

    def item_progress(percent: float) -> None:
        if progress is not None:
            progress(item["index"], percent)

    item_progress(0.0)  # the item has begun (before its start-up, which may take a while)
    run_path = folder.path / name
    if "parked_um" in state:  # every experiment of a sequence works on the particle the first one found
        procedure.inherit({"parked_um": state["parked_um"]})
    if "dark_reading" in state:  # reused while valid (ParticleExperiment.reusable_dark): same detector, not too old
        procedure.inherit({"dark_reading": state["dark_reading"]})
    held = state.get("held")
    if held and held["group"] == item.get("group") and procedure.held_temperature is None:
        # After a hold in the same loop turn, the cryostat must stay there: watch it.
        procedure.watch_temperature(procedure.bench.temperature_controller(held["controller"]), held["kelvin"])
    try:
        if _resumable(run_path):
            outcome = resume_run(procedure, run_path, progress=item_progress, should_stop=stop)
        else:
            if run_path.exists():  # not a run that can be carried on: keep it aside, never delete what is there
                aside = run_path.with_name(f"{run_path.name}.set-aside-{datetime.now().strftime('%Y%m%dT%H%M%S%f')}")
                run_path.rename(aside)
                log.warning("item %d: %s could not be resumed; kept as %s, the item starts again", item["index"],
                            run_path.name, aside.name)
            outcome = run_procedure(procedure, folder.path, folder_name=name, progress=item_progress,
                                    should_stop=stop)
    except KeyboardInterrupt:
        item.update(status="interrupted", ended=_now(), error="interrupted by the user (Ctrl-C or SIGTERM)")
        _write(folder, state)
        raise
    item.update(status=outcome.ended, ended=_now(), error=outcome.error)
    memory = RunFolder(run_path).read_state()
    if memory.get("parked_um") is not None:
        state["parked_um"] = memory["parked_um"]
    if memory.get("dark_reading") is not None:
        state["dark_reading"] = memory["dark_reading"]
    if getattr(procedure, "SETS_BENCH_STATE", False) and hasattr(procedure, "temperature"):
        state["held"] = ({"controller": procedure.controller.name, "kelvin": procedure.temperature,
                          "group": item.get("group")} if outcome.ended == "finished" else None)
    if outcome.ended == "failed":
        log.error("item %d (%s) failed: %s", item["index"], item["label"], outcome.error)
    _write(folder, state)
    return outcome.ended


def _skip_rest_of_turn(folder: RunFolder, state: dict, failed: dict) -> None:
    """After a failed item: pass over the rest of its loop turn (a sweep after a hold that failed)."""
    if not failed.get("group"):
        return
    for item in state["items"][failed["index"] + 1:]:
        if item.get("group") != failed["group"]:
            break
        item.update(status="skipped", error=f"item {failed['index'] + 1} of the same loop turn failed")
        log.warning("item %d (%s) skipped: %s", item["index"], item["label"], item["error"])
    _write(folder, state)


def _repeat_last_setup(folder: RunFolder, state: dict, procedures: list[BenchProcedure], index: int) -> None:
    """Before resuming at item ``index``: run again the last finished set-up step (a hold) that precedes it."""
    for item, procedure in zip(reversed(state["items"][:index]), reversed(procedures[:index])):
        if getattr(procedure, "SETS_BENCH_STATE", False) and item["status"] == "finished":
            repeat = configure(item["procedure"], item["parameters"], bench=procedure.bench)
            repeat.check_against_bench()
            name = f"{index:03d}_repeat-of-{item['index']:03d}_{item['procedure']}"
            log.info("resuming at item %d: repeating item %d (%s) first", index, item["index"], item["label"])
            outcome = run_procedure(repeat, folder.path, folder_name=name)
            state.setdefault("repeated_for_resume", []).append(
                {"item": item["index"], "before": index, "run_folder": name, "ended": outcome.ended})
            _write(folder, state)
            if outcome.ended != "finished":
                raise RuntimeError(f"repeating {item['label']} before resuming failed: {outcome.error}")
            return


def _resumable(run_path: Path) -> bool:
    """Whether an item's folder holds a run to carry on (else it never got going, or is not a run folder)."""
    folder = RunFolder(run_path)
    if not folder.metadata_path.is_file():
        return False
    try:
        folder.read_metadata()
        return any(p["key"] == HEADER_POINT for p in folder.committed_points())
    except RunFolderError as error:
        log.warning("%s cannot be resumed (%s): the item starts again", run_path, error)
        return False


def _end(folder: RunFolder, state: dict, ended: str) -> None:
    state.update(status="ended", ended=ended, finished=_now())
    _write(folder, state)
    log.info("sequence %s ended: %s", state["name"], ended)


def _write(folder: RunFolder, state: dict) -> None:
    write_json_atomically(folder.path / "sequence.json", state)
