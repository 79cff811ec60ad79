"""Luminescence thermometry: the calibration curve I(T) and its relative sensitivity."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import make_smoothing_spline


def calibration(
    data: pd.DataFrame,
    temperature: str = "temperature_k",
    signal: str = "count_rate_s",
    *,
    background: float = 0.0,
    smoothing: float | None = None,
) -> pd.DataFrame:
    """Mean signal per temperature, a smoothing spline through ln(signal), and S_r = |dI/dT| / I in %/K.

    Returns one row per temperature: ``temperature_k``, the mean signal, its
    standard error, the fitted value (a smoothing spline with five or more
    temperatures, a quadratic below that), and
    ``relative_sensitivity_percent_per_k``.
    """
    grouped = data.groupby(temperature)[signal]
    table = pd.DataFrame({
        temperature: grouped.mean().index.to_numpy(dtype=float),
        signal: grouped.mean().to_numpy(dtype=float) - background,
        f"{signal}_error": (grouped.std(ddof=1) / np.sqrt(grouped.count())).fillna(0.0).to_numpy(),
    })
    if len(table) < 3:
        raise ValueError("a calibration needs at least three temperatures")
    positive = table[signal] > 0
    if not positive.all():
        raise ValueError("the signal must be above background at every temperature")
    t = table[temperature].to_numpy()
    log_signal = np.log(table[signal].to_numpy())
    if len(t) >= 5:
        curve = make_smoothing_spline(t, log_signal, lam=smoothing)
        slope = curve.derivative()
    else:  # too few temperatures for a spline: a quadratic (or line) in ln I
        curve = np.poly1d(np.polyfit(t, log_signal, min(2, len(t) - 1)))
        slope = curve.deriv()
    table["fit"] = np.exp(curve(t))
    table["relative_sensitivity_percent_per_k"] = 100.0 * np.abs(slope(t))
    return table


def temperature_from_signal(table: pd.DataFrame, signal_value: float, temperature: str = "temperature_k",
                            fit: str = "fit") -> float:
    """Invert a monotone calibration curve: the temperature at which the fit equals ``signal_value``."""
    t = table[temperature].to_numpy(dtype=float)
    values = table[fit].to_numpy(dtype=float)
    order = np.argsort(values)
    if not (np.all(np.diff(values) > 0) or np.all(np.diff(values) < 0)):
        raise ValueError("the calibration curve is not monotone over this range")
    return float(np.interp(signal_value, values[order], t[order]))
