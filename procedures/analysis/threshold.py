"""The avalanche threshold and S_max of a measured S-curve, estimated rather than read off the grid.

Estimator.  Around its threshold an avalanching emission E(I) jumps by
decades within a few per cent of intensity, and its local slope
S = d ln E / d ln I falls off on both sides roughly as 1 / |ln I - ln I_th|
(critical slowing down's static twin).  The log-emission is therefore fitted,
over the points within a factor ``window_factor`` of the steepest secant (at
least four on each side), by a smoothed logarithmic step on a quadratic
background::

    ln E(x) = a + b d + c d^2 + A asinh(d / w),   d = x - ln I_th,  x = ln I

so that S(x) = b + 2 c d + A / sqrt(d^2 + w^2), whose maximum, S_max ~ b + A / w,
sits at the threshold I_th.  Points on the wings fix A (the curvature of the
log-divergence) and with it the width w from the size of the jump, which is
why a coarse grid that never samples the steep part still places the
threshold between its points, instead of at one of them.  The fit is
weighted by each point's Poisson error of ln(signal - background).  A fit
whose threshold ends at the edge of the range it may take (the points
next to the steepest secant) is refused: on a faint particle noise high on the rise can make
the steepest secant, and the step fitted there is not an estimate.

Uncertainties.  A parametric bootstrap (every point's counts redrawn from a
Poisson distribution around the measured value, the estimate repeated) gives
the statistical spread.  The step's functional form is only close to the
exact rate-equation S-curve; simulations of the default Tm:NaYF4 particle on
grids of 12 to 60 log-spaced points at every grid phase put the remaining
bias of ln I_th at about 0.12 of the local grid step (rms), and the relative
error of S_max at about 18 % combined with 1.3 times the step in ln I: both
are added in quadrature as a systematic term.

When the branch below threshold is under the dark counts (the usual case on
a single particle: nothing to fit there), the threshold is the onset of
emission: between the last point at background and the first clearly above
it (the first of the points that all stay above it), at their geometric
mean, with the bracket's uniform spread (step / sqrt 12) and a 2 % term for
emission becoming detectable a little below the slope peak, in quadrature
with the bootstrap.  The dark reading's error is common to every point: it
enters each point's noise where "above background" is judged, and the
bootstrap redraws the background with it.  S_max is then only a lower limit (the steepest secant between neighbouring
points from the onset up, each fainter point at its 3-sigma upper limit), and
is reported as one.

Coverage (tests/procedures/test_threshold_coverage.py): over 20 bench-like
sweeps with the particle anywhere in the beam, the 1-sigma bars of 12- and
60-point sweeps cover the model's threshold in 80 % and 90 % of them (78 %
and 85 % over 60), the 2-sigma bars in all; with the dark reading 1.6 sigma
low, the 60-point bars still cover it in most (17 % when the dark's error was
left out).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeWarning, least_squares

from .slope import local_slope

# Calibrated by simulation of the exact S-curve on grids of 12-60 points at every phase (module docstring).
_THRESHOLD_BIAS_PER_STEP = 0.12
_S_MAX_RELATIVE_ERROR_PER_STEP = 1.3
_S_MAX_RELATIVE_ERROR = 0.18  # the step's form underestimates the exact peak slope by 10-20 % even on fine grids
# Emission becomes detectable on the steep rise a little below the slope peak (how far depends on the gate and
# the dark counts).  With the dark reading's own error in the bootstrap, 2 % rms in ln I leaves the 1-sigma bars
# of bench-like sweeps covering the model in 78 % (12 points) and 85 % (60 points) of 60 seeds; 3 % was set
# when that error was left out, and then the onset was biased low by half its uncertainty on fine sweeps.
_ONSET_OFFSET = 0.02
_MIN_WING_POINTS = 4
_MIN_FIT_POINTS = 7


@dataclass(frozen=True)
class ThresholdEstimate:
    threshold_kw_cm2: float
    threshold_uncertainty_kw_cm2: float
    s_max: float
    s_max_uncertainty: float
    estimator: str = "smoothed-step fit"
    s_max_is_lower_limit: bool = False  # S_max >= s_max: the steep part fell between two grid points

    def as_dict(self) -> dict:
        out = {
            "threshold_kw_cm2": self.threshold_kw_cm2,
            "threshold_uncertainty_kw_cm2": self.threshold_uncertainty_kw_cm2,
            "s_max": self.s_max,
            "threshold_estimator": self.estimator,
        }
        if self.s_max_is_lower_limit:
            out["s_max_is_lower_limit"] = True
        else:
            out["s_max_uncertainty"] = self.s_max_uncertainty
        return out


def _step_model(p: np.ndarray, x: np.ndarray) -> np.ndarray:
    a, b, c, amplitude, centre, log_width = p
    d = x - centre
    return a + b * d + c * d * d + amplitude * np.arcsinh(d / np.exp(log_width))


@dataclass(frozen=True)
class _Fit:
    centre: float
    s_max: float
    step: float  # the local grid step in ln I at the threshold
    parameters: tuple = ()  # (a, b, c, A, ln I_th, ln w) of the fitted step, for drawing it


def _fit_step(x: np.ndarray, net: np.ndarray, noise: np.ndarray, window_factor: float) -> _Fit:
    """Weighted least-squares fit of the smoothed log step around the steepest secant, in ln E.

    Needs both branches above background: ``_MIN_WING_POINTS`` bright points on each side of the steepest
    secant within the window, and a threshold within its range, not at its edge (otherwise ``ValueError``).
    """
    bright = np.isfinite(x) & np.isfinite(net) & (noise > 0) & (net > 3.0 * noise)
    x, y, sigma = x[bright], np.log(net[bright]), noise[bright] / net[bright]
    if x.size < 2 * _MIN_WING_POINTS:
        raise ValueError("too few points above background to fit the S-curve's step")
    k = int(np.argmax(np.diff(y) / np.diff(x)))
    if k + 1 < _MIN_WING_POINTS or x.size - k - 1 < _MIN_WING_POINTS:
        raise ValueError("one branch of the S-curve is not above background: its step cannot be fitted")
    middle = 0.5 * (x[k] + x[k + 1])
    chosen = np.abs(x - middle) <= np.log(window_factor)
    chosen[k + 1 - _MIN_WING_POINTS : k + 1 + _MIN_WING_POINTS] = True
    xs, ys, ss = x[chosen], y[chosen], sigma[chosen]
    spacing = float(x[k + 1] - x[k])
    jump = float(y[k + 1] - y[k])
    p0 = np.array([0.5 * (y[k] + y[k + 1]), 1.5, 0.0, max(jump / 4, 0.1), middle, np.log(max(spacing / 4, 1e-3))])
    lower = np.array([-np.inf, -20.0, -100.0, 1e-2, x[max(k - 1, 0)], np.log(1e-4)])
    upper = np.array([np.inf, 20.0, 100.0, 20.0, x[min(k + 2, x.size - 1)], np.log(2.0)])
    p0 = np.clip(p0, lower + 1e-9, upper - 1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        result = least_squares(lambda p: (_step_model(p, xs) - ys) / ss, p0, bounds=(lower, upper), x_scale="jac")
    if not result.success:
        raise ValueError(f"the S-curve step fit did not converge: {result.message}")
    _, slope, _, amplitude, centre, log_width = result.x
    if min(centre - lower[4], upper[4] - centre) < 1e-6:
        # A step at the end of the range allowed is not an estimate: the steepest secant was noise high on
        # the rise (a faint particle's, whose branch below is under the dark counts), not the step.
        raise ValueError("the fitted step sits at the edge of the steep part, not within it")
    local = np.diff(x)
    near = int(np.clip(np.searchsorted(x, centre) - 1, 0, local.size - 1))
    return _Fit(float(centre), float(slope + amplitude / np.exp(log_width)), float(local[near]), tuple(result.x))


@dataclass(frozen=True)
class _Bracket:
    centre: float
    s_max_bound: float
    step: float


def _bracket(x: np.ndarray, net: np.ndarray, noise: np.ndarray) -> _Bracket:
    """The onset of emission: the threshold lies between the last point at background and the first above it.

    The S-curve's steepest secant, with the faint point's emission replaced by its 3-sigma upper limit, is
    a lower bound on S_max (the true curve is at least that steep somewhere in between).
    """
    order = np.argsort(x)
    x, net, noise = x[order], net[order], noise[order]
    bright = np.isfinite(net) & (net > 3.0 * noise)
    if bright.sum() < 2:
        raise ValueError("too few points above background to locate a threshold")
    # The first bright point from which every brighter-pumped point is bright too (a noise blip below is not it).
    later = np.flip(np.cumprod(np.flip(bright))).astype(bool)
    first = int(np.argmax(later))
    if first == 0:
        raise ValueError("the emission is above background at every point: the threshold is below the sweep")
    step = float(x[first] - x[first - 1])
    # Every secant of ln E against ln I is at most the steepest slope between its ends (mean value theorem),
    # so the steepest of them from the onset up, each fainter end at its 3-sigma upper limit, bounds S_max
    # from below.  The onset's own secant alone is a weak bound when emission creeps out of the noise there.
    bounds = []
    for k in range(first, len(x)):
        ceiling = max(float(net[k - 1]), 0.0) + 3.0 * float(noise[k - 1])
        if net[k] > ceiling and x[k] > x[k - 1]:
            bounds.append(float(np.log(net[k] / ceiling) / (x[k] - x[k - 1])))
    bound = max(bounds) if bounds else float("nan")
    return _Bracket(0.5 * (x[first] + x[first - 1]), bound, step)


def _fit_or_onset(x: np.ndarray, net: np.ndarray, noise: np.ndarray, window_factor: float) -> _Fit | _Bracket:
    """The smoothed-step fit where both branches support it, else the onset bracket (module docstring)."""
    try:
        return _fit_step(x, net, noise, window_factor)
    except ValueError:
        return _bracket(x, net, noise)


def dark_background(dark: pd.DataFrame) -> tuple[float, float]:
    """The background rate of a table's dark readings (``counts`` in ``gate_s``) and its Poisson standard
    error: (0, 0) without any."""
    seconds = float(dark.gate_s.sum()) if len(dark) else 0.0
    if seconds <= 0:
        return 0.0, 0.0
    counts = float(dark.counts.sum())
    return counts / seconds, float(np.sqrt(max(counts, 1.0))) / seconds


def _net_signal(
    table: pd.DataFrame, signal: str, counts: str | None, gate: str | None, background: float,
    background_error: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Signal above background and its error: Poisson with the background's in quadrature (without counts,
    a uniform 5 % error)."""
    net = table[signal].to_numpy(dtype=float) - background
    if counts in table.columns and gate in table.columns:
        gates = table[gate].to_numpy(dtype=float)
        noise = np.hypot(np.sqrt(np.maximum(table[counts].to_numpy(dtype=float), 1.0)) / gates, background_error)
    else:
        noise = np.maximum(0.05 * np.abs(net), 1e-12)
    return net, noise


@dataclass(frozen=True)
class StepCurve:
    """The smoothed-step fit of an S-curve (module docstring), to be drawn as the smooth curve it is."""

    parameters: tuple

    def emission(self, intensity_kw_cm2: np.ndarray) -> np.ndarray:
        """Fitted signal above background at the given intensities."""
        return np.exp(_step_model(np.asarray(self.parameters), np.log(np.asarray(intensity_kw_cm2, dtype=float))))

    def slope(self, intensity_kw_cm2: np.ndarray) -> np.ndarray:
        """Fitted local slope S = b + 2 c d + A / sqrt(d^2 + w^2) at the given intensities."""
        _, b, c, amplitude, centre, log_width = self.parameters
        d = np.log(np.asarray(intensity_kw_cm2, dtype=float)) - centre
        return b + 2 * c * d + amplitude / np.sqrt(d * d + np.exp(2 * log_width))


def fitted_step(
    data: pd.DataFrame,
    intensity: str = "intensity_kw_cm2",
    signal: str = "count_rate_s",
    *,
    counts: str = "counts",
    gate: str = "gate_s",
    background: float = 0.0,
    window_factor: float = 3.5,
) -> StepCurve | None:
    """The step :func:`avalanche_threshold` fits to these data, or None when it uses another estimator."""
    if counts not in data.columns or gate not in data.columns or len(data) < 2 * _MIN_WING_POINTS:
        return None
    table = data.sort_values(intensity).reset_index(drop=True)
    net, noise = _net_signal(table, signal, counts, gate, background)
    try:
        fit = _fit_step(np.log(table[intensity].to_numpy(dtype=float)), net, noise, window_factor)
    except ValueError:
        return None
    return StepCurve(fit.parameters)


def avalanche_threshold(
    data: pd.DataFrame,
    intensity: str = "intensity_kw_cm2",
    signal: str = "count_rate_s",
    *,
    counts: str | None = "counts",
    gate: str | None = "gate_s",
    background: float = 0.0,
    background_error: float = 0.0,
    window: int = 3,
    window_factor: float = 3.5,
    bootstrap: int = 200,
    seed: int = 0,
) -> ThresholdEstimate:
    """Threshold intensity and peak slope of an S-curve with calibrated uncertainties (module docstring).

    Both branches above background: the smoothed-step fit.  Only the upper
    branch (the usual case on a particle whose emission below threshold is
    under the dark counts): the emission onset, bracketed by the last point
    at background and the first above it, with S_max a lower limit.  Without
    counts and gates (no Poisson errors to judge background by): the peak of
    the local-regression slope (``window`` points).  ``estimator`` says which.

    ``background_error``: the standard error of ``background`` (the dark reading's Poisson error).  It is
    common to every point, so it enters each point's noise when judging what stands above background, and
    the bootstrap redraws the background with it: a dark reading 1.6 sigma low once put three points just
    below threshold 3 sigma "above background" and the onset 10 % low.
    """
    table = data.sort_values(intensity).reset_index(drop=True)
    x = np.log(table[intensity].to_numpy(dtype=float))
    has_counts = counts in table.columns and gate in table.columns
    if not has_counts:
        return _slope_peak_estimate(table, intensity, signal, counts, gate, background, window, bootstrap, seed)
    net, noise = _net_signal(table, signal, counts, gate, background, background_error)
    try:
        fit = _fit_or_onset(x, net, noise, window_factor)
    except ValueError:
        return _slope_peak_estimate(table, intensity, signal, counts, gate, background, window, bootstrap, seed)
    if isinstance(fit, _Fit):
        # A redraw whose fit is refused counts at its onset (dropping it would narrow the spread).
        locate = lambda n, e: _fit_or_onset(x, n, e, window_factor)  # noqa: E731
    else:  # the bracket's own uniform term already spans where the step may be
        locate = lambda n, e: _bracket(x, n, e)  # noqa: E731
    rng = np.random.default_rng(seed)
    gates = table[gate].to_numpy(dtype=float)
    measured = np.maximum(table[counts].to_numpy(dtype=float), 0.0)
    centres, peaks = [], []
    for _ in range(bootstrap):
        drawn = table.copy()
        drawn[counts] = rng.poisson(measured)
        # The gross rate moves with the counts; the background estimate stays as measured.
        drawn[signal] = table[signal].to_numpy(dtype=float) + (drawn[counts].to_numpy() - measured) / gates
        drawn_background = background + background_error * rng.standard_normal()
        try:
            redone = locate(*_net_signal(drawn, signal, counts, gate, drawn_background, background_error))
        except ValueError:
            continue
        centres.append(redone.centre)
        peaks.append(redone.s_max if isinstance(redone, _Fit) else redone.s_max_bound)
    spread_x = float(np.std(centres)) if len(centres) >= 10 else 0.0
    threshold = float(np.exp(fit.centre))
    if isinstance(fit, _Bracket):
        # Uniform within the bracket: the onset can be anywhere between the two points.
        spread_x = float(np.sqrt(spread_x**2 + fit.step**2 / 12 + _ONSET_OFFSET**2))
        return ThresholdEstimate(threshold, threshold * spread_x, fit.s_max_bound, float("nan"),
                                 "emission onset between grid points", s_max_is_lower_limit=True)
    spread_s = float(np.std(peaks)) if len(peaks) >= 10 else 0.0
    spread_x = float(np.hypot(spread_x, _THRESHOLD_BIAS_PER_STEP * fit.step))
    model_error = np.hypot(_S_MAX_RELATIVE_ERROR, _S_MAX_RELATIVE_ERROR_PER_STEP * fit.step) * fit.s_max
    spread_s = float(np.hypot(spread_s, model_error))
    return ThresholdEstimate(threshold, threshold * spread_x, fit.s_max, spread_s)


def _slope_peak_estimate(
    table: pd.DataFrame,
    intensity: str,
    signal: str,
    counts: str | None,
    gate: str | None,
    background: float,
    window: int,
    bootstrap: int,
    seed: int,
) -> ThresholdEstimate:
    """The peak of the local slope on the measured grid, for curves whose step cannot be fitted."""
    slopes = local_slope(table, intensity, signal, background=background, window=window)
    log_i = np.log(slopes[intensity].to_numpy(dtype=float))
    centre, height = _peak(log_i, slopes["slope"].to_numpy())
    rng = np.random.default_rng(seed)
    positions, heights = [], []
    if counts in table.columns and gate in table.columns:
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
    k = int(np.nanargmax(slopes["slope"].to_numpy()))
    if len(positions) >= 10:
        spread_x, spread_h = float(np.std(positions)), float(np.std(heights))
    else:
        spread_x, spread_h = 0.0, float(slopes["slope_error"].iloc[k])
    # A peak read off the grid can sit anywhere within the local step.
    step = np.diff(log_i)
    local_step = float(step[min(k, len(step) - 1)]) if step.size else 0.0
    spread_x = float(np.hypot(spread_x, local_step / np.sqrt(12)))
    threshold = float(np.exp(centre))
    return ThresholdEstimate(threshold, threshold * spread_x, height, spread_h, "slope peak on the grid")


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
