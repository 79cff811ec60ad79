"""The focused pump spot: its intensity profile and the peak intensity a given power makes.

Intensities in the engine are peak intensities at the particle, so the spot
converts between laser power at the sample and kW/cm^2, and gives the
relative intensity a particle sees at a distance from the beam centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import j1

from .errors import ModelInputError

_FWHM_PER_LAMBDA_OVER_NA = 0.5145  # Airy central lobe, uniformly filled pupil


def _check_optics(wavelength_nm: float, numerical_aperture: float) -> None:
    if not wavelength_nm > 0:
        raise ModelInputError("wavelength_nm", f"must be > 0 (got {wavelength_nm})")
    if not 0 < numerical_aperture <= 1.7:
        raise ModelInputError("numerical_aperture", f"must be in (0, 1.7] (got {numerical_aperture})")


@dataclass(frozen=True)
class GaussianSpot:
    """A Gaussian focal spot with the FWHM of the diffraction-limited Airy core, 0.51 lambda / NA."""

    wavelength_nm: float
    numerical_aperture: float

    def __post_init__(self):
        _check_optics(self.wavelength_nm, self.numerical_aperture)

    @property
    def fwhm_nm(self) -> float:
        return _FWHM_PER_LAMBDA_OVER_NA * self.wavelength_nm / self.numerical_aperture

    @property
    def waist_um(self) -> float:
        """1/e^2 intensity radius."""
        return self.fwhm_nm * 1e-3 / math.sqrt(2.0 * math.log(2.0))

    def peak_intensity_kw_cm2(self, power_mw) -> np.ndarray:
        """Peak intensity of ``power_mw`` at the sample: 2P / (pi w0^2)."""
        w_cm = self.waist_um * 1e-4
        return 2.0 * np.asarray(power_mw, dtype=float) * 1e-6 / (math.pi * w_cm**2)

    def power_mw(self, peak_intensity_kw_cm2) -> np.ndarray:
        w_cm = self.waist_um * 1e-4
        return np.asarray(peak_intensity_kw_cm2, dtype=float) * math.pi * w_cm**2 / 2.0 * 1e6

    def relative_intensity(self, r_um) -> np.ndarray:
        r = np.asarray(r_um, dtype=float)
        return np.exp(-2.0 * (r / self.waist_um) ** 2)

    def radius_at(self, fraction) -> np.ndarray:
        """Distance from the centre (um) at which the intensity has fallen to ``fraction`` of the peak."""
        return self.waist_um * np.sqrt(-0.5 * np.log(np.asarray(fraction, dtype=float)))

    @property
    def reach_um(self) -> float:
        """Beyond this radius the intensity is below 1e-7 of the peak."""
        return float(self.radius_at(1e-7))


@dataclass(frozen=True)
class AirySpot:
    """The scalar Airy pattern of a uniformly filled pupil, (2 J1(v) / v)^2 with v = 2 pi NA r / lambda."""

    wavelength_nm: float
    numerical_aperture: float

    def __post_init__(self):
        _check_optics(self.wavelength_nm, self.numerical_aperture)

    @property
    def fwhm_nm(self) -> float:
        return _FWHM_PER_LAMBDA_OVER_NA * self.wavelength_nm / self.numerical_aperture

    def _v(self, r_um):
        return 2.0 * math.pi * self.numerical_aperture * np.asarray(r_um, dtype=float) / (self.wavelength_nm * 1e-3)

    def peak_intensity_kw_cm2(self, power_mw) -> np.ndarray:
        """Peak intensity of the Airy pattern: P pi NA^2 / lambda^2."""
        lam_cm = self.wavelength_nm * 1e-7
        return np.asarray(power_mw, dtype=float) * 1e-6 * math.pi * self.numerical_aperture**2 / lam_cm**2

    def power_mw(self, peak_intensity_kw_cm2) -> np.ndarray:
        lam_cm = self.wavelength_nm * 1e-7
        return np.asarray(peak_intensity_kw_cm2, dtype=float) * lam_cm**2 / (math.pi * self.numerical_aperture**2) * 1e6

    def relative_intensity(self, r_um) -> np.ndarray:
        v = self._v(r_um)
        safe = np.where(v == 0, 1.0, v)
        return np.where(v == 0, 1.0, (2.0 * j1(safe) / safe) ** 2)

    def radius_at(self, fraction) -> np.ndarray:
        """Radius within the central lobe (um) at which the intensity is ``fraction`` of the peak."""
        first_zero = 3.8317 * self.wavelength_nm * 1e-3 / (2.0 * math.pi * self.numerical_aperture)
        fractions = np.atleast_1d(np.asarray(fraction, dtype=float))
        radii = [brentq(lambda r, f=f: self.relative_intensity(r) - f, 0.0, first_zero) for f in fractions.ravel()]
        return np.reshape(radii, np.shape(fraction))

    @property
    def reach_um(self) -> float:
        """Radius beyond which the rings' envelope is below ~1e-5 of the peak."""
        return 6.0 * self.wavelength_nm * 1e-3 / self.numerical_aperture
