"""Luminescence thermometry: the calibration curve I(T) and its relative sensitivity."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.polynomial import Polynomial
from scipy.interpolate import make_smoothing_spline


def calibration(
    data: pd.DataFrame,
    temperature: str = "temperature_k",
    signal: str = "count_rate_s",
    *,
    background: float = 0.0,
    degree: int = 2,
    spline: bool = False,
    smoothing: float | None = None,
) -> pd.DataFrame:
    """Mean signal per temperature, a smooth fit of ln(signal) against T, and S_r = |dI/dT| / I in %/K.

    The fit is a polynomial of ``degree`` in T through ln(signal), weighted
    by each temperature's standard error: S_r is a derivative, and a curve
    that follows every wiggle of the data (pump drift, shot noise) turns
    each wiggle into a spurious peak of S_r.  ``spline=True`` fits a
    smoothing spline instead (``smoothing``: its penalty; None chooses it by
    generalised cross-validation), for wide ranges sampled at many
    temperatures.

    Returns one row per temperature: ``temperature_k``, the mean signal, its
    standard error, the fitted value and ``relative_sensitivity_percent_per_k``.
    """
    grouped = data.groupby(temperature)[signal]
    table = pd.DataFrame({
        temperature: grouped.mean().index.to_numpy(dtype=float),
        signal: grouped.mean().to_numpy(dtype=float) - background,
        f"{signal}_error": (grouped.std(ddof=1) / np.sqrt(grouped.count())).fillna(0.0).to_numpy(),
    })
    if len(table) < 3:
        raise ValueError("a calibration needs at least three temperatures")
    if not (table[signal] > 0).all():
        raise ValueError("the signal must be above background at every temperature")
    t = table[temperature].to_numpy()
    log_signal = np.log(table[signal].to_numpy())
    weights = _weights(table[f"{signal}_error"].to_numpy() / table[signal].to_numpy())
    if spline and len(t) >= 5:
        curve = make_smoothing_spline(t, log_signal, w=weights**2, lam=smoothing)
        slope = curve.derivative()
    else:
        curve = Polynomial.fit(t, log_signal, min(degree, len(t) - 1), w=weights)
        slope = curve.deriv()
    table["fit"] = np.exp(curve(t))
    table["relative_sensitivity_percent_per_k"] = 100.0 * np.abs(slope(t))
    return table


def _weights(relative_errors: np.ndarray) -> np.ndarray:
    """1/sigma of ln(signal), normalised; equal weights where errors are unknown (single readings)."""
    known = relative_errors > 0
    if not known.any():
        return np.ones_like(relative_errors)
    floor = np.median(relative_errors[known])
    sigma = np.where(known, np.maximum(relative_errors, 0.1 * floor), floor)
    return (1.0 / sigma) / np.mean(1.0 / sigma)


def temperature_from_signal(table: pd.DataFrame, signal_value: float, temperature: str = "temperature_k",
                            fit: str = "fit") -> float:
    """Invert a monotone calibration curve: the temperature at which the fit equals ``signal_value``."""
    t = table[temperature].to_numpy(dtype=float)
    values = table[fit].to_numpy(dtype=float)
    order = np.argsort(values)
    if not (np.all(np.diff(values) > 0) or np.all(np.diff(values) < 0)):
        raise ValueError("the calibration curve is not monotone over this range")
    return float(np.interp(signal_value, values[order], t[order]))
