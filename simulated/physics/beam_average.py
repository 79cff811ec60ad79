"""Beam-averaged S-curves: the emission of particles spread over a finite pump spot.

Most published S values are not single-particle slopes: a colloid, a film
or a dense field of particles under a focused beam sees every intensity from
the peak down to the spot's dark edge, and the detector sums them.  For
particles at areal density rho (per um^2) in the focal plane,

    E_avg(I0) = rho * integral E(I0 K(r)) dA,

with K the spot's relative intensity profile, and its local slope is, exactly,

    S_avg(I0) = d ln E_avg / d ln I0 = integral S E dA / integral E dA,

the single-particle slope S(I) = d ln E / d ln I weighted by where the light
comes from.  Far below and far above the threshold, where S is constant, the
two agree (a power law keeps its exponent under any average); around the
threshold the average mixes the steep centre with the gentle wings, so the
beam-averaged slope peaks lower than the single particle's.  For a Gaussian
spot the integral is one-dimensional, E_avg = rho (pi w^2 / 2) integral_0^I0
E(I) dI / I (the correction in Lee et al.'s simulation script); the Airy spot,
with its rings, is integrated numerically.

Both are done the same way, vectorised: the single-particle E(I) is
tabulated once (:class:`.EmissionCurve`, log-log cubic Hermite with exact
slopes); the spot is reduced to the area it lights at each relative
intensity, a density over ln K on a fine uniform grid; and E_avg at the
requested peak intensities is a direct sum of the two on that grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conditions import as_float_array
from .emission_curve import EmissionCurve
from .errors import ModelInputError
from .material import Material

_STEPS_PER_DECADE = 2000  # of ln I: a slope-50 curve changes by 6 % per step
_RADIAL_POINTS = 20000  # samples of the spot profile out to its reach
_FLOOR = 1e-9  # relative intensity below which light is ignored (its emission is < 1e-16 of the peak's)
#: Nodes of the single-particle table.  Images need 60 per decade; the average's slope is a derivative, and
#: across a slope-50 threshold 60 per decade leaves ~1 % errors in E between nodes.
_CURVE_POINTS_PER_DECADE = 400
_BLOCK = 64  # rows per block of the direct sum
_BLOCK_SPAN = 1000  # grid steps a block may span (half a decade): its values stay within exp(+-700)


@dataclass(frozen=True)
class BeamAveragedCurve:
    """Emission of a particle layer under a finite spot, against the spot's peak intensity.

    ``emission`` is in photons/s for an areal density of one particle per
    um^2 (multiply by the real density); ``slope`` is its local slope
    d ln E_avg / d ln I0 (second-order differences on a 2000-per-decade grid: ~1e-4).
    """

    peak_intensity_kw_cm2: np.ndarray
    emission: np.ndarray
    slope: np.ndarray


def beam_averaged_s_curve(
    material: Material,
    peak_intensity_kw_cm2,
    spot,
    *,
    temperature_k: float = 300.0,
    band: str | None = None,
    shell_nm=None,
    darkness: float = 0.0,
) -> BeamAveragedCurve:
    """Beam-averaged emission and slope at each peak intensity (kW/cm^2) for ``spot`` (Gaussian or Airy)."""
    peaks = as_float_array("peak_intensity_kw_cm2", peak_intensity_kw_cm2)
    if peaks.size == 0 or peaks.min() <= 0:
        raise ModelInputError("peak_intensity_kw_cm2", "a beam-averaged curve needs peak intensities > 0")
    step = np.log(10.0) / _STEPS_PER_DECADE
    area = area_density(spot, step)
    lowest = np.log(peaks.min()) - (area.size - 1) * step
    log_i = lowest + step * np.arange(int(np.ceil((np.log(peaks.max()) - lowest) / step)) + 4)
    log_i = np.concatenate([lowest - step * np.arange(2, 0, -1), log_i])  # room for the central differences
    curve = EmissionCurve.compute(
        material,
        np.exp(log_i[0]),
        np.exp(log_i[-1]),
        temperature_k=temperature_k,
        shell_nm=shell_nm,
        darkness=darkness,
        band=band,
        points_per_decade=_CURVE_POINTS_PER_DECADE,
    )
    log_e = _log_emission_on_grid(curve, log_i)
    # E_avg(y_i) = sum_j area_j E(y_i - j step), a causal convolution on the ln I grid, needed only at the
    # grid points around each requested peak.  Summed directly (every term positive), not by FFT, whose
    # round-off is relative to the largest value and would swamp the dim end of a steep curve.
    at = np.log(peaks.ravel())
    left = np.floor((at - log_i[0]) / step).astype(int)
    rows = np.unique(np.concatenate([left - 1, left, left + 1, left + 2]))
    log_avg = _log_convolution(log_e, area, rows)
    # The slope of the average, by central differences on the fine grid (second order): for a Gaussian spot
    # this is E(I0) / integral E dlnI, and for any spot the spot-weighted single-particle slope.
    below, here, above, beyond = (np.searchsorted(rows, left + k) for k in (-1, 0, 1, 2))
    w = (at - log_i[left]) / step
    log_value = (1 - w) * log_avg[here] + w * log_avg[above]
    slope_here = (log_avg[above] - log_avg[below]) / (2 * step)
    slope_above = (log_avg[beyond] - log_avg[here]) / (2 * step)
    slope = (1 - w) * slope_here + w * slope_above
    return BeamAveragedCurve(peaks, np.exp(log_value).reshape(peaks.shape), slope.reshape(peaks.shape))


def _log_convolution(log_e: np.ndarray, area: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """ln sum_j area_j exp(log_e[row - j]) for each sorted row (all >= area.size - 1).

    Rows are taken in blocks lying close together on the grid, each summed in
    linear space against its own largest value, so nothing overflows and the
    exponentials are computed once per block.
    """
    reversed_area = area[::-1]
    out = np.empty(rows.size)
    start = 0
    while start < rows.size:
        stop = start + 1
        while stop < rows.size and stop - start < _BLOCK and rows[stop] - rows[start] <= _BLOCK_SPAN:
            stop += 1
        first, last = rows[start] - (area.size - 1), rows[stop - 1]
        top = log_e[first : last + 1].max()
        e = np.exp(log_e[first : last + 1] - top)
        windows = np.lib.stride_tricks.sliding_window_view(e, area.size)
        with np.errstate(divide="ignore"):
            out[start:stop] = np.log(windows[rows[start:stop] - rows[start]] @ reversed_area) + top
        start = stop
    return out


def area_density(spot, log_step: float, points: int = _RADIAL_POINTS) -> np.ndarray:
    """Area (um^2) the spot lights at relative intensity K, integrated over bins of ln K centred on 0, -step, ...

    The profile is sampled at ``points`` radii and -ln K taken as linear in r^2
    between samples (exact for a Gaussian), so each annulus spreads its area
    evenly over its range of ln K.  The bin integrals of that density are
    computed exactly from its cumulative function, which is free of the
    sampling noise a histogram of samples would add (noise the slope, a
    derivative of the average, would amplify).
    """
    r = np.linspace(0.0, spot.reach_um, points + 1)
    with np.errstate(divide="ignore"):
        x = -np.log(np.minimum(spot.relative_intensity(r), 1.0))
    limit = -np.log(_FLOOR)
    x = np.minimum(x, limit)
    lo, hi = np.minimum(x[:-1], x[1:]), np.maximum(x[:-1], x[1:])
    annulus = np.pi * np.diff(r**2)
    keep = lo < limit
    lo, hi, annulus = lo[keep], hi[keep], annulus[keep]
    size = int(np.ceil(limit / log_step)) + 1
    edges = (np.arange(size + 1) - 0.5) * log_step
    cumulative = _cumulative_area(lo, hi, annulus, edges)
    return np.diff(cumulative)


def _cumulative_area(lo: np.ndarray, hi: np.ndarray, area: np.ndarray, at: np.ndarray) -> np.ndarray:
    """sum_k area_k * clip((X - lo_k) / (hi_k - lo_k), 0, 1) at each X of ``at``; flat segments are steps."""
    flat = hi - lo <= 1e-12 * np.maximum(1.0, hi)
    total = np.zeros(at.size)
    # Steps: the whole annulus lies at one ln K.
    order = np.argsort(lo[flat])
    steps = np.concatenate([[0.0], np.cumsum(area[flat][order])])
    total += steps[np.searchsorted(lo[flat][order], at, side="left")]
    # Ramps: height * (min(X, hi) - lo) for lo < X, written as two sums over sorted ends.
    height = area[~flat] / (hi[~flat] - lo[~flat])
    for ends, sign in ((lo[~flat], 1.0), (hi[~flat], -1.0)):
        order = np.argsort(ends)
        h = np.concatenate([[0.0], np.cumsum(height[order])])
        he = np.concatenate([[0.0], np.cumsum(height[order] * ends[order])])
        k = np.searchsorted(ends[order], at, side="left")
        total += sign * (at * h[k] - he[k])
    return total


def _log_emission_on_grid(curve: EmissionCurve, log_i: np.ndarray) -> np.ndarray:
    """ln E at grid intensities; below the table, its lowest node's power law."""
    log_e = curve.spline(0)(np.clip(log_i, curve.log_i[0], curve.log_i[-1]))
    below = log_i < curve.log_i[0]
    log_e[below] = curve.log_e[0, 0] + curve.slope[0, 0] * (log_i[below] - curve.log_i[0])
    return log_e
