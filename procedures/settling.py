"""Waiting for the emission to settle, by a criterion rather than a fixed delay.

Near the avalanche threshold the emission takes up to seconds to rise, far
from it milliseconds: a fixed delay is either wasteful or wrong.  Readings
are taken gate after gate until the last few agree within a tolerance that
is never tighter than their Poisson noise allows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SettledReading:
    counts: int  # summed over the agreeing readings
    gate_s: float  # total counting time of those readings
    settle_time_s: float  # bench time from the start of waiting to the first agreeing reading
    settled: bool  # False if max_wait_s ran out first

    @property
    def count_rate_s(self) -> float:
        return self.counts / self.gate_s


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
    min_gate_counts: int = 50,
    max_gate_s: float = 1.0,
    should_stop=lambda: False,
) -> SettledReading:
    """Count in gates of ``gate_s`` until ``readings`` consecutive ones agree within ``tolerance``.

    Agreement: every reading within ``max(tolerance, 3 / sqrt(mean))`` of their
    mean (relative), i.e. the criterion relaxes to three sigma of shot noise
    at low counts.  While readings hold fewer than ``min_gate_counts`` the
    gate doubles (up to ``max_gate_s``): with few counts per gate shot noise
    hides a slow rise, and the comparison would pass before the emission has
    settled.  Once settled, counting goes on until ``min_counts`` have been
    collected or ``max_integration_s`` has passed, so weak signals get the
    statistics they need.  Returns the summed counts of the readings taken
    since settling.
    """
    start = clock.now()
    history: list[int] = []
    while True:
        history.append(counter.count(gate_s))
        if history[-1] < min_gate_counts and gate_s * 2 <= max_gate_s:
            gate_s *= 2
            history = []
            continue
        recent = np.array(history[-readings:], dtype=float)
        elapsed = clock.now() - start
        if len(recent) == readings:
            mean = recent.mean()
            allowed = max(tolerance, 3.0 / np.sqrt(max(mean, 1.0)))
            if mean == 0 or np.all(np.abs(recent - mean) <= allowed * mean):
                counts, counted = int(recent.sum()), readings * gate_s
                while counts < min_counts and counted < max_integration_s and not should_stop():
                    counts += counter.count(gate_s)
                    counted += gate_s
                return SettledReading(counts, counted, elapsed - readings * gate_s, True)
        if elapsed >= max_wait_s or should_stop():
            recent = np.array(history[-readings:], dtype=float)
            return SettledReading(int(recent.sum()), len(recent) * gate_s, elapsed, False)
