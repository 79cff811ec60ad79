"""The local slope S = d ln(emission) / d ln(intensity) of a measured S-curve."""

from __future__ import annotations

import numpy as np
import pandas as pd


def local_slope(
    data: pd.DataFrame,
    intensity: str = "intensity_kw_cm2",
    signal: str = "count_rate_s",
    *,
    background: float = 0.0,
    window: int = 3,
    min_snr: float = 3.0,
) -> pd.DataFrame:
    """Slope of log(signal - background) against log(intensity) by local linear regression.

    Each point's slope is the least-squares slope over the ``window`` points
    centred on it (sorted by intensity), which averages shot noise the way a
    finite-difference slope cannot.  With ``counts`` and ``gate_s`` columns,
    points whose signal above background is below ``min_snr`` Poisson
    standard deviations are left out: the log of a noise residue has no
    slope.  Returns the data sorted by intensity with ``slope`` and
    ``slope_error`` columns (NaN where fewer than two usable points are in
    the window).
    """
    if window < 2:
        raise ValueError("window must be at least 2 points")
    table = data.sort_values(intensity).reset_index(drop=True).copy()
    x = np.log(table[intensity].to_numpy(dtype=float))
    net = table[signal].to_numpy(dtype=float) - background
    usable = net > 0
    if "counts" in table and "gate_s" in table:
        noise = np.sqrt(np.maximum(table["counts"].to_numpy(dtype=float), 1.0)) / table["gate_s"].to_numpy(dtype=float)
        usable &= net > min_snr * noise
    y = np.log(np.where(usable, net, np.nan))
    half = window // 2
    slopes = np.full(len(table), np.nan)
    errors = np.full(len(table), np.nan)
    for i in range(len(table)):
        lo, hi = max(0, i - half), min(len(table), i + half + 1 + (window % 2 == 0))
        xs, ys = x[lo:hi], y[lo:hi]
        good = np.isfinite(xs) & np.isfinite(ys)
        if good.sum() < 2:
            continue
        xs, ys = xs[good], ys[good]
        dx = xs - xs.mean()
        denominator = (dx**2).sum()
        if denominator <= 0:
            continue
        slope = (dx * (ys - ys.mean())).sum() / denominator
        slopes[i] = slope
        if len(xs) > 2:
            residual = ys - ys.mean() - slope * dx
            errors[i] = np.sqrt((residual**2).sum() / (len(xs) - 2) / denominator)
    table["slope"] = slopes
    table["slope_error"] = errors
    return table
