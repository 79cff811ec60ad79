"""Luminescence thermometry: the calibration curve I(T) and its relative sensitivity."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import make_smoothing_spline
from scipy.optimize import brentq


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
    standard error, the fitted value, ``relative_sensitivity_percent_per_k``
    and its standard error ``relative_sensitivity_uncertainty_percent_per_k``
    (NaN for the spline).
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
    relative_errors = table[f"{signal}_error"].to_numpy() / table[signal].to_numpy()
    sigma = _log_sigmas(relative_errors)
    if spline and len(t) >= 5:
        weights = (1.0 / sigma) / np.mean(1.0 / sigma)
        curve = make_smoothing_spline(t, log_signal, w=weights**2, lam=smoothing)
        fit, slope, slope_error = curve(t), curve.derivative()(t), np.full(len(t), np.nan)
    else:
        fit, slope, slope_error = _polynomial(t, log_signal, sigma, min(degree, len(t) - 1))
    table["fit"] = np.exp(fit)
    table["relative_sensitivity_percent_per_k"] = 100.0 * np.abs(slope)
    table["relative_sensitivity_uncertainty_percent_per_k"] = 100.0 * slope_error
    return table


def _polynomial(t: np.ndarray, log_signal: np.ndarray, sigma: np.ndarray, degree: int):
    """Weighted polynomial fit of ln(signal): fitted values, d/dT and its standard error at each temperature.

    When the points scatter about the fit more than their own errors allow
    (pump drift between temperatures does that), an extra scatter common to
    all temperatures is added in quadrature until the reduced chi-square is
    one; the weights and the covariance then describe the data as they are.
    With no spare degree of freedom the errors given are all there is (NaN
    if none were given).
    """
    x = t - t.mean()
    dof = len(t) - degree - 1
    unknown = np.all(sigma == 1.0)  # no errors given: only the scatter about the fit tells
    base = np.zeros_like(sigma) if unknown else sigma

    def fit(extra: float):
        total = np.sqrt(base**2 + extra**2)
        coefficients, covariance = np.polyfit(x, log_signal, degree, w=1.0 / total, cov="unscaled")
        residual = (log_signal - np.polyval(coefficients, x)) / total
        return coefficients, covariance, float(residual @ residual) / dof if dof > 0 else 0.0

    if dof <= 0:
        coefficients, covariance, _ = fit(0.0 if not unknown else 1.0)
        if unknown:
            covariance = np.full_like(covariance, np.nan)
    else:
        extra = 0.0 if not unknown else float(np.std(log_signal)) or 1.0
        coefficients, covariance, reduced = fit(extra)
        if unknown or reduced > 1.0:
            extra = brentq(lambda e: fit(e)[2] - 1.0, 1e-12, 10.0 * (float(np.ptp(log_signal)) + 1.0))
            coefficients, covariance, _ = fit(extra)
    powers = np.arange(degree, -1, -1)  # the slope at x is sum_k c_k k x^(k-1)
    gradient = np.where(powers > 0, powers * x[:, None] ** np.maximum(powers - 1, 0), 0.0)
    slope_error = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", gradient, covariance, gradient), 0.0, None))
    return np.polyval(coefficients, x), np.polyval(np.polyder(coefficients), x), slope_error


def _log_sigmas(relative_errors: np.ndarray) -> np.ndarray:
    """Standard errors of ln(signal); unknown ones (single readings) take the median of the known, or all 1."""
    known = relative_errors > 0
    if not known.any():
        return np.ones_like(relative_errors)
    typical = np.median(relative_errors[known])
    return np.where(known, np.maximum(relative_errors, 0.1 * typical), typical)


def temperature_from_signal(table: pd.DataFrame, signal_value: float, temperature: str = "temperature_k",
                            fit: str = "fit") -> float:
    """Invert a monotone calibration curve: the temperature at which the fit equals ``signal_value``."""
    t = table[temperature].to_numpy(dtype=float)
    values = table[fit].to_numpy(dtype=float)
    order = np.argsort(values)
    if not (np.all(np.diff(values) > 0) or np.all(np.diff(values) < 0)):
        raise ValueError("the calibration curve is not monotone over this range")
    return float(np.interp(signal_value, values[order], t[order]))
