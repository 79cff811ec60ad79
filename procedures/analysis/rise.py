"""Rise and decay times of time-binned emission traces after a pump step."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeWarning, curve_fit, isotonic_regression


@dataclass(frozen=True)
class RiseEstimate:
    t50_s: float
    t90_s: float
    t50_uncertainty_s: float
    t90_uncertainty_s: float
    baseline: float
    plateau: float
    method: str = "richards"
    #: "" where the time is a value, "upper" where the rise passed the level within the first bin (the time is
    #: that bin's centre: a limit, not a value).
    t50_limit: str = ""
    t90_limit: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def richards(t, amplitude: float, t0: float, width: float, nu: float):
    """Richards' generalised growth curve from 0 to ``amplitude``.

    ``nu`` = -1 is the exponential approach 1 - exp(-(t - t0)/width) (zero
    before t0), ``nu`` -> 0 the Gompertz curve, ``nu`` = 1 the logistic.
    One family covers the avalanche's rises: a delayed, sigmoidal build-up
    near threshold and an almost exponential one far above it.
    """
    z = np.clip(-(np.asarray(t, dtype=float) - t0) / width, -60.0, 60.0)
    if abs(nu) < 1e-6:
        return amplitude * np.exp(-np.exp(z))
    base = 1.0 + nu * np.exp(z)
    return amplitude * np.where(base > 0, np.abs(base) ** (-1.0 / nu), 0.0)


def richards_crossing(fraction: float, t0: float, width: float, nu: float) -> float:
    """The time at which :func:`richards` reaches ``fraction`` of its amplitude."""
    if abs(nu) < 1e-6:
        return float(t0 - width * np.log(-np.log(fraction)))
    return float(t0 - width * np.log((fraction ** (-nu) - 1.0) / nu))


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


@dataclass(frozen=True)
class Baseline:
    """The pump-off count rate pooled over the pre-step bins of many traces: ``counts`` counted over
    ``exposure_s`` (bin width x bins x traces summed).

    Why pooled: a trace's own baseline is its short pre-trigger (50 ms of a 3 s trace by default), and scaled
    to the whole trace its noise is many times the trace's own Poisson noise; near the threshold, where the
    emission is a tenth of the dark counts, that noise, not the emission's, decided whether a rise could be
    timed.  With the pump off the detector sees the same dark counts before every step.
    """

    counts: float = 0.0
    exposure_s: float = 0.0

    @property
    def rate_s(self) -> float:
        return self.counts / self.exposure_s if self.exposure_s > 0 else float("nan")

    def plus(self, counts: float, exposure_s: float) -> Baseline:
        return Baseline(self.counts + float(counts), self.exposure_s + float(exposure_s))

    def per_bin(self, bin_s: float, traces: int) -> tuple[float, float]:
        """Counts per bin of a trace summed over ``traces``, and the variance of that value."""
        value = self.rate_s * bin_s * traces
        return value, value * value / max(self.counts, 1.0)

    def with_own(self, before: np.ndarray, bin_s: float, traces: int) -> tuple[float, float] | None:
        """(counts per bin, variance) for a trace summed over ``traces`` whose own pre-step bins are
        ``before``: this pool and those bins together, or None where this pool does not serve that trace."""
        own_mean = float(before.mean()) if before.size else 0.0
        if not self.serves(own_mean, before.size, bin_s, traces):
            return None
        return self.plus(float(before.sum()), before.size * bin_s * traces).per_bin(bin_s, traces)

    def serves(self, own_mean: float, own_bins: int, bin_s: float, traces: int, z: float = 4.0) -> bool:
        """Whether it may stand for a trace whose own ``own_bins`` pre-step bins average ``own_mean``: it was
        counted at all, and the two agree within ``z`` Poisson sigma (else the dark level changed)."""
        if not self.exposure_s > 0 or self.counts <= 0:
            return False
        if own_bins == 0:
            return True
        value, variance = self.per_bin(bin_s, traces)
        return abs(own_mean - value) <= z * np.sqrt(max(own_mean, value, 1.0) / own_bins + variance)


def pre_step_baseline(trace: pd.DataFrame, step_at_s: float = 0.0, time: str = "time_s", signal: str = "counts",
                      traces: str = "traces") -> Baseline:
    """The :class:`Baseline` counted by a table of trace rows' bins before the step (``gate_s`` the bin width,
    ``traces`` how many traces a row sums, 1 without that column)."""
    before = trace[trace[time] < step_at_s]
    summed = before[traces].to_numpy(dtype=float) if traces in before else np.ones(len(before))
    return Baseline(float(before[signal].sum()), float((before["gate_s"].to_numpy(dtype=float) * summed).sum()))


def counted_baseline(rise_rows: pd.DataFrame, dark_rows: pd.DataFrame | None = None) -> Baseline:
    """What one point counted of the pump-off level: its rise traces' pre-step bins and its dark gates
    (``dark_rows``: ``counts`` in ``gate_s``, pump off between traces)."""
    counted = pre_step_baseline(rise_rows) if len(rise_rows) else Baseline()
    if dark_rows is not None and len(dark_rows):
        counted = counted.plus(float(dark_rows.counts.sum()), float(dark_rows.gate_s.sum()))
    return counted


def _prepare(times, counts, step_at_s, plateau_fraction, target_per_bin=25.0, min_bins=50, min_significance=5.0,
             baseline: Baseline | None = None, traces: int = 1):
    """Baseline per bin, and the bins after the step, merged until faint traces hold a useful signal per bin.

    The baseline is the trace's own pre-step mean, or ``baseline`` (pooled over many traces) where that
    serves (:meth:`Baseline.serves`); the significance of the rise then counts the pooled value's variance.
    """
    before = counts[times < step_at_s]
    after_t, after = times[times >= step_at_s], counts[times >= step_at_s]
    bin_s = float(times[1] - times[0]) if times.size > 1 else 0.0
    shared = baseline.with_own(before, bin_s, traces) if baseline is not None else None
    pooled = shared is not None
    level, variance = shared if pooled else (float(before.mean()) if before.size else 0.0, 0.0)
    factor = 1
    if (before.size or pooled) and after.size >= 2 * min_bins:
        signal = after[-max(3, int(len(after) * plateau_fraction)):].mean() - level
        factor = int(np.clip(np.ceil(target_per_bin / max(signal, 1e-9)), 1, len(after) // min_bins))
        after_t, after = _rebin(after_t, after, factor)
    if after.size < 5:
        raise ValueError("the trace needs points after the pump step")
    baseline_level = level * factor if (before.size or pooled) else 0.0
    tail = max(3, int(len(after) * plateau_fraction))
    plateau = float(after[-tail:].mean())
    if plateau <= baseline_level:
        raise ValueError("the emission does not rise above its baseline after the step")
    # Poisson significance of the plateau above the baseline (both as counts in the tail's bins; a pooled
    # baseline with the variance it was counted to).
    baseline_noise = variance * (factor * tail) ** 2 if pooled else baseline_level * tail
    rise, noise = (plateau - baseline_level) * tail, np.sqrt(plateau * tail + baseline_noise)
    if rise < min_significance * noise:
        raise ValueError(f"the rise is only {rise / noise:.1f} sigma above the baseline: too faint to time")
    return after_t - step_at_s, after.astype(float), baseline_level, plateau, factor


def _isotonic_times(t, after, baseline, plateau):
    """Crossings of the best monotone (isotonic) curve through the bins."""
    monotone = isotonic_regression(after, increasing=True).x
    span = plateau - baseline
    return _crossing(t, monotone, baseline + 0.5 * span), _crossing(t, monotone, baseline + 0.9 * span)


def _fit_richards(t, after, baseline, plateau, t50_guess, t90_guess, with_shape: bool = False):
    """Weighted least-squares Richards fit above the baseline; returns (t50, t90, their 2x2 covariance, amplitude)."""
    span = plateau - baseline
    guess_width = max((t90_guess - t50_guess) / 2.0, t[1] - t[0]) if np.isfinite(t90_guess - t50_guess) else t[-1] / 20
    guess = [span, t50_guess if np.isfinite(t50_guess) else t[-1] / 4, guess_width, 0.5]
    sigma = np.sqrt(np.maximum(after, 1.0))
    with warnings.catch_warnings():  # an undetermined covariance gives NaN errors and the isotonic fallback
        warnings.simplefilter("ignore", OptimizeWarning)
        parameters, covariance = curve_fit(
            lambda x, a, t0, w, nu: baseline + richards(x, a, t0, w, nu), t, after, p0=guess, sigma=sigma,
            absolute_sigma=True,
            bounds=([0.0, -t[-1], 1e-3 * (t[1] - t[0]), -1.0], [10 * span, 2 * t[-1], 2 * t[-1], 50.0]),
            maxfev=20000,
        )
    amplitude, t0, width, nu = parameters

    def times(p):
        return np.array([richards_crossing(f, p[1], p[2], p[3]) for f in (0.5, 0.9)])

    estimate = times(parameters)
    jacobian = np.empty((2, 4))
    for j in range(4):
        step = 1e-6 * max(abs(parameters[j]), 1e-3)
        shifted = parameters.copy()
        shifted[j] += step
        jacobian[:, j] = (times(shifted) - estimate) / step
    if with_shape:
        return estimate, jacobian @ covariance @ jacobian.T, amplitude, (t0, width, nu)
    return estimate, jacobian @ covariance @ jacobian.T, amplitude


def _fit_exponential(t, after, baseline, plateau):
    """Weighted least-squares fit of baseline + a (1 - exp(-t / tau)); returns (t50, t90, their 2x2
    covariance, amplitude).  Two parameters: well conditioned on a faint trace, where a Richards curve's
    shape is not determined (below threshold the approach to the steady state is close to exponential)."""
    span = max(plateau - baseline, 1e-9)
    above = np.flatnonzero(after - baseline >= (1 - np.exp(-1)) * span)
    guess = [span, max(float(t[above[0]]) if above.size else t[-1] / 4, t[1] - t[0])]
    sigma = np.sqrt(np.maximum(after, 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        (amplitude, tau), covariance = curve_fit(
            lambda x, a, tau: baseline + a * -np.expm1(-np.clip(x, 0.0, None) / tau), t, after, p0=guess,
            sigma=sigma, absolute_sigma=True, bounds=([0.0, 1e-3 * (t[1] - t[0])], [10 * span, 2 * t[-1]]),
            maxfev=5000)
    model = baseline + amplitude * -np.expm1(-np.clip(t, 0.0, None) / tau)
    # A rise that is not exponential (an avalanche's delayed, sigmoidal one, where the bins resolve it) is
    # refused: its chi-square above what Poisson noise gives in 3 sigma of 2 (N - 2) degrees of freedom.
    chi2, dof = float((((after - model) / sigma) ** 2).sum()), max(after.size - 2, 1)
    if chi2 > dof + 3.0 * np.sqrt(2.0 * dof):
        raise ValueError(f"the rise is not exponential (chi-square {chi2:.0f} for {dof} degrees of freedom)")
    scale = np.array([np.log(2.0), np.log(10.0)])
    return scale * tau, np.outer(scale, scale) * covariance[1, 1], amplitude


def rise_times(
    trace: pd.DataFrame,
    time: str = "time_s",
    signal: str = "counts",
    *,
    step_at_s: float = 0.0,
    plateau_fraction: float = 0.2,
    bootstrap: int = 100,
    seed: int = 0,
    baseline: Baseline | None = None,
    traces: int = 1,
) -> RiseEstimate:
    """t50 and t90 after the pump steps on at ``step_at_s``, with uncertainties.

    Baseline: mean before the step; plateau: mean of the last
    ``plateau_fraction`` of the trace (the trace must be long enough to
    settle).  Faint traces are re-binned so that every bin after the step
    holds ~25 counts of signal (keeping at least 50 bins).  The times come
    from a Richards-curve fit (:func:`richards`) weighted by Poisson errors,
    uncertainties from its covariance.  Reading crossings off the noisy bins
    instead is biased late: near the plateau a monotone fit is dragged down
    by every low bin that follows.  A fit that puts the rise from t50 to t90
    within one bin has not resolved it (on a faint trace, a step fitted to
    noise with a falsely small error); then, or should the fit fail, an
    exponential rise is fitted (``method`` "exponential": one time constant,
    which faint bins still determine), and failing that the crossings of the
    isotonic fit are returned (``method`` "isotonic") with Poisson-bootstrap
    uncertainties.  ``baseline``: a pooled pump-off rate to use in place of
    the trace's own pre-step bins where it serves (the trace sums ``traces``).
    """
    times = trace[time].to_numpy(dtype=float)
    counts = trace[signal].to_numpy(dtype=float)
    pooled = {"baseline": baseline, "traces": traces}
    t, after, level, plateau, factor = _prepare(times, counts, step_at_s, plateau_fraction, **pooled)
    t50_iso, t90_iso = _isotonic_times(t, after, level, plateau)
    # The Richards curve first, then an exponential rise, whose one time constant faint bins can still
    # determine.  A fitted rise from half to 90 % within one bin is not resolved by the bins: on a faint trace
    # it is a step fitted to noise, whose covariance (the crossings barely move with the shape) claims a
    # precision the data do not have; the isotonic crossings and their bootstrap then say what the bins hold.
    fits = (("richards", lambda: _fit_richards(t, after, level, plateau, t50_iso, t90_iso)),
            ("exponential", lambda: _fit_exponential(t, after, level, plateau)))
    for method, fit in fits:
        try:
            (t50, t90), covariance, amplitude = fit()
        except (RuntimeError, ValueError):
            continue
        errors = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
        resolved = t90 - t50 >= t[1] - t[0]
        if resolved and np.all(np.isfinite([t50, t90, *errors])) and 0 <= t50 < t90 <= 2 * t[-1]:
            return RiseEstimate(float(t50), float(t90), float(errors[0]), float(errors[1]), level / factor,
                                float(level + amplitude) / factor, method)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(bootstrap):
        try:
            redrawn = _prepare(times, rng.poisson(np.maximum(counts, 0)).astype(float), step_at_s, plateau_fraction,
                               **pooled)
            draws.append(_isotonic_times(*redrawn[:4]))
        except ValueError:
            continue
    spread = np.nanstd(np.array(draws), axis=0) if len(draws) >= 10 else (float("nan"), float("nan"))
    first = float(t[0])
    return RiseEstimate(t50_iso, t90_iso, float(spread[0]), float(spread[1]), level / factor, plateau / factor,
                        "isotonic", "upper" if t50_iso == first else "", "upper" if t90_iso == first else "")


def rise_curve(trace: pd.DataFrame, time: str = "time_s", signal: str = "counts", *, step_at_s: float = 0.0,
               plateau_fraction: float = 0.2, baseline: Baseline | None = None, traces: int = 1):
    """The Richards fit of a rise trace as a function of time after the step, from 0 to 1 (None if it fails).

    For drawing: the same preparation and fit as :func:`rise_times`.
    """
    times = trace[time].to_numpy(dtype=float)
    counts = trace[signal].to_numpy(dtype=float)
    try:
        t, after, level, plateau, _ = _prepare(times, counts, step_at_s, plateau_fraction, baseline=baseline,
                                               traces=traces)
        t50, t90 = _isotonic_times(t, after, level, plateau)
        _, _, amplitude, (t0, width, nu) = _fit_richards(t, after, level, plateau, t50, t90, with_shape=True)
    except (RuntimeError, ValueError):
        return None
    return lambda x: richards(np.asarray(x, dtype=float), 1.0, t0, width, nu)


def trace_signal(counts: np.ndarray, baseline_bins: int, baseline: Baseline | None = None, bin_s: float = 0.0,
                 traces: int = 1) -> tuple[float, float]:
    """Counts above the baseline in the bins after the first ``baseline_bins``, and their Poisson standard
    deviation.  The baseline is those first bins' mean, or ``baseline`` (pooled; ``bin_s`` wide bins of a
    trace summed over ``traces``) where it serves."""
    counts = np.asarray(counts, dtype=float)
    before = max(1, int(baseline_bins))
    after = counts[before:]
    shared = baseline.with_own(counts[:before], bin_s, traces) if baseline is not None else None
    if shared is not None:
        level, variance = shared
        return float(after.sum() - after.size * level), float(np.sqrt(after.sum() + after.size ** 2 * variance))
    scale = after.size / before
    signal = float(after.sum() - counts[:before].sum() * scale)
    return signal, float(np.sqrt(after.sum() + scale ** 2 * counts[:before].sum()))


@dataclass(frozen=True)
class DecayEstimate:
    """A decay time, or a limit on it: ``limit`` is "" (a value), "upper" (shorter than ``decay_time_s``) or
    "lower" (longer than it)."""

    decay_time_s: float
    limit: str = ""


def decay_estimate(
    trace: pd.DataFrame,
    time: str = "time_s",
    signal: str = "counts",
    *,
    step_at_s: float = 0.0,
    background: float = 0.0,
    min_significance: float = 5.0,
) -> DecayEstimate:
    """Time for the emission to fall to 1/e of its value at the moment the pump steps off.

    Read off a monotone (isotonic) fit of the bins after the step.  A fall
    within the first bin gives only an upper limit (the first bin's centre),
    no fall within the trace a lower limit (its end): neither is a value.  A
    start level less than ``min_significance`` Poisson sigma above the last
    bins is refused (ValueError): there is no decay to time.
    """
    times = trace[time].to_numpy(dtype=float)
    counts = trace[signal].to_numpy(dtype=float) - background
    before = counts[(times < step_at_s)]
    after_t, after = times[times >= step_at_s] - step_at_s, counts[times >= step_at_s]
    if before.size < 3 or after.size < 3:
        raise ValueError("the trace needs points before and after the pump steps off")
    last = before[-max(3, before.size // 5):]
    start = float(last.mean())
    floor_bins = after[-max(3, after.size // 5):]
    floor = float(floor_bins.mean())
    # Poisson significance of the start level above the trace's end (per bin, from both means).
    noise = np.sqrt(max(start + background, 0.0) / last.size + max(floor + background, 0.0) / floor_bins.size)
    if start - floor < min_significance * max(noise, 1e-12):
        raise ValueError(f"the emission before the step is only {(start - floor) / max(noise, 1e-12):.1f} sigma "
                         "above the trace's end: too faint to time its decay")
    level = floor + (start - floor) / np.e
    monotone = isotonic_regression(after, increasing=False).x
    below = np.flatnonzero(monotone <= level)
    if below.size == 0:
        return DecayEstimate(float(after_t[-1]), "lower")
    k = below[0]
    if k == 0:
        return DecayEstimate(float(after_t[0]), "upper")
    t0, t1, v0, v1 = after_t[k - 1], after_t[k], monotone[k - 1], monotone[k]
    return DecayEstimate(float(t0 + (v0 - level) * (t1 - t0) / (v0 - v1)) if v0 > v1 else float(t1))


def decay_time(trace: pd.DataFrame, time: str = "time_s", signal: str = "counts", *, step_at_s: float = 0.0,
               background: float = 0.0) -> float:
    """:func:`decay_estimate` as a number; NaN where it is only a limit."""
    estimate = decay_estimate(trace, time, signal, step_at_s=step_at_s, background=background)
    return float("nan") if estimate.limit else estimate.decay_time_s
