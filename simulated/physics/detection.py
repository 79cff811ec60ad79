"""From emitted photons to detected counts.

A fraction of the photons a particle emits in a band reaches the detector
(objective collection, filters, fibre coupling) and a fraction of those is
counted (quantum efficiency).  Dark counts add, and a non-paralysable dead
time saturates the measured rate at 1/tau: r_measured = r / (1 + r tau).
Counts in a gate are Poisson.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conditions import as_float_array
from .errors import ModelInputError


@dataclass(frozen=True)
class Detection:
    """Collection, detector efficiency, dark counts and dead time of one detection path."""

    collection_efficiency: float
    quantum_efficiency: float = 1.0
    dark_count_rate_s: float = 0.0
    dead_time_s: float = 0.0

    def __post_init__(self):
        for name in ("collection_efficiency", "quantum_efficiency"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ModelInputError(name, f"must be between 0 and 1 (got {value})")
        if self.dark_count_rate_s < 0:
            raise ModelInputError("dark_count_rate_s", f"must be >= 0 (got {self.dark_count_rate_s})")
        if self.dead_time_s < 0:
            raise ModelInputError("dead_time_s", f"must be >= 0 (got {self.dead_time_s})")

    def incident_rate(self, emission_photons_s) -> np.ndarray:
        """Photons/s that would be counted with no dead time, dark counts included."""
        emission = as_float_array("emission_photons_s", emission_photons_s)
        if emission.size and emission.min() < 0:
            raise ModelInputError("emission_photons_s", "must be >= 0")
        return emission * self.collection_efficiency * self.quantum_efficiency + self.dark_count_rate_s

    def count_rate(self, emission_photons_s) -> np.ndarray:
        """Expected measured count rate (counts/s), including dead-time saturation."""
        rate = self.incident_rate(emission_photons_s)
        return rate / (1.0 + rate * self.dead_time_s)

    def counts(self, emission_photons_s, gate_s: float, rng: np.random.Generator) -> np.ndarray:
        """Counts in a gate of ``gate_s``: Poisson arrivals, then the dead-time loss of that gate."""
        if not gate_s > 0:
            raise ModelInputError("gate_s", f"must be > 0 (got {gate_s})")
        arrivals = rng.poisson(self.incident_rate(emission_photons_s) * gate_s)
        if self.dead_time_s == 0:
            return arrivals
        # Each arrival is lost with the dead-time probability at the gate's own rate.
        kept = 1.0 / (1.0 + arrivals * self.dead_time_s / gate_s)
        return rng.binomial(arrivals, kept).astype(np.int64)

    def saturation_fraction(self, emission_photons_s) -> np.ndarray:
        """How far into dead-time saturation the detector is: measured / incident rate lost, 0..1."""
        rate = self.incident_rate(emission_photons_s)
        return rate * self.dead_time_s / (1.0 + rate * self.dead_time_s)
