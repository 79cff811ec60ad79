"""How far a run has got: the phase it is in, how far through it, and how long it has left.

Procedures report phases with :meth:`BenchProcedure.phase` (``phase`` records
``{"name", "fraction", "detail"}``): the dark count, the particle search, the
threshold location, the main loop...  :class:`PhaseProgress` times each phase
on the wall clock from its first record and extrapolates: a phase ``f``
through after ``t`` seconds has about ``t (1 - f) / f`` left.  No Qt here: the
run queue's worker feeds it, the window reads it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

#: Before this share of a phase, or this long into it, an extrapolated ETA is mostly noise.
MIN_FRACTION = 0.02
MIN_ELAPSED_S = 1.0


@dataclass(frozen=True)
class PhaseState:
    """One moment of a run: phase ``name`` (the ``number``-th met), ``fraction`` through, ``elapsed_s`` in it."""

    name: str
    number: int
    fraction: float
    elapsed_s: float
    detail: str = ""

    @property
    def eta_s(self) -> float | None:
        """Seconds left in the phase, extrapolated from its pace so far (None while too early to say)."""
        if self.fraction >= 1.0:
            return 0.0
        if self.fraction < MIN_FRACTION or self.elapsed_s < MIN_ELAPSED_S:
            return None
        return self.elapsed_s * (1.0 - self.fraction) / self.fraction

    def describe(self) -> str:
        """``"particle search 40 % (about 12 s left)"``; the detail, if any, after the name."""
        where = f"{self.name}, {self.detail}" if self.detail else self.name
        eta = self.eta_s
        left = "estimating time left" if eta is None else f"about {format_duration(eta)} left"
        return f"{where}: {100 * self.fraction:.0f} % ({left})"


class PhaseProgress:
    """The phases of one run as its ``phase`` records come in (from any thread); ``state()`` is the latest."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._name: str | None = None
        self._number = 0
        self._started = 0.0
        self._fraction = 0.0
        self._detail = ""
        self.history: list[tuple[str, float]] = []  # (phase, wall seconds it took), the phases finished

    def update(self, record: dict) -> None:
        """Take one ``phase`` record; a new name starts a new phase (the one before is finished)."""
        name = str(record.get("name", "")) or "running"
        fraction = _fraction(record.get("fraction", 0.0))
        now = self._clock()
        with self._lock:
            if name != self._name:
                if self._name is not None:
                    self.history.append((self._name, now - self._started))
                self._name, self._started, self._number = name, now, self._number + 1
            self._fraction = fraction
            self._detail = str(record.get("detail", "") or "")

    def state(self) -> PhaseState | None:
        """The phase now, or None before the first record."""
        with self._lock:
            if self._name is None:
                return None
            return PhaseState(self._name, self._number, self._fraction, self._clock() - self._started, self._detail)


def _fraction(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return min(1.0, max(0.0, number)) if math.isfinite(number) else 0.0


def format_duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min 20 s"``, ``"2 h 05 min"``."""
    total = int(round(max(0.0, float(seconds))))
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, rest = divmod(total, 60)
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(int(round(total / 60)), 60)
    return f"{hours} h {minutes:02d} min"
