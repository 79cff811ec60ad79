"""Waiting for the emission to settle, by a criterion rather than a fixed delay.

Near the avalanche threshold the emission takes up to seconds to rise, far
from it milliseconds: a fixed delay is either wasteful or wrong.  Readings
are taken gate after gate until two successive windows of readings agree
within a tolerance that is never tighter than their Poisson noise allows.

Comparing windows rather than the readings inside one window matters for
slow approaches: readings a gate apart differ little even while the
emission is still far from its plateau, whereas two windows further apart
see the rise (a rise with a 1 s time constant, read in 0.2 s gates, passes
an agree-within-one-window test some 10 % short of its plateau, and the
two-window test within 2-4 %).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SettledReading:
    counts: int  # summed over the readings reported
    gate_s: float  # total counting time of those readings
    settle_time_s: float  # bench time from the start of waiting to the start of the reported readings
    settled: bool  # False if max_wait_s ran out first
    #: Why the point stopped: "settled" (the windows agreed and held the count target), "count target" (counted on
    #: after settling until it was reached), "integration limit" (max_integration_s ran out first), "max wait"
    #: (never settled), or "stop requested".
    stopped_by: str = "settled"

    @property
    def count_rate_s(self) -> float:
        return self.counts / self.gate_s


def windows_agree(older: float, newer: float, tolerance: float) -> bool:
    """Two windows' counts agree within ``tolerance`` (relative), or within two Poisson sigmas of their difference."""
    allowed = max(tolerance * max(newer, 1.0), 2.0 * np.sqrt(older + newer))
    return abs(newer - older) <= allowed


def read_when_settled(
    counter,
    clock,
    *,
    gate_s: float,
    tolerance: float = 0.05,
    readings: int = 3,
    max_wait_s: float = 20.0,
    min_counts: int = 0,
    max_integration_s: float = 0.0,
    min_gate_counts: int = 400,
    max_gate_s: float = 1.0,
    should_stop=lambda: False,
) -> SettledReading:
    """Count in gates until the last ``readings`` gates agree with the ``readings`` before them.

    While a gate holds fewer than ``min_gate_counts`` counts the gate doubles
    (up to ``max_gate_s``) and the history restarts: with few counts per
    gate shot noise hides a slow rise.  Once settled, counting goes on until
    ``min_counts`` have been collected or ``max_integration_s`` has passed,
    so weak signals get the statistics they need.  Returns the summed counts
    of the last window and of any counting after it.
    """
    start = clock.now()
    history: list[int] = []
    while True:
        history.append(counter.count(gate_s))
        if history[-1] < min_gate_counts and gate_s * 2 <= max_gate_s:
            gate_s *= 2
            history = []
            continue
        elapsed = clock.now() - start
        if len(history) >= 2 * readings:
            newer, older = sum(history[-readings:]), sum(history[-2 * readings:-readings])
            if windows_agree(older, newer, tolerance):
                counts, counted = int(newer), readings * gate_s
                reason = "settled"
                while counts < min_counts and counted < max_integration_s and not should_stop():
                    counts += counter.count(gate_s)
                    counted += gate_s
                    reason = "count target"
                if counts < min_counts:
                    reason = "stop requested" if should_stop() else "integration limit"
                return SettledReading(counts, counted, elapsed - readings * gate_s, True, reason)
        if elapsed >= max_wait_s or should_stop():
            recent = history[-readings:]
            reason = "max wait" if elapsed >= max_wait_s else "stop requested"
            return SettledReading(int(sum(recent)), len(recent) * gate_s, elapsed, False, reason)
