"""Scan images: PASSI images of a particle field, read-out maps of a film, and image widths.

PASSI (photon-avalanche single-beam super-resolution imaging, Lee et al.
2021) is a plain confocal raster: each particle emits E(I_peak * K(r)) where
K is the spot's relative intensity at distance r, and the avalanche's steep
E(I) narrows the image far below the spot.  Images here are steady-state
emission rates (photons/s per pixel position); counting noise belongs to the
detector.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import map_coordinates
from scipy.signal import fftconvolve

from .emission_curve import EmissionCurve
from .errors import ModelInputError
from .material import Material
from .samples import Film, ParticleField
from .steady_state import steady_state

_FLOOR = 1e-7  # relative spot intensity below which a particle's contribution is dropped
_DARKNESS_BINS = 21


def passi_image(
    field: ParticleField,
    x_um,
    y_um,
    peak_intensity_kw_cm2: float,
    spot,
    *,
    temperature_k: float = 300.0,
    band: str | None = None,
) -> np.ndarray:
    """Emission (photons/s) with the spot centred at each (x, y); shape (len(y_um), len(x_um))."""
    x = np.asarray(x_um, dtype=float)
    y = np.asarray(y_um, dtype=float)
    _check_peak(peak_intensity_kw_cm2)
    image = np.zeros((y.size, x.size))
    if len(field) == 0 or peak_intensity_kw_cm2 == 0:
        return image
    kinds, kind_of = np.unique(np.stack([field.shell_nm, field.darkness], axis=1), axis=0, return_inverse=True)
    # Kept per particle kind: the same field at another intensity, or its next image, solves nothing again.
    curve = EmissionCurve.cached(
        field.material,
        peak_intensity_kw_cm2 * _FLOOR,
        peak_intensity_kw_cm2,
        temperature_k=temperature_k,
        shell_nm=kinds[:, 0],
        darkness=kinds[:, 1],
        band=band,
    )
    splines = [curve.spline(k) for k in range(curve.kinds)]
    reach = spot.reach_um
    for (px, py), kind in zip(field.positions_um, kind_of.ravel()):
        ix = np.flatnonzero(np.abs(x - px) <= reach)
        iy = np.flatnonzero(np.abs(y - py) <= reach)
        if ix.size == 0 or iy.size == 0:
            continue
        r = np.hypot(x[ix][None, :] - px, y[iy][:, None] - py)
        intensity = peak_intensity_kw_cm2 * spot.relative_intensity(r)
        image[np.ix_(iy, ix)] += curve.evaluate(intensity, kind, splines[kind])
    return image


def film_emission_map(
    film: Film,
    peak_intensity_kw_cm2: float,
    spot,
    *,
    temperature_k: float = 300.0,
    band: str | None = None,
) -> np.ndarray:
    """Emission (photons/s) with the spot centred on each film cell, shape (ny, nx).

    E depends nonlinearly on both the local intensity and the local darkness,
    so the darkness is split over hat-function bins d_j: the map is
    sum_j (w_j(d) * E(I_peak K, d_j)), one FFT convolution per occupied bin.
    """
    _check_peak(peak_intensity_kw_cm2)
    film.flush()
    if peak_intensity_kw_cm2 == 0:
        return np.zeros((film.ny, film.nx))
    bins = np.linspace(0.0, 1.0, _DARKNESS_BINS)
    position = film.darkness * (_DARKNESS_BINS - 1)
    lower = np.clip(np.floor(position).astype(int), 0, _DARKNESS_BINS - 2)
    upper_weight = position - lower
    occupied = np.unique(np.concatenate([lower[upper_weight < 1].ravel(), lower[upper_weight > 0].ravel() + 1]))
    curve = EmissionCurve.compute(
        film.material,
        peak_intensity_kw_cm2 * _FLOOR,
        peak_intensity_kw_cm2,
        temperature_k=temperature_k,
        darkness=bins[occupied],
        band=band,
    )
    half = int(np.ceil(spot.reach_um / film.cell_um))
    offsets = np.arange(-half, half + 1) * film.cell_um
    intensity = peak_intensity_kw_cm2 * spot.relative_intensity(np.hypot(offsets[None, :], offsets[:, None]))
    emission = np.zeros((film.ny, film.nx))
    for kind, j in enumerate(occupied):
        weight = np.where(lower == j, 1.0 - upper_weight, 0.0) + np.where(lower + 1 == j, upper_weight, 0.0)
        kernel = film.particles_per_cell * curve.evaluate(intensity, kind)
        emission += fftconvolve(weight, kernel, mode="same")
    return np.maximum(emission, 0.0)


def film_image(film: Film, x_um, y_um, peak_intensity_kw_cm2: float, spot, **options) -> np.ndarray:
    """Read-out emission with the spot at each (x, y), bilinearly sampled from :func:`film_emission_map`."""
    emission = film_emission_map(film, peak_intensity_kw_cm2, spot, **options)
    xx, yy = np.meshgrid(np.asarray(x_um, float), np.asarray(y_um, float))
    col = (xx + film.width_um / 2) / film.cell_um - 0.5
    row = (yy + film.height_um / 2) / film.cell_um - 0.5
    return map_coordinates(emission, [row, col], order=1, mode="constant", cval=0.0)


def passi_fwhm(
    material: Material,
    peak_intensity_kw_cm2,
    spot,
    *,
    temperature_k: float = 300.0,
    band: str | None = None,
    shell_nm=None,
    darkness: float = 0.0,
) -> np.ndarray:
    """Image FWHM (nm) of a single point particle scanned at each peak intensity, computed numerically.

    The half-maximum radius is where E(I_peak K(r)) = E(I_peak) / 2: the
    intensity I_half with that emission is found by inverting the tabulated
    E(I), and r from K(r) = I_half / I_peak.
    """
    peaks = np.atleast_1d(np.asarray(peak_intensity_kw_cm2, dtype=float))
    if peaks.size == 0 or peaks.min() <= 0:
        raise ModelInputError("peak_intensity_kw_cm2", "must be > 0")
    lo, hi = np.log(peaks.min()) - math.log(1e3), np.log(peaks.max())
    log_i = np.linspace(lo, hi, int(4000 * (hi - lo) / math.log(10)) + 2)
    emission = steady_state(material, np.exp(log_i), temperature_k, shell_nm=shell_nm, darkness=darkness).emission(band)
    log_e = np.maximum.accumulate(np.log(emission))  # guard the inversion against round-off wiggles
    log_e_half = np.interp(np.log(peaks), log_i, log_e) - math.log(2.0)
    log_i_half = np.interp(log_e_half, log_e, log_i)
    radius_um = spot.radius_at(np.exp(log_i_half - np.log(peaks)))
    return (2e3 * radius_um).reshape(np.shape(peak_intensity_kw_cm2))


def power_law_fwhm(wavelength_nm: float, numerical_aperture: float, slope) -> np.ndarray:
    """The textbook estimate lambda / (2 NA sqrt(S)), exact only for a pure power law and a Gaussian spot."""
    return wavelength_nm / (2.0 * numerical_aperture * np.sqrt(np.asarray(slope, dtype=float)))


def _check_peak(peak: float) -> None:
    if not np.isfinite(peak) or peak < 0:
        raise ModelInputError("peak_intensity_kw_cm2", f"must be finite and >= 0 (got {peak})")
