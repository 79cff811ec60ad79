"""Particles close to their steady state, advanced without integrating the stiff rate equations.

A particle that has settled under a pump that only wanders by the laser's
own noise (a few 1e-4 from gate to gate) sits within a small fraction of its
steady state; over a counting gate it relaxes the rest of the way along the
linearised equations.  Integrating the full nonlinear, stiff system (BDF,
milliseconds per gate) only reproduces that.  Here instead:

* two Newton steps (one row per species replaced by its conservation law, as
  in :mod:`.pseudo_transient`) find the steady state ``s`` the particle is
  heading to, and how far it is from it, ``d = n - s``;
* within ``LINEAR_RTOL`` of every population (the linear regime), the state
  after the step is ``s + exp(J t) d`` and the photons emitted
  ``w.s t + w.(integral of exp(J u) d over the step)``, both read off one
  matrix exponential of the augmented matrix [[J t, d t], [0, 0]] (Van Loan).

The error of the linearisation is second order in the relative deviation:
with every population within 3e-3 of its steady value it is ~1e-5 of the
emission, a hundredth of the shot noise of the brightest gate a SPAD counts
(1e6 counts, relative noise 1e-3).  Further away (a pump step, a temperature
change, near threshold where critical slowing down keeps the particle far
from its steady state for seconds) or at a fold, where the Jacobian is
singular, the particle is integrated as before.

Everything here is a pure function of the populations and the conditions,
so nothing needs checkpointing: a resumed run decides as the uninterrupted
one did.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.linalg import expm

from .batched_linear_algebra import solve
from .compiled_stepper import _lu, _lu_solve
from .pseudo_transient import conservation_rows
from .rate_equations import RateSystem

#: Relative distance of every population from its steady value within which the linearised equations hold.
LINEAR_RTOL = 3e-3
#: Within this the particle is at its steady state for any purpose (time-binned counts use rate x bin).
SETTLED_RTOL = 1e-5
#: Absolute population floor (fraction of the species): levels this empty carry no emission or dynamics.
POPULATION_ATOL = 1e-12


@njit(cache=True)
def _newton_kernel(linear, pump, flux, pair_a, pair_b, coefficient, change, rows, ground, n, out):
    """:func:`_newton_step_numpy` point by point in machine code (into ``out``); raises on a zero pivot."""
    size, points = n.shape
    jac = np.empty((size, size))
    x = np.empty(size)
    pivot = np.empty(size, dtype=np.int64)
    for p in range(points):
        for i in range(size):
            total = 0.0
            for j in range(size):
                m = linear[i, j, p] + flux[p] * pump[i, j, p]
                jac[i, j] = -m
                total += m * n[j, p]
            x[i] = total
        for k in range(pair_a.shape[0]):
            a, b = pair_a[k], pair_b[k]
            c = coefficient[k, p]
            rate = c * n[a, p] * n[b, p]
            for i in range(size):
                x[i] += change[k, i] * rate
                jac[i, a] -= change[k, i] * c * n[b, p]
                jac[i, b] -= change[k, i] * c * n[a, p]
        for g in range(ground.shape[0]):
            row = ground[g]
            total = 0.0
            for j in range(size):
                jac[row, j] = rows[g, j]
                total += rows[g, j] * n[j, p]
            x[row] = 1.0 - total
        _lu(jac, pivot)
        _lu_solve(jac, pivot, x)
        for i in range(size):
            out[i, p] = x[i]


def newton_step(system: RateSystem, n: np.ndarray) -> np.ndarray:
    """The Newton step towards the steady state from ``n`` (levels, points); NaN where J is singular.

    Compiled: at a counting gate's batch of a few particles, the numpy version's
    dozen small-array calls cost ~50 times the arithmetic.  A matrix with an
    exactly zero pivot (a fold) takes the numpy path, which marks it NaN.
    """
    material = system.material
    n = np.ascontiguousarray(n, dtype=float)
    out = np.empty(n.shape)
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            _newton_kernel(system.linear, system.pump, np.ascontiguousarray(system.flux, dtype=float),
                           system.pair_a.astype(np.int64), system.pair_b.astype(np.int64),
                           np.ascontiguousarray(system.pair_coefficient, dtype=float),
                           np.ascontiguousarray(system.pair_change, dtype=float), _conservation(material),
                           np.asarray(material.ground_indices, dtype=np.int64), n, out)
    except ZeroDivisionError:
        return _newton_step_numpy(system, n)
    return out


def _conservation(material) -> np.ndarray:
    rows = _CONSERVATION.get(id(material))
    if rows is None or rows[0] is not material:
        rows = _CONSERVATION[id(material)] = (material, np.ascontiguousarray(conservation_rows(material)))
    return rows[1]


_CONSERVATION: dict[int, tuple] = {}  # conservation rows per material (they never change)


def _newton_step_numpy(system: RateSystem, n: np.ndarray) -> np.ndarray:
    material = system.material
    ground = material.ground_indices
    matrix = system.matrix()
    residual = system.rhs(n, matrix=matrix)
    jac = -system.jacobian(n, matrix=matrix)
    rows = conservation_rows(material)
    jac[ground] = rows[:, :, None]
    residual[ground] = 1.0 - rows @ n
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return solve(jac, residual)


def steady_nearby(system: RateSystem, n: np.ndarray, *, rtol: float = LINEAR_RTOL,
                  atol: float = POPULATION_ATOL) -> tuple[np.ndarray, np.ndarray]:
    """Points within ``rtol`` (+ ``atol``) of a steady state, and that steady state (levels, points).

    Two Newton steps: the first measures the distance, the second checks the
    iteration converges (its step far smaller than the first), which it does
    only in the linear regime around a regular fixed point.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        first = newton_step(system, n)
        near = np.isfinite(first).all(axis=0) & (np.abs(first) <= rtol * np.abs(n) + atol).all(axis=0)
        steady = np.where(near[None, :], n + first, n)
        second = newton_step(system, steady)
        near &= np.isfinite(second).all(axis=0)
        near &= (np.abs(second) <= 1e-2 * np.abs(first) + atol).all(axis=0)
    return near, np.maximum(np.where(near[None, :], steady + np.nan_to_num(second), n), 0.0)


def advance_linear(
    system: RateSystem, n: np.ndarray, duration_s: float, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Advance the points that are near their steady state along the linearised equations.

    ``n`` is (levels, points), ``weights`` (bands, levels).  Returns
    ``(done, n_after, photons)``: which points were advanced, their
    populations after ``duration_s`` (levels, points; others unchanged) and
    the photons per band they emitted, shape (bands, points; zero for the
    others).
    """
    near, steady = steady_nearby(system, n)
    n_after = n.copy()
    photons = np.zeros((weights.shape[0], n.shape[1]))
    size = n.shape[0]
    jac = system.jacobian(steady)
    for p in np.flatnonzero(near):
        d = n[:, p] - steady[:, p]
        augmented = np.zeros((size + 1, size + 1))
        augmented[:size, :size] = jac[:, :, p] * duration_s
        augmented[:size, size] = d * duration_s
        # scipy's expm per matrix: for these few tiny matrices a loop beats its batched path.
        exponential = expm(augmented)
        remaining = exponential[:size, :size] @ d
        if not (np.isfinite(remaining).all() and np.abs(remaining).max() <= np.abs(d).max() * 1.01 + POPULATION_ATOL):
            near[p] = False  # growing: not a stable fixed point, integrate instead
            continue
        n_after[:, p] = np.maximum(steady[:, p] + remaining, 0.0)
        photons[:, p] = weights @ (steady[:, p] * duration_s + exponential[:size, size])
    return near, n_after, photons
