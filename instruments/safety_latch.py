"""The bench's safety latch: after "All lasers off", no laser may emit until someone releases it.

Turning the lasers off is not enough when a run is still going in another
thread: between the safe state and the run noticing that it must stop, it
could turn the pump back on.  While the latch is engaged, every Laser role
refuses to start emission or set a power above zero, before anything reaches
the wire.
"""

from __future__ import annotations

import threading


class LatchEngaged(RuntimeError):
    """A laser was asked to emit while the bench's safety latch is engaged."""


class SafetyLatch:
    def __init__(self):
        self._engaged = threading.Event()
        self.reason = ""

    @property
    def engaged(self) -> bool:
        return self._engaged.is_set()

    def engage(self, reason: str) -> None:
        self.reason = reason
        self._engaged.set()

    def release(self) -> None:
        self._engaged.clear()
        self.reason = ""

    def check(self, laser: str) -> None:
        """Raise LatchEngaged if ``laser`` may not emit now."""
        if self.engaged:
            raise LatchEngaged(f"{laser}: the bench's lasers are latched off ({self.reason}); release the latch first")
