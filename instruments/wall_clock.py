"""Real time, for benches with real hardware: the same interface as the simulation clock."""

from __future__ import annotations

import time


class WallClock:
    realtime = True

    def __init__(self):
        self._start = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._start

    def continue_from(self, bench_time_s: float) -> None:
        """Carry on a run's bench time: from now on ``now()`` counts on from ``bench_time_s``."""
        self._start = time.monotonic() - float(bench_time_s)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
