"""The physical processes that move ions between levels.

Each process turns itself into rate-equation terms for a batch of conditions
(temperature, shell thickness, photoswitching darkness).  Three kinds of term
exist: linear decays, pump transitions proportional to the photon flux, and
bilinear ion-ion energy transfers (cross-relaxation, upconversion, migration).

Level names are qualified by their species, e.g. ``"Tm:3F4"``.  Populations
are fractions of each species' ions, so every species sums to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .phonons import multiphonon_rate, phonon_factor

if TYPE_CHECKING:
    from .concentration import ConcentrationLaw
    from .conditions import Conditions
    from .material import Material


class LinearTerm(NamedTuple):
    initial: int
    final: int
    rate_s: np.ndarray


class PumpTerm(NamedTuple):
    initial: int
    final: int
    cross_section_cm2: np.ndarray


class BilinearTerm(NamedTuple):
    """Rate ``coefficient * n[a] * n[b]`` with population change ``change`` per event."""

    a: int
    b: int
    coefficient_s: np.ndarray
    change: np.ndarray


@dataclass(frozen=True)
class RadiativeDecay:
    """Spontaneous emission from ``upper`` to ``lower``; ``band`` names the emission band it feeds."""

    upper: str
    lower: str
    rate_s: float
    band: str | None = None

    def terms(self, material: Material, cond: Conditions) -> list:
        rate = np.full(cond.size, self.rate_s)
        return [LinearTerm(material.index(self.upper), material.index(self.lower), rate)]


@dataclass(frozen=True)
class MultiphononRelaxation:
    """Non-radiative relaxation across ``gap_cm`` by the host's energy-gap law."""

    upper: str
    lower: str
    gap_cm: float

    def terms(self, material: Material, cond: Conditions) -> list:
        rate = multiphonon_rate(material.host, self.gap_cm, cond.temperature_k)
        return [LinearTerm(material.index(self.upper), material.index(self.lower), rate)]


@dataclass(frozen=True)
class SurfaceQuenching:
    """Energy loss to surface ligands and solvent, screened by the inert shell.

    The rate falls off exponentially with shell thickness (Kwock et al., 2021:
    thinner shells quench the reservoir level and raise the avalanche threshold).
    ``concentration_law``, if given, is how energy migration over the dopant
    sublattice carries excitation to the quenchers (concentration quenching,
    :mod:`.concentration`); without it the rate does not depend on doping.
    """

    upper: str
    lower: str
    bare_rate_s: float
    decay_length_nm: float
    concentration_law: ConcentrationLaw | None = None

    def rate_s(self, shell_nm: np.ndarray, material: Material | None = None) -> np.ndarray:
        scale = 1.0 if material is None or self.concentration_law is None else self.concentration_law.factor(material)
        return scale * self.bare_rate_s * np.exp(-np.asarray(shell_nm) / self.decay_length_nm)

    def terms(self, material: Material, cond: Conditions) -> list:
        rate = self.rate_s(cond.shell_nm, material)
        return [LinearTerm(material.index(self.upper), material.index(self.lower), rate)]


@dataclass(frozen=True)
class PhotoswitchQuenching:
    """Extra non-radiative loss of a photodarkened particle, proportional to its darkness (0..1)."""

    upper: str
    lower: str
    dark_rate_s: float

    def terms(self, material: Material, cond: Conditions) -> list:
        rate = self.dark_rate_s * cond.darkness
        return [LinearTerm(material.index(self.upper), material.index(self.lower), rate)]


@dataclass(frozen=True)
class PumpTransition:
    """Absorption (or stimulated emission) of a pump photon, ``initial`` -> ``final``.

    ``mismatch_cm`` is photon energy minus transition energy: a positive
    mismatch is dissipated by phonon emission, a negative one borrowed from
    the lattice; zero means resonant.  ``cross_section_cm2`` is the value at 300 K.
    """

    initial: str
    final: str
    cross_section_cm2: float
    mismatch_cm: float = 0.0
    label: str = ""

    def terms(self, material: Material, cond: Conditions) -> list:
        sigma = self.cross_section_cm2 * phonon_factor(
            self.mismatch_cm, material.host.phonon_energy_cm, cond.temperature_k
        )
        return [PumpTerm(material.index(self.initial), material.index(self.final), sigma)]


@dataclass(frozen=True)
class EnergyTransfer:
    """Ion-ion energy transfer: donor ``donor[0] -> donor[1]`` with acceptor ``acceptor[0] -> acceptor[1]``.

    ``rate_s`` is the transfer rate of one donor ion when every acceptor ion is
    in its initial state, at 300 K and the species' reference concentrations.
    ``mismatch_cm`` is the energy the donor releases minus the energy the
    acceptor takes up (positive: phonons emitted).  Cross-relaxation and
    energy-transfer upconversion are both of this form.

    ``concentration_law`` is how the rate scales with doping
    (:mod:`.concentration`); by default the mean-field static law, linear in
    the acceptor species' concentration.
    """

    donor: tuple[str, str]
    acceptor: tuple[str, str]
    rate_s: float
    mismatch_cm: float = 0.0
    label: str = ""
    concentration_law: ConcentrationLaw | None = None

    def concentration_factor(self, material: Material) -> float:
        """This transfer's rate at the material's concentrations relative to ``rate_s``."""
        if self.concentration_law is not None:
            return self.concentration_law.factor(material)
        return material.concentration_ratio(self.acceptor[0].split(":", 1)[0])

    def terms(self, material: Material, cond: Conditions) -> list:
        coefficient = (self.rate_s * self.concentration_factor(material)) * phonon_factor(
            self.mismatch_cm, material.host.phonon_energy_cm, cond.temperature_k
        )
        d0, d1 = (material.index(name) for name in self.donor)
        a0, a1 = (material.index(name) for name in self.acceptor)
        # Populations are per-species fractions: one event moves one donor ion
        # and c_donor / c_acceptor of the acceptor species' fraction.
        ratio = material.concentration_of(self.donor[0]) / material.concentration_of(self.acceptor[0])
        change = np.zeros(material.n_levels)
        change[d0] -= 1.0
        change[d1] += 1.0
        change[a0] -= ratio
        change[a1] += ratio
        return [BilinearTerm(d0, a0, coefficient, change)]
