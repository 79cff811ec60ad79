"""How ion-ion rates scale with dopant concentration.

A rate stated for a preset holds at the concentrations the preset was
calibrated at (each species' ``reference_concentration``).  A material made
with other concentrations (:meth:`.Material.with_concentration`) multiplies
each concentration-dependent rate by its law's factor g(c) / g(c_ref), so the
preset's own figures are untouched and a fit can vary the concentration freely.

The laws, and why:

* **Mean field, static transfer** (the default of an energy transfer): a donor
  ion couples to the acceptor ions within its interaction volume, whose number
  is proportional to the acceptor species' concentration; the bilinear rate
  coefficient is therefore linear in c_acceptor (:class:`PowerLaw` with
  exponent 1).
* **Migration-assisted (hopping-limited) transfer**: when excitation hops over
  the donor sublattice before it reaches an acceptor, the rate is
  proportional to both concentrations, W ~ sqrt(C_DA C_DD) N_D N_A (Burshtein,
  Sov. Phys. JETP 35, 882, 1972).  For self-quenching by cross-relaxation
  (donor and acceptor the same dopant) that is c^2, the law Lee et al.'s public
  simulation script (Nature 589, 230, 2021) uses for Tm3+ cross-relaxation,
  s3 ~ c^2.
* **Concentration quenching at fixed quenchers** (surface ligands, defects at
  the core/shell interface): the same hopping-limited rate with a quencher
  density that does not depend on the doping, so linear in the dopant
  concentration (:class:`PowerLaw`, exponent 1 on the migrating species).
* **Energy-transfer upconversion of Tm3+**: Lee et al.'s script scales both
  3F4 + 3F4 channels as c^3 / (c^2 + c_on^2) with c_on = 4.3 mol %
  (:class:`OnsetLaw`): cubic in dilute crystals, where a 3F4 pair must first
  meet by migration, linear once migration is fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .material import Material


class ConcentrationLaw(Protocol):
    """Anything that turns a material's concentrations into a rate factor (1 at the reference)."""

    def factor(self, material: Material) -> float: ...


@dataclass(frozen=True)
class PowerLaw:
    """Rate proportional to the product of (c_s / c_s,ref) ** exponent over the listed species."""

    exponents: tuple[tuple[str, float], ...]

    def factor(self, material: Material) -> float:
        return math.prod(material.concentration_ratio(name) ** power for name, power in self.exponents)


def scales_as(**exponents: float) -> PowerLaw:
    """``scales_as(Tm=2)``: a rate proportional to c_Tm squared."""
    return PowerLaw(tuple(exponents.items()))


@dataclass(frozen=True)
class OnsetLaw:
    """Rate proportional to g(c) = c^3 / (c^2 + onset^2) of one species (Lee et al.'s upconversion law)."""

    species: str
    onset: float

    def factor(self, material: Material) -> float:
        reference = material.reference_concentration(self.species)
        return self._g(material.concentration(self.species)) / self._g(reference)

    def _g(self, c: float) -> float:
        return c**3 / (c**2 + self.onset**2)
