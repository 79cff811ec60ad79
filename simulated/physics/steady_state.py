"""Steady states of the rate equations, for whole batches of conditions at once.

Never by integrating for a fixed time: near the avalanche threshold one second
from dark is still several per cent short.  The steady state is solved
algebraically, in two stages.

1. **A branch table per condition group** (points sharing temperature, shell
   and darkness): steady states on a log-spaced intensity grid, refined by
   bisection until neighbouring nodes differ by less than 25 % in every
   population.  Each node is solved twice with pseudo-transient continuation
   (:mod:`.pseudo_transient`): the *lower* branch relaxing from the dark (and,
   for inserted nodes, from the node below: an up-sweep), the *upper* branch
   relaxing from saturation (and from the node above: a down-sweep).
   Saturation is the steady state at 100 times the intensity, relaxed from
   equal populations in every level.
2. **Every requested point** starts from the table, interpolated in log-log
   space by cubic Hermite polynomials whose node derivatives are the exact
   d ln n / d ln I, and is polished by Newton's method, which then converges
   in one or two iterations.  The upper branch is polished
   separately only where a neighbouring node is bistable: with both branches
   continuous to 25 % between nodes, a bistable window cannot hide between
   two monostable nodes (the lower branch would jump there).

Where the two branches differ the point is bistable, and the unstable state
between them is located by Newton's method from their midpoint.  Mean-field
models of avalanching nanoparticles are usually monostable; then the branches
coincide and hysteresis in a real sweep comes only from finite dwell time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from .batched_linear_algebra import solve
from .conditions import Conditions
from .material import Material
from .pseudo_transient import NEWTON, conservation_rows, relax
from .rate_equations import RateSystem

_NODES_PER_DECADE = 8
_MAX_LOG_CHANGE = 0.25
_MIN_LOG_INTERVAL = 1e-9
_MAX_REFINEMENTS = 60
_CONTINUATION_DT_S = 1e-3
_SATURATION_FACTOR = 100.0
_TINY = 1e-300


class SteadyStateNotFound(RuntimeError):
    """The solver did not converge for some points (a numerical failure, not bad input)."""


def population_derivative(system: RateSystem, n: np.ndarray) -> np.ndarray:
    """Exact dn / d ln(intensity) at steady states ``n`` (points, levels), by implicit differentiation."""
    material = system.material
    ground = material.ground_indices
    levels_first = n.T
    matrix = system.jacobian(levels_first)
    matrix[ground] = conservation_rows(material)[:, :, None]
    forcing = -system.flux * (system.pump * levels_first[None, :, :]).sum(axis=1)
    forcing[ground] = 0.0
    return solve(matrix, forcing).T


def local_slope(system: RateSystem, n: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Exact d ln(emission) / d ln(intensity) at steady states ``n`` (points, levels)."""
    dn = population_derivative(system, n)
    emission = n @ weights
    positive = emission > 0
    return np.where(positive, (dn @ weights) / np.where(positive, emission, 1.0), np.nan)


def _relax(system: RateSystem, start: np.ndarray, **options) -> tuple[np.ndarray, np.ndarray]:
    """:func:`relax` for populations stored points first."""
    n, ok = relax(system, np.ascontiguousarray(start.T), **options)
    return n.T, ok


@dataclass(frozen=True)
class SteadyState:
    """Steady states for a batch of conditions.

    ``populations`` is the state reached from the dark (the lower branch, what
    an up-sweep sees); ``upper`` the state reached from saturation.  They
    differ only where ``bistable``; there ``unstable`` holds the state between
    them (NaN elsewhere).  Arrays have the broadcast shape of the inputs, with
    a trailing axis over ``material.level_names`` for populations.
    """

    material: Material
    conditions: Conditions
    populations: np.ndarray
    upper: np.ndarray
    unstable: np.ndarray
    bistable: np.ndarray
    system: RateSystem

    @property
    def shape(self) -> tuple[int, ...]:
        return self.conditions.shape

    def population(self, level: str) -> np.ndarray:
        return self.populations[..., self.material.index(level)]

    def emission(self, band: str | None = None, *, branch: str = "lower") -> np.ndarray:
        """Emitted photons/s per particle in ``band`` (default: the material's main band)."""
        states = {"lower": self.populations, "upper": self.upper, "unstable": self.unstable}[branch]
        return states @ self.material.band_weights(band)

    def slope(self, band: str | None = None) -> np.ndarray:
        """Exact local slope d ln(emission) / d ln(intensity) on the lower branch."""
        flat = self.populations.reshape(-1, self.material.n_levels)
        return local_slope(self.system, flat, self.material.band_weights(band)).reshape(self.shape)


def steady_state(
    material: Material,
    intensity_kw_cm2,
    temperature_k=300.0,
    *,
    shell_nm=None,
    darkness=0.0,
) -> SteadyState:
    """Every steady state of ``material`` at the given peak intensities (kW/cm^2) and temperatures (K).

    Inputs broadcast against each other as numpy arrays do; ``shell_nm``
    defaults to the material's shell, ``darkness`` is the photoswitching state.
    """
    cond = Conditions.broadcast(material, intensity_kw_cm2, temperature_k, shell_nm, darkness)
    system = RateSystem(material, cond)
    lower = np.broadcast_to(material.dark_populations(), (cond.size, material.n_levels)).copy()
    upper = lower.copy()

    lit = np.flatnonzero(cond.intensity_kw_cm2 > 0)
    if lit.size:
        groups, keys = _condition_groups(cond, lit)
        table = _BranchTable.build(material, keys, groups, cond.intensity_kw_cm2[lit])
        lower[lit], upper[lit] = table.polish(system.subset(lit), groups, cond.intensity_kw_cm2[lit])

    bistable = _differ(lower, upper)
    unstable = np.full_like(lower, np.nan)
    where = np.flatnonzero(bistable)
    if where.size:
        unstable[where] = _unstable_states(material, system.subset(where), lower[where], upper[where])

    shape = cond.shape + (material.n_levels,)
    return SteadyState(
        material=material,
        conditions=cond,
        populations=lower.reshape(shape),
        upper=upper.reshape(shape),
        unstable=unstable.reshape(shape),
        bistable=bistable.reshape(cond.shape),
        system=system,
    )


def _unstable_states(material: Material, system: RateSystem, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The saddle between two stable states: Newton's method from points between them.

    Populations span many decades, so starts are spread both linearly and
    geometrically between the branches; the first start that converges to a
    third, physical state wins.
    """
    found = np.full_like(lower, np.nan)
    missing = np.arange(len(lower))
    starts = [(t, geometric) for t in (0.5, 0.25, 0.75, 0.1, 0.9) for geometric in (False, True)]
    for t, geometric in starts:
        if missing.size == 0:
            break
        lo, hi = lower[missing], upper[missing]
        start = np.exp((1 - t) * _log(lo) + t * _log(hi)) if geometric else (1 - t) * lo + t * hi
        n, ok = _relax(system.subset(missing), _normalised(material, start), dt_start_s=NEWTON, enforce_positive=False)
        good = ok & _differ(n, lo) & _differ(n, hi) & (n.min(axis=1) >= 0.0)
        found[missing[good]] = n[good]
        missing = missing[~good]
    return found


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows of populations that are different states, not the same state to solver precision."""
    return (np.abs(a - b) > 1e-6 * (np.abs(a) + np.abs(b)) + 1e-14).any(axis=1)


def _condition_groups(cond: Conditions, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group points by (temperature, shell, darkness); returns (group of each point, keys)."""
    columns = (cond.temperature_k[index], cond.shell_nm[index], cond.darkness[index])
    if all(c.min() == c.max() for c in columns):
        return np.zeros(index.size, dtype=int), np.array([[c[0] for c in columns]])
    code = np.zeros(index.size, dtype=np.int64)
    for column in columns:
        values, inverse = np.unique(column, return_inverse=True)
        code = code * values.size + inverse
    _, first, groups = np.unique(code, return_index=True, return_inverse=True)
    keys = np.stack([c[first] for c in columns], axis=1)
    return groups.ravel(), keys


def _log(n: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(n, _TINY))


@dataclass
class _BranchTable:
    """Lower- and upper-branch steady states on per-group intensity grids, sorted by (group, ln I)."""

    material: Material
    keys: np.ndarray
    group: np.ndarray
    log_i: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @classmethod
    def build(cls, material: Material, keys: np.ndarray, groups: np.ndarray, intensity: np.ndarray) -> _BranchTable:
        log_i = np.log(intensity)
        lo = np.full(len(keys), np.inf)
        hi = np.full(len(keys), -np.inf)
        np.minimum.at(lo, groups, log_i)
        np.maximum.at(hi, groups, log_i)
        hi = np.maximum(hi, lo + 0.01)
        counts = np.maximum(2, np.ceil(_NODES_PER_DECADE * (hi - lo) / np.log(10)).astype(int) + 1)
        node_group = np.repeat(np.arange(len(keys)), counts)
        start = np.repeat(np.cumsum(counts) - counts, counts)
        fraction = (np.arange(node_group.size) - start) / (counts[node_group] - 1)
        node_log_i = lo[node_group] + fraction * (hi - lo)[node_group]

        system = _node_system(material, keys, node_group, node_log_i)
        shape = (node_group.size, material.n_levels)
        dark = np.broadcast_to(material.dark_populations(), shape)
        excited = np.broadcast_to(_normalised(material, np.ones((1, material.n_levels))), shape)
        lower, saturated = _relaxed_pair(
            system, dark, system.with_flux(system.flux * _SATURATION_FACTOR), excited
        )
        upper = _relaxed(system, saturated)
        table = cls(material, keys, node_group, node_log_i, lower, upper)
        table._refine()
        return table

    def _refine(self) -> None:
        """Bisect intervals until neighbouring nodes differ by less than ``_MAX_LOG_CHANGE``."""
        for _ in range(_MAX_REFINEMENTS):
            same = self.group[1:] == self.group[:-1]
            change = np.maximum(
                np.abs(np.diff(_log(self.lower), axis=0)).max(axis=1),
                np.abs(np.diff(_log(self.upper), axis=0)).max(axis=1),
            )
            wide = np.diff(self.log_i) > _MIN_LOG_INTERVAL
            left = np.flatnonzero(same & wide & (change > _MAX_LOG_CHANGE))
            if left.size == 0:
                return
            mid_log_i = 0.5 * (self.log_i[left] + self.log_i[left + 1])
            system = _node_system(self.material, self.keys, self.group[left], mid_log_i)
            lower, upper = _relaxed_pair(
                system, self.lower[left], system, self.upper[left + 1], dt_start_s=_CONTINUATION_DT_S
            )
            order = np.argsort(np.concatenate([np.arange(self.log_i.size), left + 0.5]), kind="stable")
            self.group = np.concatenate([self.group, self.group[left]])[order]
            self.log_i = np.concatenate([self.log_i, mid_log_i])[order]
            self.lower = np.concatenate([self.lower, lower])[order]
            self.upper = np.concatenate([self.upper, upper])[order]

    def polish(self, system: RateSystem, groups: np.ndarray, intensity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Steady states at the query points, Newton-polished from the interpolated table."""
        log_i = np.log(intensity)
        # Nodes are sorted by (group, ln I); a composite key makes one searchsorted do.
        span = 2.0 * (np.abs(self.log_i).max() + np.abs(log_i).max()) + 1.0
        node_key = self.group * span + self.log_i
        right = np.searchsorted(node_key, groups * span + log_i, side="right")
        right = np.clip(right, 1, self.log_i.size - 1)
        last_in_group = (right < self.log_i.size - 1) & (self.group[np.minimum(right, self.log_i.size - 1)] != groups)
        right = np.where(last_in_group, right - 1, right)
        left = right - 1
        width = self.log_i[right] - self.log_i[left]
        w = np.clip((log_i - self.log_i[left]) / np.where(width > 0, width, 1.0), 0.0, 1.0)[:, None]

        lower = self._polish_branch(system, self.lower, left, right, w, fallback=left)
        upper = lower.copy()
        node_bistable = self._bistable_nodes()
        split = np.flatnonzero(node_bistable[left] | node_bistable[right])
        if split.size:
            upper[split] = self._polish_branch(
                system.subset(split), self.upper, left[split], right[split], w[split], fallback=right[split]
            )
        return lower, upper

    def _bistable_nodes(self) -> np.ndarray:
        return _differ(self.lower, self.upper)

    def _log_slopes(self, branch: np.ndarray) -> np.ndarray:
        """d ln n / d ln I at every node of ``branch`` (zero where a population is exactly zero)."""
        system = _node_system(self.material, self.keys, self.group, self.log_i)
        dn = population_derivative(system, branch)
        positive = branch > 0
        return np.where(positive, dn / np.where(positive, branch, 1.0), 0.0)

    def _polish_branch(self, system, branch, left, right, w, *, fallback) -> np.ndarray:
        slopes = self._log_slopes(branch)
        h = (self.log_i[right] - self.log_i[left])[:, None]
        t2, t3 = w * w, w * w * w
        log_n = (
            (2 * t3 - 3 * t2 + 1) * _log(branch[left])
            + (t3 - 2 * t2 + w) * h * slopes[left]
            + (3 * t2 - 2 * t3) * _log(branch[right])
            + (t3 - t2) * h * slopes[right]
        )
        start = _normalised(self.material, np.exp(log_n))
        n, ok = _relax(system, start, dt_start_s=NEWTON, max_iter=12)
        if not ok.all():
            redo = np.flatnonzero(~ok)
            n[redo] = _relaxed(system.subset(redo), branch[fallback[redo]], dt_start_s=_CONTINUATION_DT_S)
        return n


def _node_system(material: Material, keys: np.ndarray, group: np.ndarray, log_i: np.ndarray) -> RateSystem:
    k = keys[group]
    cond = Conditions(np.exp(log_i), k[:, 0].copy(), k[:, 1].copy(), k[:, 2].copy(), shape=(group.size,))
    return RateSystem(material, cond)


def _relaxed(system: RateSystem, start: np.ndarray, **options) -> np.ndarray:
    """Relax to steady states; points where the iteration cannot settle are integrated in time first."""
    n, ok = _relax(system, start, **options)
    for point in np.flatnonzero(~ok):
        n[point] = _integrate_to_rest(system.subset(np.array([point])), start[point])
    return n


def _relaxed_pair(first: RateSystem, first_start, second: RateSystem, second_start, **options):
    """Two relaxations done as one batch (half the iterations' overhead)."""
    both = _relaxed(RateSystem.concatenate(first, second), np.concatenate([first_start, second_start]), **options)
    return both[: first.size], both[first.size :]


def _integrate_to_rest(system: RateSystem, start: np.ndarray) -> np.ndarray:
    """The slow but sure way: follow the real dynamics until Newton can finish.

    Pseudo-transient steps can bounce around the ghost of a vanished fold,
    where the true trajectory lingers and then leaves; an implicit integrator
    with the analytic Jacobian follows it through.
    """
    y = np.asarray(start, dtype=float)
    horizon = 1e-3
    while horizon <= 1e7:
        sol = solve_ivp(
            lambda t, v: system.rhs(v[:, None])[:, 0],
            (0.0, horizon),
            y,
            method="LSODA",
            jac=lambda t, v: system.jacobian(v[:, None])[:, :, 0],
            rtol=1e-8,
            atol=1e-16,
        )
        y = np.maximum(sol.y[:, -1], 0.0)
        n, ok = relax(system, y[:, None], dt_start_s=horizon)
        if ok[0]:
            return n[:, 0]
        horizon *= 10.0
    raise SteadyStateNotFound(f"{system.material.key}: no steady state found at {system.flux[0]:.3g} photons/cm^2/s")


def _normalised(material: Material, n: np.ndarray) -> np.ndarray:
    out = n.copy()
    for sl in material.species_slices:
        out[:, sl] /= out[:, sl].sum(axis=1, keepdims=True)
    return out
