"""The temperature law of the rate equations: phonon occupation and the energy-gap law.

Every temperature dependence in the engine comes from here:

* multiphonon relaxation across a gap dE follows the energy-gap law with Bose
  occupation, W(T) = C exp(-alpha dE) (1 + n(T))^p, p = dE / hbar_omega;
* a phonon-assisted step (absorption or energy transfer) whose energy mismatch
  dE is taken up by the lattice scales with its phonon factor relative to the
  reference temperature at which its rate was measured: (1 + n)^p when the
  excess is emitted as phonons (Stokes, dE > 0), n^p when the deficit is
  absorbed from the lattice (anti-Stokes, dE < 0);
* radiative rates and resonant steps (dE = 0) do not depend on temperature.

n(T) = 1 / (exp(hbar_omega / k_B T) - 1) is the occupation of the host's
effective phonon mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import BOLTZMANN_CM_PER_K

REFERENCE_TEMPERATURE_K = 300.0


@dataclass(frozen=True)
class Host:
    """A host lattice: its effective phonon and its energy-gap-law constants."""

    name: str
    phonon_energy_cm: float
    mpr_prefactor_s: float
    mpr_alpha_cm: float


def bose_occupation(phonon_energy_cm: float, temperature_k: np.ndarray) -> np.ndarray:
    """Mean occupation number of a phonon mode at the given temperature(s)."""
    x = phonon_energy_cm / (BOLTZMANN_CM_PER_K * np.asarray(temperature_k, dtype=float))
    with np.errstate(over="ignore"):
        return 1.0 / np.expm1(x)


def multiphonon_rate(host: Host, gap_cm: float, temperature_k: np.ndarray) -> np.ndarray:
    """Multiphonon relaxation rate (1/s) across an energy gap, by the energy-gap law."""
    p = gap_cm / host.phonon_energy_cm
    n = bose_occupation(host.phonon_energy_cm, temperature_k)
    return host.mpr_prefactor_s * np.exp(-host.mpr_alpha_cm * gap_cm) * (1.0 + n) ** p


def phonon_factor(
    mismatch_cm: float,
    phonon_energy_cm: float,
    temperature_k: np.ndarray,
    reference_k: float = REFERENCE_TEMPERATURE_K,
) -> np.ndarray:
    """Rate of a phonon-assisted step at T relative to its rate at the reference temperature."""
    t = np.asarray(temperature_k, dtype=float)
    if mismatch_cm == 0.0:
        return np.ones_like(t)
    p = abs(mismatch_cm) / phonon_energy_cm
    n = bose_occupation(phonon_energy_cm, t)
    n_ref = bose_occupation(phonon_energy_cm, reference_k)
    if mismatch_cm > 0.0:
        return ((1.0 + n) / (1.0 + n_ref)) ** p
    return (n / n_ref) ** p
