"""The queue of runs: experiments waiting, the one running (in a worker thread), those done.

Runs go through the same runner as ``anplab run`` (run folders, points on disk
before the next, the safe state at every exit), one at a time, on the one
bench the window holds.  The worker never touches Qt widgets: what a run
records is buffered and handed to the GUI thread in batches, so a run of
10^5 points costs the event loop a few dozen redraws a second, not 10^5.
The start and the end of a run go through the same buffer as its records, so
the window always hears "started", then every record, then "finished", in
that order, however the event loop interleaves its timers and posted events.

Besides pausing, the queue can be *held* (``hold(reason)``): no run starts
while any hold is on.  Manual control holds it, so that a run never starts
while someone drives the lasers by hand; a hold is refused while a run is
going, so that nobody takes the instruments from a run.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from pyqtgraph.Qt import QtCore

from anplab.procedures.catalog import configure
from anplab.procedures.runner import run_procedure
from anplab.procedures.sequence_file import load_sequence
from anplab.procedures.sequence_runner import check_plan

from .run_progress import PhaseProgress

log = logging.getLogger(__name__)

#: Finished runs remembered by the queue (their data stay on disk; the browser reloads them).
HISTORY = 200

#: Buffer entries that are not records: where a run starts and ends in the ordered stream to the GUI thread.
STARTED, FINISHED = object(), object()


@dataclass
class QueuedRun:
    id: int
    procedure: str
    parameters: dict
    label: str
    status: str = "pending"  # pending | running | finished | stopped | failed | interrupted
    folder: Path | None = None
    error: str | None = None
    summary: dict = field(default_factory=dict)
    progress: float = 0.0
    #: The phase the run is in and its ETA (fed from the worker thread as the run reports phases).
    phases: PhaseProgress = field(default_factory=PhaseProgress)


class RunQueue(QtCore.QObject):
    """Runs waiting, running and done; a worker thread takes them in order."""

    changed = QtCore.Signal()
    run_started = QtCore.Signal(object)  # QueuedRun
    records = QtCore.Signal(object, object)  # QueuedRun, [(topic, record), ...] since the last batch
    run_finished = QtCore.Signal(object)  # QueuedRun

    def __init__(self, bench, out_dir: str | Path, *, batch_ms: int = 50, parent=None):
        super().__init__(parent)
        self.bench = bench
        self.out_dir = Path(out_dir)
        self.pending: list[QueuedRun] = []
        self.done: deque[QueuedRun] = deque(maxlen=HISTORY)
        self.current: QueuedRun | None = None
        self._ids = 0
        self._lock = threading.Condition()
        self._paused = False
        self._holds: dict[str, str] = {}  # who holds the queue -> why
        self._closing = False
        self._abort = threading.Event()
        # (run, topic, record) in the order the worker saw them; topics STARTED and FINISHED mark a run's ends
        self._buffer: list[tuple[QueuedRun, str, object]] = []
        self._buffer_lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="anplab run queue", daemon=True)
        self._flush_timer = QtCore.QTimer(self, interval=batch_ms)
        self._flush_timer.timeout.connect(self._flush)
        self._flush_timer.start()
        self._worker.start()

    # -- what the window asks -------------------------------------------------------------------
    def add(self, procedure: str, parameters: dict, label: str | None = None) -> QueuedRun:
        """Queue a run; its parameters are checked now (ParameterProblem, LimitError...), not when it starts."""
        configure(procedure, parameters, bench=self.bench).check_against_bench()
        with self._lock:
            self._ids += 1
            run = QueuedRun(self._ids, procedure, dict(parameters), label or procedure)
            self.pending.append(run)
            self._lock.notify_all()
        self.changed.emit()
        return run

    def load_sequence(self, path: str | Path) -> list[QueuedRun]:
        """Queue every item of a sequence file (BenchFileError, with its line, if it has a problem)."""
        plan = load_sequence(path)
        check_plan(plan, self.bench)
        return [self.add(item.procedure, item.parameters, item.label) for item in plan.items]

    def remove(self, run_id: int) -> bool:
        with self._lock:
            before = len(self.pending)
            self.pending = [run for run in self.pending if run.id != run_id]
            removed = len(self.pending) != before
        if removed:
            self.changed.emit()
        return removed

    def move(self, run_id: int, offset: int) -> None:
        """Move a pending run up (offset < 0) or down the queue."""
        with self._lock:
            index = next((k for k, run in enumerate(self.pending) if run.id == run_id), None)
            if index is None:
                return
            target = max(0, min(len(self.pending) - 1, index + offset))
            self.pending.insert(target, self.pending.pop(index))
        self.changed.emit()

    def abort_current(self) -> None:
        """Stop the running run at its next point (it ends 'stopped', in the safe state)."""
        self._abort.set()

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """No new run starts until resume() (the current one goes on unless aborted)."""
        with self._lock:
            self._paused = True
        self.changed.emit()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._lock.notify_all()
        self.changed.emit()

    def busy(self) -> bool:
        return self.current is not None or (bool(self.pending) and not self._paused and not self._holds)

    # -- holds: no run starts while one is on --------------------------------------------------
    def hold(self, holder: str, reason: str) -> bool:
        """Keep any run from starting until ``release(holder)``; False (and no hold) while a run is going."""
        with self._lock:
            if self.current is not None:
                return False
            self._holds[holder] = reason
        self.changed.emit()
        return True

    def release(self, holder: str) -> None:
        with self._lock:
            self._holds.pop(holder, None)
            self._lock.notify_all()
        self.changed.emit()

    @property
    def holds(self) -> dict[str, str]:
        """Who holds the queue, and why."""
        with self._lock:
            return dict(self._holds)

    def set_bench(self, bench) -> None:
        """Run the coming runs on another bench; refused (RuntimeError) while a run is going or waiting."""
        with self._lock:
            if self.current is not None or self.pending:
                waiting = len(self.pending)
                raise RuntimeError("a run is going" if self.current is not None else
                                   f"{waiting} run{'s' if waiting > 1 else ''} waiting in the queue, checked "
                                   "against this bench: remove them first")
            self.bench = bench

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop the running run, drop the rest, and wait for the worker to finish."""
        with self._lock:
            self._closing = True
            self.pending.clear()
            self._lock.notify_all()
        self._abort.set()
        self._worker.join(timeout_s)
        self._flush_timer.stop()
        self._flush()

    # -- the worker thread ----------------------------------------------------------------------
    def _next(self) -> QueuedRun | None:
        with self._lock:
            while not self._closing and (self._paused or self._holds or not self.pending):
                self._lock.wait(0.5)
            if self._closing:
                return None
            self.current = self.pending.pop(0)
            self._abort.clear()
            return self.current

    def _work(self) -> None:
        while (run := self._next()) is not None:
            run.status = "running"
            self._post(run, STARTED)
            self.changed.emit()
            try:
                procedure = configure(run.procedure, run.parameters, bench=self.bench)
                outcome = run_procedure(procedure, self.out_dir, progress=lambda percent: self._progress(run, percent),
                                        should_stop=self._abort.is_set,
                                        on_record=lambda topic, record: self._record(run, topic, record))
                run.status, run.folder, run.summary = outcome.ended, outcome.folder, outcome.summary or {}
                run.error = outcome.error
            except Exception as error:  # a run that could not even start: say so, go on with the queue
                log.exception("run %s could not run", run.label)
                run.status, run.error = "failed", f"{type(error).__name__}: {error}"
                self.bench.safe_state()
            with self._lock:
                self.current = None
                self.done.append(run)
            self._post(run, FINISHED)
            self._flush_later()
            self.changed.emit()

    def _progress(self, run: QueuedRun, percent: float) -> None:
        run.progress = percent

    def _record(self, run: QueuedRun, topic: str, record) -> None:
        if topic == "phase":
            run.phases.update(record)  # timed here, as the run reports it, not when the GUI gets to it
            return
        if topic == "progress":
            return
        self._post(run, topic, record)

    def _post(self, run: QueuedRun, topic, record=None) -> None:
        with self._buffer_lock:
            self._buffer.append((run, topic, record))

    def _flush_later(self) -> None:
        QtCore.QMetaObject.invokeMethod(self, "_flush", QtCore.Qt.ConnectionType.QueuedConnection)

    @QtCore.Slot()
    def _flush(self) -> None:
        """In the GUI thread: hand what the runs recorded since the last batch to the viewers, in order.

        A run's ``run_started`` goes out before its first records and its ``run_finished`` after its last,
        each batch of records holding one run's consecutive records.
        """
        with self._buffer_lock:
            batch, self._buffer = self._buffer, []
        def stretch(entry) -> tuple[int, object]:  # one run's marker, or a run of its consecutive records
            run, topic, _ = entry
            return id(run), topic if topic is STARTED or topic is FINISHED else None

        for (_, marker), entries in groupby(batch, key=stretch):
            entries = list(entries)
            run = entries[0][0]
            if marker is STARTED:
                self.run_started.emit(run)
            elif marker is FINISHED:
                self.run_finished.emit(run)
            else:
                self.records.emit(run, [(topic, record) for _, topic, record in entries])
