"""Reversible near-infrared photoswitching of avalanching nanoparticles.

After Lee et al., Nature 618, 951 (2023): Tm3+ ANPs darken under visible and
near-infrared light (400-840 nm reported) and brighten back under 1064 nm; the
state persists in the dark and survives thousands of write/erase cycles.

The state of a particle is its *darkness* d in [0, 1] (0: pristine, bright).
Both directions are dose-driven, with action spectra:

    dd/dt = k_dark (1 - d) - (k_bright + k_recovery) d,
    k_dark   = sigma_dark   * efficiency_dark(lambda)   * flux,
    k_bright = sigma_bright * efficiency_bright(lambda) * flux * (I / 1 kW/cm^2)^(order - 1).

Darkening is one-photon.  Brightening is taken to be nonlinear (order 2 by
default), which is what lets a written pattern survive read-out scans near
the avalanche threshold (~10 kW/cm^2) while a high-intensity 1064 nm exposure
(~0.5 MW/cm^2) erases it within tens of milliseconds; the order is a
parameter for labs that measure it.  Under constant illumination the kinetics
have the exact solution used by :meth:`evolve`; exposures at one wavelength
that only darken (or only brighten) commute, so a written dose gives the same
darkness however it is split.
A dark particle carries extra non-radiative loss on the avalanche reservoir
(:class:`~.processes.PhotoswitchQuenching`), which the avalanche amplifies
into a large emission contrast.

The bench's 852 nm laser sits on the red edge of the reported darkening band;
the edge position and width are explicit parameters so a lab can set them
from its own action-spectrum measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import photon_flux


@dataclass(frozen=True)
class ActionBand:
    """A smooth top-hat action spectrum: logistic edges of width ``edge_nm`` at ``low_nm`` and ``high_nm``."""

    low_nm: float
    high_nm: float
    edge_nm: float

    def efficiency(self, wavelength_nm) -> np.ndarray:
        wl = np.asarray(wavelength_nm, dtype=float)
        rising = 0.5 * (1.0 + np.tanh((wl - self.low_nm) / (2.0 * self.edge_nm)))
        falling = 0.5 * (1.0 + np.tanh((self.high_nm - wl) / (2.0 * self.edge_nm)))
        return rising * falling


@dataclass(frozen=True)
class Photoswitching:
    """Photodarkening / photobrightening kinetics with wavelength action spectra."""

    darkening_cross_section_cm2: float = 2.5e-20
    brightening_cross_section_cm2: float = 3.7e-26
    brightening_order: float = 2.0
    darkening: ActionBand = ActionBand(400.0, 840.0, 8.0)
    brightening: ActionBand = ActionBand(1000.0, 1120.0, 10.0)
    dark_recovery_rate_s: float = 0.0

    def rates(self, wavelength_nm, intensity_kw_cm2) -> tuple[np.ndarray, np.ndarray]:
        """Darkening and brightening rates (1/s) under illumination."""
        intensity = np.asarray(intensity_kw_cm2, dtype=float)
        flux = photon_flux(intensity, wavelength_nm)
        k_dark = self.darkening_cross_section_cm2 * self.darkening.efficiency(wavelength_nm) * flux
        k_bright = (self.brightening_cross_section_cm2 * self.brightening.efficiency(wavelength_nm) * flux
                    * intensity ** (self.brightening_order - 1.0))
        return k_dark, k_bright

    def evolve(self, darkness, wavelength_nm, intensity_kw_cm2, duration_s) -> np.ndarray:
        """Darkness after ``duration_s`` of constant illumination (exact solution)."""
        k_dark, k_bright = self.rates(wavelength_nm, intensity_kw_cm2)
        duration = np.asarray(duration_s, dtype=float)
        return self.apply_doses(darkness, k_dark * duration, k_bright * duration)

    def apply_doses(self, darkness, dark_dose, bright_dose, rest_s=0.0) -> np.ndarray:
        """Darkness after exposures whose integrated rates are ``dark_dose`` and ``bright_dose``.

        Exact for any sequence of exposures that only darken or only brighten
        (one wavelength), and for a single exposure at constant intensity.
        """
        d0 = np.asarray(darkness, dtype=float)
        total = np.asarray(dark_dose, dtype=float) + np.asarray(bright_dose, dtype=float)
        total = total + self.dark_recovery_rate_s * np.asarray(rest_s, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            d_eq = np.where(total > 0, dark_dose / np.where(total > 0, total, 1.0), d0)
        return np.clip(d_eq + (d0 - d_eq) * np.exp(-total), 0.0, 1.0)
