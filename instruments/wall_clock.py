"""Real time, for benches with real hardware: the same interface as the simulation clock."""

from __future__ import annotations

import time


class WallClock:
    realtime = True

    def __init__(self):
        self._start = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._start

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
