"""Simulation time: virtual (as fast as the CPU allows) or real (for the demo GUI).

Everything that waits on the simulated bench waits on this clock, so a
measurement that takes an hour of bench time takes seconds in virtual time.
In real-time mode ``sleep`` really sleeps and ``now`` follows the wall clock.
"""

from __future__ import annotations

import threading
import time


class SimulationClock:
    """Seconds since the bench was created; virtual unless ``realtime``."""

    def __init__(self, realtime: bool = False):
        self.realtime = realtime
        self._start = time.monotonic()
        self._virtual = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        if self.realtime:
            return time.monotonic() - self._start
        with self._lock:
            return self._virtual

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of bench time pass."""
        if seconds <= 0:
            return
        if self.realtime:
            time.sleep(seconds)
        else:
            with self._lock:
                self._virtual += seconds

    def continue_from(self, bench_time_s: float) -> None:
        """Carry on a run's bench time from ``bench_time_s`` (a resume without a checkpoint): the time
        between passes, and the world lives through it (in the dark) when it next catches up."""
        if self.realtime:
            with self._lock:
                self._start = min(self._start, time.monotonic() - float(bench_time_s))
        else:
            self.sleep(float(bench_time_s) - self.now())

    def __getstate__(self) -> dict:
        """The clock as a time on the bench (a checkpoint); a real-time clock carries on from it."""
        return {"realtime": self.realtime, "now": self.now()}

    def __setstate__(self, state: dict) -> None:
        self.realtime = state["realtime"]
        self._lock = threading.Lock()
        self._virtual = float(state["now"])
        self._start = time.monotonic() - self._virtual

    def __repr__(self) -> str:
        return f"SimulationClock({'real' if self.realtime else 'virtual'} time, t={self.now():.6f} s)"
