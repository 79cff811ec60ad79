"""How often stated uncertainties cover the truth, where the truth is known (simulated bench, synthetic data).

A 1-sigma interval of an honest fit holds the truth in 68.3 % of particles;
the observed fraction over n particles has a binomial standard error
sqrt(p (1 - p) / n), so "about 68 %" means within a few of those of 0.683.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import binomtest

#: The fraction of a normal distribution within one standard deviation of its mean.
ONE_SIGMA = 0.6827


def nearest_particles(found_xy_um: np.ndarray, positions_um: np.ndarray) -> np.ndarray:
    """The index in ``positions_um`` of the particle nearest each found position (P, 2)."""
    found = np.asarray(found_xy_um, float).reshape(-1, 2)
    distance = np.hypot(found[:, None, 0] - positions_um[None, :, 0], found[:, None, 1] - positions_um[None, :, 1])
    return np.argmin(distance, axis=1)


def coverage(values: Sequence[float], errors: Sequence[float], truths: Sequence[float],
             expected: float = ONE_SIGMA, sigmas: float = 1.0) -> dict[str, float]:
    """The fraction of intervals value +- sigmas x error that hold the truth, its binomial standard error, and
    the two-sided binomial test's p-value against ``expected`` (the stated coverage)."""
    values, errors, truths = (np.asarray(a, float) for a in (values, errors, truths))
    inside = np.abs(values - truths) <= sigmas * errors
    n, k = int(inside.size), int(inside.sum())
    fraction = k / n
    return {"n": n, "covered": k, "fraction": fraction,
            "binomial_sd": float(np.sqrt(max(fraction * (1 - fraction), expected * (1 - expected)) / n)),
            "p_value": float(binomtest(k, n, expected).pvalue)}


def interval_coverage(lows: Sequence[float], highs: Sequence[float], truths: Sequence[float],
                      expected: float = ONE_SIGMA) -> dict[str, float]:
    """As :func:`coverage`, for intervals given by their ends (e.g. bootstrap percentiles)."""
    lows, highs, truths = (np.asarray(a, float) for a in (lows, highs, truths))
    centre, half = (lows + highs) / 2, (highs - lows) / 2
    return coverage(centre, half, truths, expected)
