"""Finding single particles in a scan image and measuring their image widths."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter
from scipy.optimize import OptimizeWarning, curve_fit


def find_particles(
    image: np.ndarray,
    x_um: np.ndarray,
    y_um: np.ndarray,
    *,
    min_separation_um: float = 0.5,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Local maxima at least ``min_separation_um`` apart and above ``threshold``.

    The default threshold is the background (median) plus five Poisson
    standard deviations of it, and at least a tenth of the brightest peak.
    """
    image = np.asarray(image, dtype=float)
    x = np.asarray(x_um, dtype=float)
    y = np.asarray(y_um, dtype=float)
    pixel = min(abs(x[1] - x[0]) if x.size > 1 else 1.0, abs(y[1] - y[0]) if y.size > 1 else 1.0)
    size = max(3, int(round(min_separation_um / pixel)) | 1)
    if threshold is None:
        background = float(np.median(image))
        threshold = max(background + 5.0 * np.sqrt(max(background, 1.0)), 0.1 * float(image.max()))
    peaks = (image == maximum_filter(image, size=size, mode="nearest")) & (image > threshold)
    rows, cols = np.nonzero(peaks)
    table = pd.DataFrame({"x_um": x[cols], "y_um": y[rows], "peak": image[rows, cols], "row": rows, "col": cols})
    table = table.sort_values("peak", ascending=False, kind="stable").reset_index(drop=True)
    # Equal counts in neighbouring pixels (few photons per pixel) are all maxima of the filter: keep the
    # first of any peaks closer than the separation, brightest first.
    kept: list[int] = []
    for index, peak in enumerate(table.itertuples()):
        if all(np.hypot(peak.x_um - table.x_um[k], peak.y_um - table.y_um[k]) >= min_separation_um for k in kept):
            kept.append(index)
    return table.iloc[kept].reset_index(drop=True)


def _gaussian(coords, amplitude, x0, y0, sigma_x, sigma_y, background):
    x, y = coords
    return (background + amplitude * np.exp(-0.5 * ((x - x0) / sigma_x) ** 2 - 0.5 * ((y - y0) / sigma_y) ** 2)).ravel()


def particle_widths(
    image: np.ndarray,
    x_um: np.ndarray,
    y_um: np.ndarray,
    particles: pd.DataFrame,
    *,
    window_um: float = 0.6,
) -> pd.DataFrame:
    """Fit a 2-D Gaussian around each particle; FWHM in nm along x, y and their geometric mean."""
    image = np.asarray(image, dtype=float)
    x = np.asarray(x_um, dtype=float)
    y = np.asarray(y_um, dtype=float)
    rows = []
    for particle in particles.itertuples():
        ix = np.flatnonzero(np.abs(x - particle.x_um) <= window_um / 2)
        iy = np.flatnonzero(np.abs(y - particle.y_um) <= window_um / 2)
        if ix.size < 4 or iy.size < 4:
            continue
        patch = image[np.ix_(iy, ix)]
        xx, yy = np.meshgrid(x[ix], y[iy])
        pixel = abs(x[1] - x[0])
        start = (patch.max() - patch.min(), particle.x_um, particle.y_um, 2 * pixel, 2 * pixel, patch.min())
        sigma = np.sqrt(np.maximum(patch, 1.0)).ravel()  # Poisson weights
        try:
            with warnings.catch_warnings():  # an undetermined covariance is reported as a NaN uncertainty below
                warnings.simplefilter("ignore", OptimizeWarning)
                values, covariance = curve_fit(_gaussian, (xx, yy), patch.ravel(), p0=start, sigma=sigma,
                                               maxfev=5000)
        except (RuntimeError, ValueError):
            continue
        fwhm = 2.0 * np.sqrt(2.0 * np.log(2.0)) * 1e3
        fx, fy = abs(values[3]) * fwhm, abs(values[4]) * fwhm
        errors = (np.sqrt(np.clip(np.diag(covariance), 0, None)) if np.all(np.isfinite(covariance))
                  else np.full(6, np.nan))
        rows.append({
            "x_um": values[1], "y_um": values[2], "amplitude": values[0], "background": values[5],
            "fwhm_x_nm": fx, "fwhm_y_nm": fy, "fwhm_nm": float(np.sqrt(fx * fy)),
            "fwhm_uncertainty_nm": float(0.5 * np.hypot(errors[3], errors[4]) * fwhm),
        })
    return pd.DataFrame(rows)
