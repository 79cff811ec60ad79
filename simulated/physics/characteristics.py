"""The numbers that characterise an avalanching material, computed from the model itself.

These are the model's own ground truth (the threshold, S_max, rise times and
temperature sensitivity a perfect measurement would recover), used to check
procedures against the simulated bench and to compare a lab's data with theory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conditions import as_float_array
from .errors import ModelInputError
from .material import Material
from .pump_waveforms import Constant
from .steady_state import steady_state
from .transient import transient

_SEARCH_DECADES = (-2.0, 5.0)
_SEARCH_POINTS_PER_DECADE = 40
_ZOOM_POINTS = 41


@dataclass(frozen=True)
class Threshold:
    """The avalanche threshold (where the local slope peaks) and the peak slope."""

    intensity_kw_cm2: np.ndarray
    s_max: np.ndarray


def avalanche_threshold(
    material: Material,
    temperature_k=300.0,
    *,
    band: str | None = None,
    shell_nm=None,
    darkness=0.0,
) -> Threshold:
    """Locate the peak of the exact local slope S(I), for each temperature (vectorised).

    A 40-per-decade scan from 0.01 to 1e5 kW/cm^2, two zooms around the
    maximum, and a parabola through the last three points in ln I.
    """
    temps = as_float_array("temperature_k", temperature_k)
    shape = np.broadcast(temps, np.asarray(shell_nm if shell_nm is not None else 0.0), np.asarray(darkness)).shape
    temps = np.broadcast_to(temps, shape).ravel()
    shell = np.broadcast_to(material.shell_nm if shell_nm is None else shell_nm, shape).ravel()
    dark = np.broadcast_to(darkness, shape).ravel()

    def slopes(log_i: np.ndarray) -> np.ndarray:
        ss = steady_state(
            material, np.exp(log_i), temps[:, None], shell_nm=shell[:, None], darkness=dark[:, None]
        )
        return np.nan_to_num(ss.slope(band), nan=-np.inf)

    lo, hi = (np.log(10.0) * d for d in _SEARCH_DECADES)
    count = int((_SEARCH_DECADES[1] - _SEARCH_DECADES[0]) * _SEARCH_POINTS_PER_DECADE) + 1
    grid = np.broadcast_to(np.linspace(lo, hi, count), (temps.size, count))
    step = grid[0, 1] - grid[0, 0]
    for _ in range(3):
        s = slopes(grid)
        k = np.clip(np.argmax(s, axis=1), 1, grid.shape[1] - 2)
        centre = grid[np.arange(temps.size), k]
        if _ == 2:
            break
        grid = centre[:, None] + np.linspace(-step, step, _ZOOM_POINTS)[None, :]
        step = grid[0, 1] - grid[0, 0]
    rows = np.arange(temps.size)
    s0, s1, s2 = s[rows, k - 1], s[rows, k], s[rows, k + 1]
    curvature = s0 - 2 * s1 + s2
    offset = np.where(curvature < 0, 0.5 * (s0 - s2) / np.where(curvature < 0, curvature, -1.0), 0.0)
    log_peak = centre + np.clip(offset, -1, 1) * step
    peak = steady_state(material, np.exp(log_peak), temps, shell_nm=shell, darkness=dark).slope(band)
    return Threshold(np.exp(log_peak).reshape(shape), peak.reshape(shape))


@dataclass(frozen=True)
class RiseTime:
    """Times to reach 50 % and 90 % of the steady emission after a step turn-on from dark."""

    t50_s: np.ndarray
    t90_s: np.ndarray


def rise_time(
    material: Material,
    intensity_kw_cm2,
    temperature_k: float = 300.0,
    *,
    band: str | None = None,
    shell_nm=None,
    darkness: float = 0.0,
    horizon_s: float = 100.0,
) -> RiseTime:
    """t50 and t90 of the emission after the pump steps on at ``intensity_kw_cm2`` (vectorised over it)."""
    intensity = as_float_array("intensity_kw_cm2", intensity_kw_cm2)
    if intensity.size and intensity.min() <= 0:
        raise ModelInputError("intensity_kw_cm2", "a rise time needs a pump intensity > 0")
    flat = intensity.ravel()
    target = steady_state(material, flat, temperature_k, shell_nm=shell_nm, darkness=darkness).emission(band)
    t50 = np.empty(flat.size)
    t90 = np.empty(flat.size)
    for i, level in enumerate(flat):
        t50[i], t90[i] = _crossing_times(material, level, target[i], temperature_k, band, shell_nm, darkness, horizon_s)
    return RiseTime(t50.reshape(intensity.shape), t90.reshape(intensity.shape))


def _crossing_times(material, level, target, temperature_k, band, shell_nm, darkness, horizon_s):
    """Integrate on a growing log-spaced time grid until the emission passes 90 % of ``target``."""
    t_end = 1e-3
    while True:
        times = np.concatenate([[0.0], np.geomspace(1e-7, t_end, 4000)])
        emission = transient(
            material, Constant(level), times, temperature_k, shell_nm=shell_nm, darkness=darkness, rtol=1e-7
        ).emission(band)
        if emission[-1] >= 0.9 * target or t_end >= horizon_s:
            break
        t_end *= 10.0
    return tuple(_first_crossing(times, emission, fraction * target) for fraction in (0.5, 0.9))


def _first_crossing(times: np.ndarray, values: np.ndarray, level: float) -> float:
    above = np.flatnonzero(values >= level)
    if above.size == 0:
        return float("nan")
    k = above[0]
    if k == 0:
        return float(times[0])
    t0, t1, v0, v1 = times[k - 1], times[k], values[k - 1], values[k]
    return float(t0 + (level - v0) * (t1 - t0) / (v1 - v0))


def relative_sensitivity(
    material: Material,
    intensity_kw_cm2,
    temperature_k,
    *,
    band: str | None = None,
    shell_nm=None,
    step_k: float = 0.05,
) -> np.ndarray:
    """S_r = |dI_em/dT| / I_em in %/K at fixed pump intensity (central differences)."""
    temps = as_float_array("temperature_k", temperature_k)
    t_min, t_max = material.temperature_range_k
    lo = np.clip(temps - step_k, t_min, t_max)
    hi = np.clip(temps + step_k, t_min, t_max)
    both = steady_state(
        material, intensity_kw_cm2, np.stack(np.broadcast_arrays(lo, hi)), shell_nm=shell_nm
    ).emission(band)
    centre = steady_state(material, intensity_kw_cm2, temps, shell_nm=shell_nm).emission(band)
    derivative = (both[1] - both[0]) / (hi - lo)
    return 100.0 * np.abs(derivative) / centre


def best_passi_intensity(
    material: Material,
    spot,
    *,
    temperature_k: float = 300.0,
    band: str | None = None,
) -> tuple[float, float]:
    """The peak intensity giving the narrowest PASSI image, and that image's FWHM in nm.

    The narrowest image comes just above the threshold, where E(I) is steepest
    over the range [I_half, I_peak] the image spans.
    """
    from .imaging import passi_fwhm

    threshold = float(avalanche_threshold(material, temperature_k, band=band).intensity_kw_cm2)
    best = threshold
    for span in (0.05, 0.004):  # a coarse look around the threshold, then a fine one around the best
        centre = best
        factors = np.linspace(1.0 - span, 1.0 + span, 41)
        widths = passi_fwhm(material, centre * factors, spot, temperature_k=temperature_k, band=band)
        k = int(np.argmin(widths))
        best = centre * factors[k]
    return float(best), float(widths[k])
