"""Ctrl-C and SIGTERM while a run writes its end (or a bench closes): held back until it is done.

A run stops at the first Ctrl-C (or SIGTERM, which the command line turns
into one).  What follows (the safe state, the end of the run in
``metadata.json``, the summary) must happen whatever else arrives: a second
Ctrl-C, an impatient ``kill``.  Inside :func:`held_interrupts` both signals
are noted instead of acted on; when the block ends they are acted on (one
KeyboardInterrupt) unless the caller says it already is stopping.

Only the main thread receives signals, so elsewhere (the GUI's run queue)
this does nothing.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading

log = logging.getLogger(__name__)

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Held:
    def __init__(self):
        self.received: list[int] = []

    def __call__(self, signum, frame) -> None:
        self.received.append(signum)
        log.warning("%s received while the run's end is being recorded: it takes effect once that is done",
                    signal.Signals(signum).name)

    @property
    def arrived(self) -> bool:
        return bool(self.received)


@contextlib.contextmanager
def held_interrupts(*, reraise: bool = True):
    """Hold back SIGINT and SIGTERM for the block; afterwards raise KeyboardInterrupt if one came (``reraise``).

    Yields the record of what arrived (``.arrived``)."""
    held = _Held()
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = {signum: signal.getsignal(signum) for signum in _SIGNALS}
    for signum in _SIGNALS:
        signal.signal(signum, held)
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
    if held.arrived and reraise:
        raise KeyboardInterrupt(signal.Signals(held.received[0]).name)
