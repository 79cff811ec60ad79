"""Rise and decay times of time-binned emission traces after a pump step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import isotonic_regression


@dataclass(frozen=True)
class RiseEstimate:
    t50_s: float
    t90_s: float
    t50_uncertainty_s: float
    t90_uncertainty_s: float
    baseline: float
    plateau: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _crossing(times: np.ndarray, values: np.ndarray, level: float) -> float:
    above = np.flatnonzero(values >= level)
    if above.size == 0:
        return float("nan")
    k = above[0]
    if k == 0:
        return float(times[0])
    t0, t1, v0, v1 = times[k - 1], times[k], values[k - 1], values[k]
    return float(t0 + (level - v0) * (t1 - t0) / (v1 - v0)) if v1 > v0 else float(t1)


def _rebin(times: np.ndarray, counts: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge ``factor`` adjacent bins (times at the merged bins' centres)."""
    if factor <= 1:
        return times, counts
    usable = len(counts) // factor * factor
    return times[:usable].reshape(-1, factor).mean(axis=1), counts[:usable].reshape(-1, factor).sum(axis=1)


def _rise(times, counts, step_at_s, plateau_fraction, target_per_bin=25.0, min_bins=50):
    before = counts[times < step_at_s]
    after_t, after = times[times >= step_at_s], counts[times >= step_at_s]
    # Faint traces: merge bins until each holds a useful signal, keeping enough bins across the rise.
    if before.size and after.size >= 2 * min_bins:
        signal = after[-max(3, int(len(after) * plateau_fraction)):].mean() - before.mean()
        factor = int(np.clip(np.ceil(target_per_bin / max(signal, 1e-9)), 1, len(after) // min_bins))
        after_t, after = _rebin(after_t, after, factor)
        before = before * 1.0
        before = np.full(max(1, before.size // factor), before.mean() * factor)
    if after.size < 5:
        raise ValueError("the trace needs points after the pump step")
    baseline = float(before.mean()) if before.size else 0.0
    tail = max(3, int(len(after) * plateau_fraction))
    plateau = float(after[-tail:].mean())
    if plateau <= baseline:
        raise ValueError("the emission does not rise above its baseline after the step")
    # The rise is monotone: the best monotone curve through the noisy bins.
    monotone = isotonic_regression(after.astype(float), increasing=True).x
    t = after_t - step_at_s
    span = plateau - baseline
    return (_crossing(t, monotone, baseline + 0.5 * span), _crossing(t, monotone, baseline + 0.9 * span),
            baseline, plateau)


def rise_times(
    trace: pd.DataFrame,
    time: str = "time_s",
    signal: str = "counts",
    *,
    step_at_s: float = 0.0,
    plateau_fraction: float = 0.2,
    bootstrap: int = 100,
    seed: int = 0,
) -> RiseEstimate:
    """t50 and t90 after the pump steps on at ``step_at_s``, with Poisson-bootstrap uncertainties.

    Baseline: mean before the step; plateau: mean of the last
    ``plateau_fraction`` of the trace (the trace must be long enough to
    settle).  Faint traces are re-binned so that every bin after the step
    holds ~25 counts of signal (keeping at least 50 bins).  Crossing times
    are read from the best monotone (isotonic) fit to the bins, which copes
    with shot noise without smoothing away the sharp avalanche onset.
    """
    times = trace[time].to_numpy(dtype=float)
    counts = trace[signal].to_numpy(dtype=float)
    t50, t90, baseline, plateau = _rise(times, counts, step_at_s, plateau_fraction)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(bootstrap):
        try:
            draws.append(_rise(times, rng.poisson(np.maximum(counts, 0)).astype(float), step_at_s, plateau_fraction)[:2])
        except ValueError:
            continue
    spread = np.nanstd(np.array(draws), axis=0) if len(draws) >= 10 else (float("nan"), float("nan"))
    return RiseEstimate(t50, t90, float(spread[0]), float(spread[1]), baseline, plateau)


def decay_time(
    trace: pd.DataFrame,
    time: str = "time_s",
    signal: str = "counts",
    *,
    step_at_s: float = 0.0,
    background: float = 0.0,
) -> float:
    """Time for the emission to fall to 1/e of its value at the moment the pump steps off."""
    times = trace[time].to_numpy(dtype=float)
    counts = trace[signal].to_numpy(dtype=float) - background
    before = counts[(times < step_at_s)]
    after_t, after = times[times >= step_at_s] - step_at_s, counts[times >= step_at_s]
    if before.size < 3 or after.size < 3:
        raise ValueError("the trace needs points before and after the pump steps off")
    start = float(before[-max(3, before.size // 5):].mean())
    monotone = isotonic_regression(after, increasing=False).x
    below = np.flatnonzero(monotone <= start / np.e)
    if below.size == 0:
        return float("nan")
    k = below[0]
    if k == 0:
        return float(after_t[0])
    t0, t1, v0, v1 = after_t[k - 1], after_t[k], monotone[k - 1], monotone[k]
    level = start / np.e
    return float(t0 + (v0 - level) * (t1 - t0) / (v0 - v1)) if v0 > v1 else float(t1)
