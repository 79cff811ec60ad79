"""A material: ions and their levels, the processes between them, the pump, and the particle."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from .constants import NAYF4_CATION_SITES_PER_NM3
from .errors import ModelInputError
from .phonons import Host
from .photoswitching import Photoswitching
from .processes import RadiativeDecay


@dataclass(frozen=True)
class Level:
    """A J-multiplet, named by its term symbol; energy is its barycentre in cm^-1."""

    name: str
    energy_cm: float


@dataclass(frozen=True)
class Species:
    """A dopant ion: its concentration (fraction of cation sites) and its levels, ground level first."""

    name: str
    concentration: float
    levels: tuple[Level, ...]


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

    def concentration_of(self, level: str) -> float:
        species_name = level.split(":", 1)[0]
        for s in self.species:
            if s.name == species_name:
                return s.concentration
        raise KeyError(f"{self.key}: no species {species_name!r}")

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
        for s in self.species:
            if s.name == species_name:
                return self.core_volume_nm3 * NAYF4_CATION_SITES_PER_NM3 * s.concentration
        raise KeyError(f"{self.key}: no species {species_name!r}")

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
