"""Manual control's worker: every instrument call a hand on the bench asks for, on a thread of its own.

The manual-control panel never calls an instrument.  It hands the worker a
*command* (set a laser's power, switch emission, move the galvo) or starts a
repeated *read-out* (the count rate of a detector, a live confocal view of a
region), and the worker reports back by Qt signals, which reach the panel in
the GUI thread.  Commands run one at a time in the order given, between the
steps of a read-out (one counting gate, one block of image rows), so a laser
command waits at most one step.  Every call goes through the roles, so the
bench's limits, its safety latch and each instrument's exchange lock (shared
with the status poller) apply exactly as they do to runs.

On a simulated bench in virtual time a gate takes no wall time at all; the
read-outs are paced to the bench time they cover, so that the view is live,
not a busy loop that starves the runs' and the GUI's share of the machine.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pyqtgraph.Qt import QtCore

from anplab.procedures.scanning import BLOCK_S, scan_image

log = logging.getLogger(__name__)

#: The least wall time between two read-out steps (lets commands and other threads in).
MIN_GAP_S = 0.01
#: The most a read-out step is stretched to keep pace with bench time.
MAX_PACE_S = 1.0


@dataclass(frozen=True)
class ViewRegion:
    """A square region for the live confocal view: centre (um), full width (um), pixels per side, dwell (s)."""

    scanner: str
    counter: str
    x_um: float
    y_um: float
    width_um: float
    pixels: int
    dwell_s: float

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        half = self.width_um / 2
        return (np.linspace(self.x_um - half, self.x_um + half, self.pixels),
                np.linspace(self.y_um - half, self.y_um + half, self.pixels))


class ManualWorker(QtCore.QObject):
    """Runs manual commands and read-outs on one thread; everything it learns comes back as signals."""

    #: (command description, what it returned)
    done = QtCore.Signal(str, object)
    #: (command or read-out description, why not: the role's own message)
    refused = QtCore.Signal(str, str)
    #: a reading of the live count rate: counter, counts, gate_s, rate_s, dark_rate_s, max_rate_s, time_s
    count = QtCore.Signal(dict)
    #: rows of the live view: frame, first_row, rows, shape, x_um, y_um
    view_rows = QtCore.Signal(dict)
    #: the read-out running now ("count", "view" or "" for none)
    readout_changed = QtCore.Signal(str)
    #: the bench's safe state was reached (its problems, if any)
    safe = QtCore.Signal(list)

    def __init__(self, bench, parent=None):
        super().__init__(parent)
        self.bench = bench
        self._commands: deque[tuple[str, Callable[[], object], bool]] = deque()
        self._condition = threading.Condition()
        self._closing = False
        self._readout: _Readout | None = None  # touched only on the worker thread
        self._thread = threading.Thread(target=self._loop, name="anplab manual control", daemon=True)
        self._thread.start()

    @property
    def thread_id(self) -> int | None:
        return self._thread.ident

    # -- asked from the GUI (or any) thread --------------------------------------------------------
    def submit(self, description: str, action: Callable[[], object], *, report: bool = True) -> None:
        """Run ``action()`` on the worker after what is already queued; ``done`` (unless not ``report``) or
        ``refused`` says how it went."""
        with self._condition:
            if self._closing:
                return
            self._commands.append((description, action, report))
            self._condition.notify_all()

    def start_count(self, counter: str, gate_s: float) -> None:
        """Count on ``counter`` gate after gate, until stopped or another read-out starts."""
        self.submit(f"count on {counter}", lambda: self._switch(_CountReadout(self, counter, gate_s)))

    def start_view(self, region: ViewRegion) -> None:
        """Raster ``region`` again and again, block by block, until stopped; the galvo goes back after."""
        self.submit(f"live view with {region.scanner} and {region.counter}",
                    lambda: self._switch(_ViewReadout(self, region)))

    def move(self, scanner: str, x_um: float, y_um: float) -> None:
        """Park the beam at (x, y) um; during a live view on that scanner, that is where it parks after."""
        def park() -> None:
            galvo = self.bench.scanner(scanner or None)
            galvo.move_to(x_um, y_um)  # the role checks the field
            if isinstance(self._readout, _ViewReadout) and self._readout.scanner is galvo:
                self._readout.origin = (float(x_um), float(y_um))

        self.submit(f"{scanner or 'galvo'}: move to ({x_um:.3f}, {y_um:.3f}) µm", park)

    def stop_readout(self) -> None:
        self.submit("stop the read-out", lambda: self._switch(None))

    def make_safe(self) -> None:
        """Stop any read-out, then the bench's safe state (every laser off, setpoint zero); ``safe`` when done."""
        self.submit("safe state", self._make_safe, report=False)  # ``safe`` says it

    def close(self, timeout_s: float = 10.0, *, safe_state: bool = True) -> bool:
        """Finish what is queued (then the safe state, unless told otherwise) and end the thread; True if it ended."""
        if safe_state:
            self.make_safe()
        with self._condition:
            self._closing = True
            self._condition.notify_all()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    # -- the worker thread -------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._condition:
                while not self._commands and self._readout is None and not self._closing:
                    self._condition.wait()
                if self._commands:
                    command = self._commands.popleft()
                elif self._closing:
                    break  # what was queued is done; a read-out still going ends below
                else:
                    command = None  # nothing queued: the read-out's next step
            if command is not None:
                self._run(*command)
            else:
                self._step()
        self._switch(None)

    def _run(self, description: str, action: Callable[[], object], report: bool) -> None:
        try:
            result = action()
        except Exception as error:  # refused by a role (limits, latch, interlock) or by the instrument
            self.refused.emit(description, _message(error))
            if not _expected(error):
                log.exception("manual control: %s failed", description)
            return
        if report:
            self.done.emit(description, result)

    def _switch(self, readout: _Readout | None) -> None:
        if self._readout is not None:
            finished, self._readout = self._readout, None
            try:
                finished.finish()
            except Exception as error:
                self.refused.emit(finished.description, _message(error))
        self._readout = readout
        self.readout_changed.emit(readout.kind if readout is not None else "")

    def _make_safe(self) -> list[str]:
        self._switch(None)
        problems = self.bench.safe_state()
        self.safe.emit(problems)
        return problems

    def _step(self) -> None:
        readout = self._readout
        wall, bench = time.monotonic(), self.bench.clock.now()
        try:
            readout.step()
        except Exception as error:
            self.refused.emit(readout.description, _message(error))
            if not _expected(error):
                log.exception("manual control: %s failed", readout.description)
            self._switch(None)
            return
        # Keep pace with bench time (virtual time passes in no time at all), but never hold up a command.
        pause = min(MAX_PACE_S, max(MIN_GAP_S, (self.bench.clock.now() - bench) - (time.monotonic() - wall)))
        with self._condition:
            if not self._commands and not self._closing:
                self._condition.wait(pause)


class _Readout:
    kind = ""
    description = ""

    def step(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Called on the worker thread when the read-out ends."""


class _CountReadout(_Readout):
    kind = "count"

    def __init__(self, worker: ManualWorker, counter: str, gate_s: float):
        self.worker = worker
        self.counter = worker.bench.photon_counter(counter)
        self.gate_s = float(gate_s)
        self.description = f"count on {counter}"

    def step(self) -> None:
        counts = self.counter.count(self.gate_s)  # the role checks the gate against its limits
        self.worker.count.emit({
            "counter": self.counter.name, "counts": int(counts), "gate_s": self.gate_s,
            "rate_s": counts / self.gate_s, "dark_rate_s": self.counter.dark_count_rate_s,
            "max_rate_s": self.counter.limits.max_count_rate_s, "time_s": self.worker.bench.clock.now()})


class _ViewReadout(_Readout):
    kind = "view"

    def __init__(self, worker: ManualWorker, region: ViewRegion):
        self.worker = worker
        self.region = region
        self.scanner = worker.bench.scanner(region.scanner)
        self.counter = worker.bench.photon_counter(region.counter)
        self.description = f"live view with {region.scanner} and {region.counter}"
        self.x, self.y = region.axes()
        # Blocks of rows as the procedures raster them: long enough to be efficient, short enough to stay live.
        self.rows_per_block = max(1, int(math.ceil(BLOCK_S / (region.dwell_s * self.x.size))))
        self.frame, self.next_row = 0, 0
        self.origin: tuple[float, float] | None = None

    def step(self) -> None:
        if self.origin is None:
            self.origin = self.scanner.position_um  # where the beam was parked: it goes back there after
        first = self.next_row
        rows = scan_image(self.scanner, self.counter, self.x, self.y[first:first + self.rows_per_block],
                          self.region.dwell_s, block_s=None)
        self.worker.view_rows.emit({"frame": self.frame, "first_row": first, "rows": rows,
                                    "shape": (self.y.size, self.x.size), "x_um": self.x, "y_um": self.y})
        self.next_row = first + rows.shape[0]
        if self.next_row >= self.y.size:
            self.frame, self.next_row = self.frame + 1, 0

    def finish(self) -> None:
        if self.origin is not None:
            self.scanner.move_to(*self.origin)


def _expected(error: Exception) -> bool:
    """Refusals a user can cause (limits, the latch, an interlock, a bad name): no traceback in the log."""
    from anplab.instruments.bench import RoleError
    from anplab.instruments.errors import InstrumentFault
    from anplab.instruments.safety_latch import LatchEngaged

    return isinstance(error, (ValueError, LatchEngaged, InstrumentFault, RoleError))


def _message(error: Exception) -> str:
    text = str(error).strip()
    if isinstance(error, KeyError) and text.startswith(("'", '"')):
        text = text[1:-1]  # KeyError quotes its message
    return text or type(error).__name__
