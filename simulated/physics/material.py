"""A material: ions and their levels, the processes between them, the pump, and the particle."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from .constants import NAYF4_CATION_SITES_PER_NM3
from .errors import ModelInputError
from .phonons import Host
from .photoswitching import Photoswitching
from .processes import RadiativeDecay

MAX_SHELL_NM = 100.0


@dataclass(frozen=True)
class Level:
    """A J-multiplet, named by its term symbol; energy is its barycentre in cm^-1."""

    name: str
    energy_cm: float


@dataclass(frozen=True)
class Species:
    """A dopant ion: its concentration (fraction of cation sites) and its levels, ground level first.

    ``reference_concentration`` is the concentration at which the material's
    concentration-dependent rates were stated (by default, ``concentration``);
    see :mod:`.concentration`.
    """

    name: str
    concentration: float
    levels: tuple[Level, ...]
    reference_concentration: float | None = None

    def __post_init__(self):
        if self.reference_concentration is None:
            object.__setattr__(self, "reference_concentration", self.concentration)


@dataclass(frozen=True)
class Band:
    """An emission band as a detector filter would select it."""

    name: str
    centre_nm: float
    description: str = ""


@dataclass(frozen=True)
class Material:
    """A photon-avalanche material under one pump wavelength.

    Rates are at 300 K; the processes carry their own temperature laws
    (see :mod:`.phonons`).  The particle is a doped core of
    ``core_diameter_nm`` inside an inert shell of ``shell_nm``.
    """

    key: str
    title: str
    reference: str
    host: Host
    species: tuple[Species, ...]
    processes: tuple[Any, ...]
    pump_wavelength_nm: float
    bands: tuple[Band, ...]
    core_diameter_nm: float
    shell_nm: float
    photoswitching: Photoswitching | None = None
    temperature_range_k: tuple[float, float] = (4.0, 450.0)
    notes: str = field(default="", compare=False)

    # -- levels -----------------------------------------------------------------
    @cached_property
    def level_names(self) -> tuple[str, ...]:
        return tuple(f"{s.name}:{lv.name}" for s in self.species for lv in s.levels)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.level_names)}

    @property
    def n_levels(self) -> int:
        return len(self.level_names)

    def index(self, level: str) -> int:
        try:
            return self._index[level]
        except KeyError:
            raise KeyError(f"{self.key}: no level {level!r}; levels are {', '.join(self.level_names)}") from None

    @cached_property
    def species_slices(self) -> tuple[slice, ...]:
        slices, start = [], 0
        for s in self.species:
            slices.append(slice(start, start + len(s.levels)))
            start += len(s.levels)
        return tuple(slices)

    @cached_property
    def ground_indices(self) -> np.ndarray:
        return np.array([sl.start for sl in self.species_slices])

    @cached_property
    def _species_by_name(self) -> dict[str, Species]:
        return {s.name: s for s in self.species}

    def _species(self, name: str) -> Species:
        try:
            return self._species_by_name[name]
        except KeyError:
            raise KeyError(f"{self.key}: no species {name!r}") from None

    def concentration_of(self, level: str) -> float:
        """Concentration of the species a qualified level name (``"Tm:3F4"``) belongs to."""
        return self._species(level.split(":", 1)[0]).concentration

    def concentration(self, species_name: str) -> float:
        """Fraction of the cation sites the species occupies."""
        return self._species(species_name).concentration

    def reference_concentration(self, species_name: str) -> float:
        """The concentration the material's concentration-dependent rates were stated at."""
        return self._species(species_name).reference_concentration

    def concentration_ratio(self, species_name: str) -> float:
        species = self._species(species_name)
        return species.concentration / species.reference_concentration

    def dark_populations(self) -> np.ndarray:
        """Every ion in its ground level."""
        n = np.zeros(self.n_levels)
        n[self.ground_indices] = 1.0
        return n

    # -- the particle -----------------------------------------------------------
    @property
    def core_volume_nm3(self) -> float:
        return math.pi / 6.0 * self.core_diameter_nm**3

    def ions_per_particle(self, species_name: str) -> float:
        return self.core_volume_nm3 * NAYF4_CATION_SITES_PER_NM3 * self.concentration(species_name)

    # -- emission ---------------------------------------------------------------
    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.bands)

    @property
    def default_band(self) -> str:
        return self.bands[0].name

    def band_weights(self, band: str | None = None) -> np.ndarray:
        """Photons/s per particle in ``band`` = ``band_weights(band) @ populations``."""
        band = band or self.default_band
        if band not in self.band_names:
            raise ModelInputError("band", f"{band!r} is not a band of {self.key}; "
                                          f"choose from {', '.join(self.band_names)}")
        weights = np.zeros(self.n_levels)
        for p in self.processes:
            if isinstance(p, RadiativeDecay) and p.band == band:
                species_name = p.upper.split(":", 1)[0]
                weights[self.index(p.upper)] += p.rate_s * self.ions_per_particle(species_name)
        return weights

    # -- variants ---------------------------------------------------------------
    def with_changes(self, **changes) -> Material:
        """A copy with some fields replaced (e.g. ``shell_nm``)."""
        return replace(self, **changes)

    def with_shell(self, shell_nm: float) -> Material:
        """The same particle with another inert-shell thickness (nm)."""
        shell = float(shell_nm)
        if not 0.0 <= shell <= MAX_SHELL_NM:
            raise ModelInputError("shell_nm", f"{shell_nm!r} nm is outside the allowed range 0..{MAX_SHELL_NM:g} nm")
        title = re.sub(r"\d+(?:\.\d+)? nm shell", f"{shell:g} nm shell", self.title)
        return replace(self, shell_nm=shell, title=title)

    def with_concentration(self, concentration: float, species: str | None = None) -> Material:
        """The same material with one dopant at another concentration (fraction of cation sites).

        ``species`` defaults to the first (the avalanching) dopant.  Every
        concentration-dependent rate follows its law (:mod:`.concentration`);
        the rates are re-scaled when the rate equations are built, so this is
        a cheap copy, fit for use inside a fitting loop.
        """
        name = self.species[0].name if species is None else species
        if name not in self._species_by_name:
            raise ModelInputError("concentration", f"{self.key} has no dopant {name!r}; "
                                                   f"its dopants are {', '.join(s.name for s in self.species)}")
        value = float(concentration)
        if not (math.isfinite(value) and 0.0 < value <= 1.0):
            raise ModelInputError("concentration", f"{name}: {concentration!r} is not a fraction of the cation "
                                                   "sites in (0, 1]")
        species_list = tuple(replace(s, concentration=value) if s.name == name else s for s in self.species)
        total = sum(s.concentration for s in species_list)
        if total > 1.0 + 1e-12:
            raise ModelInputError("concentration", f"the dopants would fill {100 * total:g} % of the cation sites")
        title = re.sub(rf"\d+(?:\.\d+)?\s?%\s?{re.escape(name)}\b", f"{100 * value:g}%{name}", self.title)
        return replace(self, species=species_list, title=title)
