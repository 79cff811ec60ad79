"""Waiting for the emission to settle, by a criterion rather than a fixed delay.

Near the avalanche threshold the emission takes up to seconds to rise, far
from it milliseconds: a fixed delay is either wasteful or wrong.  Readings
are taken in windows that double in length, until two successive windows
agree in rate within a tolerance that is never tighter than their Poisson
noise allows, and then only until the point's count target is reached.

Comparing windows rather than the readings inside one window matters for
slow approaches: readings a gate apart differ little even while the
emission is still far from its plateau, whereas two windows further apart
see the rise.  Doubling windows make that scale-free: the latest window
spans about as much time as everything before it, so the test sees a rise
of any time constant, and the wait is a few rise times of the point itself
(milliseconds far from threshold, seconds next to it) rather than a fixed
number of fixed gates.
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
    """Two equal windows' counts agree within ``tolerance`` (relative), or within two Poisson sigmas."""
    allowed = max(tolerance * max(newer, 1.0), 2.0 * np.sqrt(older + newer))
    return abs(newer - older) <= allowed


def rates_agree(older: tuple[float, float], newer: tuple[float, float], tolerance: float) -> bool:
    """Two windows of any lengths, (counts, seconds), agree in rate within ``tolerance`` or two Poisson sigmas."""
    (c1, t1), (c2, t2) = older, newer
    r1, r2 = c1 / t1, c2 / t2
    allowed = max(tolerance * max(r2, 1.0 / t2), 2.0 * np.sqrt(max(c1, 1.0) / t1**2 + max(c2, 1.0) / t2**2))
    return abs(r2 - r1) <= allowed


def settled_windows(windows: list[tuple[int, float]]) -> tuple[int, float]:
    """(counts, seconds) of the settled tail of ``windows``, whose last two agree: those two and every window
    before them back to the first whose addition breaks the agreement.

    Walking back, the windows added so far form one block, compared with
    the two agreeing windows by :func:`rates_agree`: a point that was
    settled from its first window on (far from threshold, or at background)
    keeps all its counting, whereas one still rising keeps only what came
    after the rise, since a block reaching into the rise no longer agrees.
    The block, not each window, is compared so that many small early
    windows cannot each pass on their noise and together add a bias; and it
    must agree within its Poisson noise alone (the relative tolerance only
    decides that the pair has settled): a bright block a few per cent low, still on the
    rise, would otherwise pass the relative tolerance and pull the reading
    below the steady state by more than its own error (seen as thin-leaning
    shells in the fits of surveyed S-curves).
    """
    counts, counted = windows[-2][0] + windows[-1][0], windows[-2][1] + windows[-1][1]
    block = (0, 0.0)
    for earlier in reversed(windows[:-2]):
        grown = (block[0] + earlier[0], block[1] + earlier[1])
        if not rates_agree(grown, (counts, counted), 0.0):
            break
        block = grown
    return counts + block[0], counted + block[1]


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
    min_gate_counts: int = 25,
    max_gate_s: float = 1.0,
    should_stop=lambda: False,
) -> SettledReading:
    """Count in windows that double in length until two successive windows agree in rate; then count to target.

    Each window is ``readings`` gates, the first ones ``gate_s`` long, every
    next window twice the one before (gates up to ``max_gate_s``).  Since a
    window then lasts about as long as all the counting before it, two
    successive windows agree only once the time since the step is several
    rise times, whatever the rise time is: a bright point far from
    threshold, settled within milliseconds, is read within milliseconds, and
    one near threshold waits for as long as its rise needs, without knowing
    the rise time in advance.  Windows holding fewer than
    ``min_gate_counts`` counts are not compared (shot noise would hide a
    rise) unless the gates are already ``max_gate_s`` long.  Once two windows
    agree, both are kept (the older is within the tolerance of the newer),
    with the windows before them that agree as well (:func:`settled_windows`),
    and counting goes on until ``min_counts`` or ``max_integration_s`` of
    counting time, so each point stops as soon as its own count target is
    reached.
    """
    start = clock.now()
    windows: list[tuple[int, float]] = []
    gate = gate_s
    while True:
        counts = sum(int(counter.count(gate)) for _ in range(readings))
        windows.append((counts, readings * gate))
        elapsed = clock.now() - start
        if len(windows) >= 2:
            older, newer = windows[-2], windows[-1]
            comparable = min(older[0], newer[0]) >= min_gate_counts or gate >= max_gate_s
            if comparable and rates_agree(older, newer, tolerance):
                counts, counted = settled_windows(windows)
                reason = "settled"
                while counts < min_counts and counted < max_integration_s and not should_stop():
                    # The rest of the target in one gate (at the rate just measured), never past the limits.
                    rate = max(counts / counted, 1e-9)
                    more = min((min_counts - counts) / rate * 1.02, max_integration_s - counted, max_gate_s)
                    more = max(more, gate_s)
                    counts += int(counter.count(more))
                    counted += more
                    reason = "count target"
                if counts < min_counts:
                    reason = "stop requested" if should_stop() else "integration limit"
                return SettledReading(counts, counted, clock.now() - start - counted, True, reason)
        if elapsed >= max_wait_s or should_stop():
            recent = windows[-1]
            reason = "max wait" if elapsed >= max_wait_s else "stop requested"
            return SettledReading(int(recent[0]), recent[1], elapsed, False, reason)
        gate = min(2 * gate, max_gate_s)
