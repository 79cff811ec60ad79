"""Riding out transient instrument faults: bounded retries of each exchange with an instrument.

A timeout, a garbled or truncated reply, a dropped connection: on a real
bench these come and go, and an overnight run must not die of one.  Every
role's instrument exchanges (its ``_`` methods, the only place a role talks
to its driver) are retried with growing waits; each fault is logged and
kept in the bench's fault log.  A fault that outlasts the retries is
persistent: it surfaces as an :class:`InstrumentFault` naming the
instrument and the operation, and the run ends in the safe state.

Not retried: limits (nothing was sent), and an instrument that understood
and refused (``InstrumentRefused`` from a driver, ``InstrumentFault``).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
from dataclasses import dataclass

from pyvisa.errors import VisaIOError

from anplab.drivers.errors import InstrumentRefused, InstrumentReplyError

from .errors import InstrumentFault, LimitError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # the first try and three retries
    first_wait_s: float = 0.05
    factor: float = 4.0

    def waits(self):
        """The waits before each retry: first_wait_s, x factor, ..."""
        return [self.first_wait_s * self.factor**k for k in range(self.attempts - 1)]


def is_transient(error: BaseException, reading: bool = False) -> bool:
    """A fault worth trying again: the line, not the request, went wrong.

    In a ``reading`` exchange (a ``_get...`` or ``_read...``), where no
    request of ours could be at fault, a ValueError (a number that did not
    parse) or a KeyError (a reply outside the values a setting maps to) is
    a garbled reply; elsewhere it is a request the adapter refused.
    """
    if isinstance(error, (LimitError, InstrumentFault, InstrumentRefused)):
        return False
    if isinstance(error, (ValueError, KeyError)):
        return reading
    return isinstance(error, (VisaIOError, OSError, InstrumentReplyError))


def _reads(name: str) -> bool:
    return name.startswith(("_get", "_read", "_identification", "_pixel_clock"))


def make_resilient(role, policy: RetryPolicy, clock, fault_log: list, lock=None) -> None:
    """Wrap every instrument exchange of ``role`` (the abstract ``_`` methods of its role class) in retries.

    ``lock`` (a threading lock) is held for each attempt, not for the waits between them.
    """
    lock = lock if lock is not None else contextlib.nullcontext()
    for name in _exchanges(type(role)):
        setattr(role, name, _retrying(getattr(role, name), role.name, name.lstrip("_"), _reads(name), policy, clock,
                                      fault_log, lock))


def _exchanges(cls) -> set[str]:
    names = set()
    for base in cls.__mro__:
        names |= {name for name in getattr(base, "__abstractmethods__", ()) if name.startswith("_")}
    return {name for name in names if inspect.isfunction(getattr(cls, name, None))}


def _retrying(method, instrument: str, operation: str, reading: bool, policy: RetryPolicy, clock, fault_log: list,
              lock):
    @functools.wraps(method)
    def call(*args, **kwargs):
        waits = policy.waits()
        for attempt in range(policy.attempts):
            try:
                with lock:
                    result = method(*args, **kwargs)
            except Exception as error:
                if not is_transient(error, reading):
                    raise
                record = {"time_s": clock.now(), "instrument": instrument, "operation": operation,
                          "error": f"{type(error).__name__}: {error}", "attempt": attempt + 1}
                fault_log.append(record)
                if attempt == len(waits):
                    record["outcome"] = "gave up"
                    log.error("%s: %s failed %d times, giving up: %s", instrument, operation, policy.attempts,
                              record["error"])
                    raise InstrumentFault(instrument, f"{operation} failed {policy.attempts} times; last: "
                                                      f"{record['error']}") from error
                record["outcome"] = "retried"
                log.warning("%s: %s: %s; retry %d of %d in %.3g s", instrument, operation, record["error"],
                            attempt + 1, len(waits), waits[attempt])
                clock.sleep(waits[attempt])
            else:
                if attempt:
                    fault_log[-1]["recovered"] = True
                return result

    return call
