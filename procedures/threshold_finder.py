"""Homing in on the avalanche threshold with few measurements.

A coarse log-spaced survey brackets the steep part of the S-curve; then the
interval next to the steepest secant slope is bisected (in log intensity),
widest neighbour first, until it is narrower than the requested precision.
The slope peak is far narrower than the decades a uniform sweep must cover,
so this reaches a uniform sweep's precision with a fraction of its points.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def next_intensity(points: list[tuple[float, float, float]], precision: float) -> float | None:
    """Where to measure next given (intensity, net signal, its sigma); None once the peak is bracketed finely.

    A signal within three sigmas of zero counts as three sigmas: below
    threshold the net signal is noise around zero, and the log of noise has
    slopes steeper than any avalanche.
    """
    points = sorted(points)
    x = np.log([p[0] for p in points])
    y = np.log(np.maximum([max(p[1], 3.0 * p[2]) for p in points], 1e-12))
    secants = np.diff(y) / np.diff(x)
    k = int(np.argmax(secants))
    # The slope peak lies in the steepest interval or next to it: refine the widest of those.
    candidates = [i for i in (k - 1, k, k + 1) if 0 <= i < len(secants)]
    widest = max(candidates, key=lambda i: x[i + 1] - x[i])
    if x[widest + 1] - x[widest] <= precision:
        return None
    return float(np.exp(0.5 * (x[widest] + x[widest + 1])))


def home_in(
    measure: Callable[[float], tuple[float, float]],
    low: float,
    high: float,
    *,
    survey_points: int = 8,
    precision: float = 0.02,
    max_points: int = 30,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[tuple[float, float]]:
    """Measure ``measure(intensity) -> (net signal, sigma)`` adaptively; returns every (intensity, signal, sigma)."""
    taken: list[tuple[float, float, float]] = []
    for intensity in np.geomspace(low, high, survey_points):
        if should_stop():
            return taken
        taken.append((float(intensity), *measure(float(intensity))))
    while len(taken) < max_points and not should_stop():
        intensity = next_intensity(taken, precision)
        if intensity is None:
            break
        taken.append((intensity, *measure(intensity)))
    return taken
