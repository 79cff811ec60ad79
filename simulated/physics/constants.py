"""Physical constants and the unit conversions the rate equations need.

The engine works in CGS-flavoured lab units throughout: cross-sections in cm^2,
photon flux in photons cm^-2 s^-1, intensity in kW/cm^2, energies in cm^-1.
Keeping one unit system avoids the cm^2 / m^2 factor-of-1e4 trap.
"""

from __future__ import annotations

import numpy as np

PLANCK_J_S = 6.62607015e-34
SPEED_OF_LIGHT_M_S = 2.99792458e8
BOLTZMANN_CM_PER_K = 0.6950348  # k_B in wavenumbers per kelvin

#: Cation (Y/Ln) site density of hexagonal beta-NaYF4, sites per nm^3
#: (1.5 formula units in a 108.6 A^3 cell).
NAYF4_CATION_SITES_PER_NM3 = 13.8


def photon_energy_j(wavelength_nm: float | np.ndarray) -> np.ndarray:
    """Energy of one photon in joules."""
    return PLANCK_J_S * SPEED_OF_LIGHT_M_S / (np.asarray(wavelength_nm) * 1e-9)


def photon_flux(intensity_kw_cm2: float | np.ndarray, wavelength_nm: float | np.ndarray) -> np.ndarray:
    """Photon flux in photons cm^-2 s^-1 for an intensity in kW/cm^2."""
    return np.asarray(intensity_kw_cm2) * 1e3 / photon_energy_j(wavelength_nm)


def wavenumber_cm(wavelength_nm: float | np.ndarray) -> np.ndarray:
    """Photon energy in cm^-1."""
    return 1e7 / np.asarray(wavelength_nm)
