"""The avalanche threshold (where the slope peaks) and S_max, with uncertainties."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .slope import local_slope


@dataclass(frozen=True)
class ThresholdEstimate:
    threshold_kw_cm2: float
    threshold_uncertainty_kw_cm2: float
    s_max: float
    s_max_uncertainty: float

    def as_dict(self) -> dict:
        return {
            "threshold_kw_cm2": self.threshold_kw_cm2,
            "threshold_uncertainty_kw_cm2": self.threshold_uncertainty_kw_cm2,
            "s_max": self.s_max,
            "s_max_uncertainty": self.s_max_uncertainty,
        }


def _peak(log_i: np.ndarray, slope: np.ndarray) -> tuple[float, float]:
    """Position and height of the slope maximum: a parabola through the top point and its neighbours."""
    finite = np.isfinite(slope)
    if finite.sum() < 3:
        raise ValueError("too few points with a measurable slope to locate a threshold")
    k = int(np.nanargmax(np.where(finite, slope, -np.inf)))
    k = min(max(k, 1), len(slope) - 2)
    xs, ys = log_i[k - 1 : k + 2], slope[k - 1 : k + 2]
    if not np.all(np.isfinite(ys)):
        return float(log_i[k]), float(slope[k])
    coefficients = np.polyfit(xs - xs[1], ys, 2)
    if coefficients[0] >= 0:
        return float(log_i[k]), float(slope[k])
    vertex = -coefficients[1] / (2 * coefficients[0])
    vertex = float(np.clip(vertex, xs[0] - xs[1], xs[2] - xs[1]))
    return float(xs[1] + vertex), float(np.polyval(coefficients, vertex))


def avalanche_threshold(
    data: pd.DataFrame,
    intensity: str = "intensity_kw_cm2",
    signal: str = "count_rate_s",
    *,
    counts: str | None = "counts",
    gate: str | None = "gate_s",
    background: float = 0.0,
    window: int = 3,
    bootstrap: int = 200,
    seed: int = 0,
) -> ThresholdEstimate:
    """Threshold intensity and peak slope of an S-curve, with bootstrap uncertainties.

    The uncertainty comes from redrawing every point's counts from a Poisson
    distribution around the measured value (needs ``counts`` and ``gate``
    columns; otherwise from the slope's regression error) and repeating the
    analysis.
    """
    slopes = local_slope(data, intensity, signal, background=background, window=window)
    log_i = np.log(slopes[intensity].to_numpy(dtype=float))
    centre, height = _peak(log_i, slopes["slope"].to_numpy())
    rng = np.random.default_rng(seed)
    positions, heights = [], []
    if counts in data.columns and gate in data.columns:
        for _ in range(bootstrap):
            drawn = slopes.copy()
            drawn[signal] = rng.poisson(np.maximum(slopes[counts].to_numpy(), 0)) / slopes[gate].to_numpy()
            redone = local_slope(drawn, intensity, signal, background=background, window=window)
            try:
                x, h = _peak(log_i, redone["slope"].to_numpy())
            except ValueError:
                continue
            positions.append(x)
            heights.append(h)
    if len(positions) >= 10:
        spread_x, spread_h = float(np.std(positions)), float(np.std(heights))
    else:
        k = int(np.nanargmax(slopes["slope"].to_numpy()))
        spacing = np.diff(log_i)
        spread_x = float(np.nanmedian(spacing) / np.sqrt(12)) if spacing.size else float("nan")
        spread_h = float(slopes["slope_error"].iloc[k])
    # Half the local sampling step bounds how well any sweep can place a peak.
    step = np.diff(log_i)
    k = int(np.argmin(np.abs(log_i - centre)))
    local_step = float(step[min(k, len(step) - 1)]) if step.size else 0.0
    spread_x = float(np.hypot(spread_x, local_step / np.sqrt(12)))
    threshold = float(np.exp(centre))
    return ThresholdEstimate(threshold, threshold * spread_x, height, spread_h)
