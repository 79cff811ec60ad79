"""Rate equations of a material, evaluated for a batch of conditions.

    dn/dt = (L + phi P) n + sum_k c_k n[a_k] n[b_k] s_k

L holds the decays, P the pump transitions per unit photon flux phi, and the
bilinear sum the ion-ion energy transfers.  Arrays are stored levels first,
points last (populations ``(levels, points)``, matrices ``(levels, levels,
points)``), so each arithmetic step runs over one contiguous vector of points:
a whole power sweep, image or particle field is a handful of numpy calls.
"""

from __future__ import annotations

import numpy as np

from .conditions import Conditions
from .constants import photon_flux
from .material import Material
from .processes import BilinearTerm, LinearTerm, PumpTerm


class RateSystem:
    """The assembled rate equations for a batch of points (the last axis of every array)."""

    def __init__(self, material: Material, conditions: Conditions):
        self.material = material
        self.conditions = conditions
        b, n = conditions.size, material.n_levels
        self.linear = np.zeros((n, n, b))
        self.pump = np.zeros((n, n, b))
        bilinear: list[BilinearTerm] = []
        for process in material.processes:
            for term in process.terms(material, conditions):
                if isinstance(term, LinearTerm):
                    _add_transition(self.linear, term.initial, term.final, term.rate_s)
                elif isinstance(term, PumpTerm):
                    _add_transition(self.pump, term.initial, term.final, term.cross_section_cm2)
                else:
                    bilinear.append(term)
        self.pair_a = np.array([t.a for t in bilinear], dtype=int)
        self.pair_b = np.array([t.b for t in bilinear], dtype=int)
        self.pair_coefficient = np.array([np.broadcast_to(t.coefficient_s, (b,)) for t in bilinear]).reshape(-1, b)
        self.pair_change = np.array([t.change for t in bilinear]).reshape(len(bilinear), n)
        self.flux = photon_flux(conditions.intensity_kw_cm2, material.pump_wavelength_nm)

    @property
    def size(self) -> int:
        return self.flux.size

    def subset(self, index) -> RateSystem:
        """The same equations for a subset of the points."""
        sub = object.__new__(RateSystem)
        sub.material = self.material
        sub.conditions = None
        sub.linear = self.linear[:, :, index]
        sub.pump = self.pump[:, :, index]
        sub.pair_a, sub.pair_b, sub.pair_change = self.pair_a, self.pair_b, self.pair_change
        sub.pair_coefficient = self.pair_coefficient[:, index]
        sub.flux = self.flux[index]
        return sub

    @staticmethod
    def concatenate(first: RateSystem, second: RateSystem) -> RateSystem:
        """One system holding the points of both (same material)."""
        joined = first.subset(slice(None))
        joined.linear = np.concatenate([first.linear, second.linear], axis=2)
        joined.pump = np.concatenate([first.pump, second.pump], axis=2)
        joined.pair_coefficient = np.concatenate([first.pair_coefficient, second.pair_coefficient], axis=1)
        joined.flux = np.concatenate([first.flux, second.flux])
        return joined

    def with_flux(self, flux: np.ndarray) -> RateSystem:
        """The same equations under a different photon flux."""
        other = self.subset(slice(None))
        other.flux = np.asarray(flux, dtype=float)
        return other

    def matrix(self, flux: np.ndarray | None = None) -> np.ndarray:
        """The linear part L + phi P, shape (levels, levels, points)."""
        flux = self.flux if flux is None else flux
        return self.linear + flux * self.pump

    def pair_rates(self, n: np.ndarray) -> np.ndarray:
        """Energy-transfer event rates, shape (transfers, points)."""
        return self.pair_coefficient * n[self.pair_a] * n[self.pair_b]

    def rhs(self, n: np.ndarray, flux: np.ndarray | None = None, *, matrix: np.ndarray | None = None) -> np.ndarray:
        """dn/dt for populations ``n`` of shape (levels, points); ``matrix`` may pass a precomputed L + phi P."""
        matrix = self.matrix(flux) if matrix is None else matrix
        return (matrix * n[None, :, :]).sum(axis=1) + self.pair_change.T @ self.pair_rates(n)

    def gross_rates(self, n: np.ndarray, *, matrix: np.ndarray | None = None) -> np.ndarray:
        """Total flow into plus out of each level: the scale against which a net rate is small."""
        matrix = self.matrix() if matrix is None else matrix
        return (np.abs(matrix) * n[None, :, :]).sum(axis=1) + np.abs(self.pair_change).T @ self.pair_rates(n)

    def jacobian(
        self, n: np.ndarray, flux: np.ndarray | None = None, *, matrix: np.ndarray | None = None
    ) -> np.ndarray:
        """d(dn/dt)/dn, shape (levels, levels, points)."""
        jac = self.matrix(flux) if matrix is None else matrix.copy()
        for k in range(len(self.pair_a)):
            a, b = self.pair_a[k], self.pair_b[k]
            change = self.pair_change[k][:, None]
            c = self.pair_coefficient[k]
            jac[:, a, :] += change * (c * n[b])
            jac[:, b, :] += change * (c * n[a])
        return jac


def _add_transition(matrix: np.ndarray, initial: int, final: int, rate: np.ndarray) -> None:
    matrix[initial, initial] -= rate
    matrix[final, initial] += rate
