"""Pseudo-transient continuation: the batched nonlinear solver behind every steady state.

Kelley & Keyes, SIAM J. Numer. Anal. 35, 508 (1998).  Each iteration is one
linearised implicit-Euler step of dn/dt = f(n) with its own time step per
point; the step grows tenfold after every accepted iteration, so the early
iterations follow the physical relaxation from the starting state and the late
ones are Newton's method on f(n) = 0.  A step that would make a population
negative is refused and retried with a quarter of the time step, after which
the step grows only twofold until the iteration settles again; once the
relative change per iteration is below 1e-3 the step grows a thousandfold.

A point has converged when its Newton step is below ``rtol`` of every
population, or, at a fold where the Jacobian is singular and the step is
all round-off (it stops shrinking), when every level's net rate is below
1e-12 of the gross flow through it.  One row per species
is replaced by its conservation law, so populations stay normalised exactly.
"""

from __future__ import annotations

import numpy as np

from .batched_linear_algebra import solve
from .material import Material
from .rate_equations import RateSystem

DT_START_S = 1e-7
NEWTON = 1e30  # a time step so long that the iteration is plain Newton
_DT_CONVERGED_S = 1e4
_DT_GROWTH = 10.0
_DT_GROWTH_CAUTIOUS = 2.0
_DT_GROWTH_SETTLED = 1e3
_DT_REFUSED = 0.25
_NEGATIVE_TOLERANCE = 1e-12
_ATOL = 1e-25
_RESIDUAL_RTOL = 1e-12


def conservation_rows(material: Material) -> np.ndarray:
    """One row per species, ones on that species' levels."""
    rows = np.zeros((len(material.species), material.n_levels))
    for i, sl in enumerate(material.species_slices):
        rows[i, sl] = 1.0
    return rows


def _balanced(sub: RateSystem, n, base, residual, points, free) -> np.ndarray:
    """Whether every non-ground level's net rate is negligible against its gross flow."""
    gross = sub.subset(points).gross_rates(n[:, points], matrix=base[:, :, points])
    return (np.abs(residual[:, points]) <= _RESIDUAL_RTOL * gross + 1e-300)[free > 0].all(axis=0)


def relax(
    system: RateSystem,
    start: np.ndarray,
    *,
    dt_start_s: float = DT_START_S,
    enforce_positive: bool = True,
    rtol: float = 1e-10,
    max_iter: int = 300,
) -> tuple[np.ndarray, np.ndarray]:
    """Relax every point from ``start`` (levels, points) to a steady state; returns (populations, converged)."""
    material = system.material
    ground = material.ground_indices
    rows = conservation_rows(material)
    free = np.ones(material.n_levels)
    free[ground] = 0.0
    diag = np.arange(material.n_levels)

    n = np.array(start, dtype=float, copy=True)
    dt = np.full(system.size, float(dt_start_s))
    growth = np.full(system.size, _DT_GROWTH)
    last_change = np.full(system.size, np.inf)
    done = np.zeros(system.size, dtype=bool)
    active = np.arange(system.size)
    sub, base = system, system.matrix()
    # A diverging trial step may overflow; it is refused below, so numpy need not warn.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(max_iter):
            if active.size == 0:
                break
            na, dta = n[:, active], dt[active]
            matrix = -sub.jacobian(na, matrix=base)
            matrix[diag, diag] += free[:, None] / dta
            matrix[ground] = rows[:, :, None]
            residual = sub.rhs(na, matrix=base)
            residual[ground] = 1.0 - rows @ na
            delta = solve(matrix, residual)
            new = na + delta
            ok = np.isfinite(new).all(axis=0)
            if enforce_positive:
                ok &= new.min(axis=0) >= -_NEGATIVE_TOLERANCE
                new = np.maximum(new, 0.0)
            change = (np.abs(delta) / (np.abs(new) + _ATOL / rtol)).max(axis=0)
            converged = ok & (change <= rtol) & (dta >= _DT_CONVERGED_S)
            stalled = np.flatnonzero(ok & ~converged & (dta >= _DT_CONVERGED_S) & (change > 0.5 * last_change[active]))
            last_change[active] = np.where(ok, change, np.inf)
            if stalled.size:
                converged[stalled] = _balanced(sub, na, base, residual, stalled, free)

            n[:, active[ok]] = new[:, ok]
            ga = growth[active]
            ga = np.where(ok, np.minimum(ga * 1.5, _DT_GROWTH), _DT_GROWTH_CAUTIOUS)
            growth[active] = ga
            step_up = np.where(change < 1e-3, _DT_GROWTH_SETTLED, ga)
            dt[active] = np.where(ok, np.minimum(dta * step_up, NEWTON), dta * _DT_REFUSED)
            done[active[converged]] = True
            if converged.any():
                active = active[~converged]
                sub = system.subset(active)
                base = base[:, :, ~converged]
    return n, done
