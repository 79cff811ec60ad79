"""Time-dependent response of the rate equations to an arbitrary pump waveform.

The rate equations are stiff: 3H5 -> 3F4 relaxation runs at ~1e5 /s while the
avalanche at threshold evolves at ~1 /s.  They are integrated with scipy's
implicit solvers and the analytic Jacobian (LSODA for one particle; BDF with a
sparse block-diagonal Jacobian for a batch), restarting at every edge of the
waveform so steps never straddle a discontinuity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.integrate import BDF, solve_ivp
from scipy.sparse import csr_matrix

from .compiled_stepper import one_point_equations
from .conditions import Conditions, as_float_array
from .constants import photon_flux
from .errors import ModelInputError
from .material import Material
from .rate_equations import RateSystem
from .steady_state import steady_state

_ATOL = 1e-15
#: Batches up to this many unknowns get a dense Jacobian (see _solver_for).
_DENSE_UP_TO = 120


@dataclass(frozen=True)
class Transient:
    """Populations over time; arrays have the batch shape, then time, then levels."""

    material: Material
    time_s: np.ndarray
    populations: np.ndarray
    intensity_kw_cm2: np.ndarray

    def population(self, level: str) -> np.ndarray:
        return self.populations[..., self.material.index(level)]

    def emission(self, band: str | None = None) -> np.ndarray:
        """Emitted photons/s per particle in ``band`` at each time."""
        return self.populations @ self.material.band_weights(band)


def transient(
    material: Material,
    waveform,
    time_s,
    temperature_k=300.0,
    *,
    shell_nm=None,
    darkness=0.0,
    initial="dark",
    rtol: float = 1e-6,
) -> Transient:
    """Integrate from ``initial`` at ``time_s[0]`` under ``waveform`` (see :mod:`.pump_waveforms`).

    ``initial`` is ``"dark"`` (every ion in its ground level), ``"steady"``
    (the steady state at the waveform's starting intensity) or an array of
    populations.  The batch shape is the broadcast of the waveform's levels
    with ``temperature_k``, ``shell_nm`` and ``darkness``.
    """
    times = as_float_array("time_s", time_s)
    if times.ndim != 1 or times.size < 1 or np.any(np.diff(times) < 0):
        raise ModelInputError("time_s", "must be a non-empty, non-decreasing 1-D sequence of times")
    if not 0 < rtol < 0.1:
        raise ModelInputError("rtol", f"must be between 0 and 0.1 (got {rtol})")
    cond = Conditions.broadcast(material, waveform.peak, temperature_k, shell_nm, darkness)
    system = RateSystem(material, cond)
    n_levels, size = material.n_levels, cond.size

    def intensity(t: float) -> np.ndarray:
        return np.broadcast_to(waveform.intensity(t), cond.shape).ravel()

    y = _initial_state(material, initial, cond, intensity(times[0]), temperature_k, shell_nm, darkness).ravel()
    integrate = _integrator(system, size, n_levels, rtol)

    out = np.empty((times.size, size * n_levels))
    stop = times[-1]
    edges = [times[0], *waveform.breakpoints(times[0], stop), stop]
    for k, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        last = k == len(edges) - 2
        inside = (times >= a) & ((times <= b) if last else (times < b))
        if b > a:
            y_out, y = integrate(a, b, y, times[inside], intensity)
            out[inside] = y_out
        else:
            out[inside] = y
    populations = out.reshape(times.size, size, n_levels).transpose(1, 0, 2)
    shape = cond.shape
    intensities = np.stack([intensity(t) for t in times], axis=1)
    return Transient(
        material=material,
        time_s=times,
        populations=populations.reshape(*shape, times.size, n_levels),
        intensity_kw_cm2=intensities.reshape(*shape, times.size),
    )


def _initial_state(material, initial, cond, intensity0, temperature_k, shell_nm, darkness) -> np.ndarray:
    shape = (cond.size, material.n_levels)
    if isinstance(initial, str):
        if initial == "dark":
            return np.broadcast_to(material.dark_populations(), shape).copy()
        if initial == "steady":
            ss = steady_state(
                material,
                intensity0,
                cond.temperature_k,
                shell_nm=cond.shell_nm,
                darkness=cond.darkness,
            )
            return ss.populations.reshape(shape)
        raise ModelInputError("initial", f"must be 'dark', 'steady' or an array of populations (got {initial!r})")
    n = as_float_array("initial", initial)
    try:
        n = np.broadcast_to(n, cond.shape + (material.n_levels,)).reshape(shape).copy()
    except ValueError:
        raise ModelInputError("initial", f"populations need a last axis of {material.n_levels} levels") from None
    if n.min() < 0:
        raise ModelInputError("initial", "populations must be >= 0")
    for sl in material.species_slices:
        if not np.allclose(n[:, sl].sum(axis=1), 1.0, atol=1e-9):
            raise ModelInputError("initial", "each species' populations must sum to 1")
    return n


class _BDF(BDF):
    """scipy's BDF, letting go of its last LU factor as soon as the integration ends.

    A finished solver lives on in a reference cycle until the garbage collector
    finds it, which may be on another thread (the GUI's, while a queued run
    integrates on its worker).  scipy's SuperLU gives a factor's memory back
    only on the thread that made it, so a factor collected elsewhere leaks:
    a few MB per run in the bench window.  Freed here, it goes on its own thread.
    """

    def step(self):
        message = super().step()
        if self.status != "running":
            self.LU = None
        return message


def _solver_for(system: RateSystem, size: int, n_levels: int):
    """The implicit method for a batch of ``size`` points, and its Jacobian: f(n, flux= or matrix=).

    LSODA with a dense Jacobian for one point; BDF with a block-diagonal
    Jacobian (one ``n_levels`` square block per point) for a batch: dense for a
    few points, sparse beyond ``_DENSE_UP_TO`` unknowns.
    """
    if size == 1:
        return "LSODA", lambda n, **drive: system.jacobian(n, **drive)[:, :, 0]
    if size * n_levels <= _DENSE_UP_TO:
        # A few particles: a dense matrix of a few dozen rows is factored in microseconds, while every
        # sparse operation BDF does per step (I - c J, the LU) costs tens of microseconds of overhead.
        rows, cols = _block_diagonal_entries(size, n_levels)

        def dense_jacobian_of(n, **drive):
            jac = np.zeros((size * n_levels, size * n_levels))
            jac[rows, cols] = np.moveaxis(system.jacobian(n, **drive), -1, 0).ravel()
            return jac

        return _BDF, dense_jacobian_of
    indices, indptr = _block_diagonal_pattern(size, n_levels)

    def jacobian_of(n, **drive):
        data = np.moveaxis(system.jacobian(n, **drive), -1, 0).ravel()
        return csr_matrix((data, indices, indptr), shape=(size * n_levels, size * n_levels))

    return _BDF, jacobian_of


@lru_cache(maxsize=64)
def _block_diagonal_entries(size: int, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of every entry of ``size`` dense ``n_levels`` blocks on the diagonal, point-major."""
    point, row, col = np.meshgrid(np.arange(size), np.arange(n_levels), np.arange(n_levels), indexing="ij")
    rows, cols = (point * n_levels + row).ravel(), (point * n_levels + col).ravel()
    rows.setflags(write=False)
    cols.setflags(write=False)
    return rows, cols


@lru_cache(maxsize=64)
def _block_diagonal_pattern(size: int, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR column indices and row pointers of ``size`` dense ``n_levels`` blocks on the diagonal.

    The same few batch sizes come back gate after gate; the pattern is built once per size.
    """
    indices = (np.arange(size)[:, None, None] * n_levels + np.arange(n_levels)[None, None, :]).repeat(
        n_levels, axis=1
    ).ravel()
    indptr = np.arange(0, size * n_levels * n_levels + 1, n_levels)
    indices.setflags(write=False)
    indptr.setflags(write=False)
    return indices, indptr


def _integrator(system: RateSystem, size: int, n_levels: int, rtol: float):
    """A function integrating one smooth segment: (a, b, y, t_out, intensity) -> (y at t_out, y at b).

    The state vector is points-major (point 0's levels, then point 1's ...),
    so the Jacobian of a batch is block diagonal.
    """
    wavelength = system.material.pump_wavelength_nm
    method, jacobian_of = _solver_for(system, size, n_levels)

    def integrate(a, b, y, t_out, intensity):
        end = np.nextafter(b, a)

        def flux_at(t):
            return photon_flux(intensity(min(max(t, a), end)), wavelength)

        def fun(t, yy):
            return system.rhs(yy.reshape(size, n_levels).T, flux_at(t)).T.ravel()

        def jac(t, yy):
            return jacobian_of(yy.reshape(size, n_levels).T, flux=flux_at(t))

        # t_eval must be strictly increasing: repeated output times are filled in afterwards.
        unique, inverse = np.unique(t_out, return_inverse=True)
        ends_at_b = unique.size and unique[-1] == b
        t_eval = unique if ends_at_b else np.concatenate([unique, [b]])
        sol = solve_ivp(fun, (a, b), y, method=method, jac=jac, t_eval=t_eval, rtol=rtol, atol=_ATOL)
        if not sol.success:
            raise RuntimeError(f"transient integration failed between {a:g} s and {b:g} s: {sol.message}")
        return sol.y[:, inverse.ravel()].T, sol.y[:, -1]

    return integrate


def evolve(
    system: RateSystem,
    n: np.ndarray,
    duration_s: float,
    flux: np.ndarray,
    weights: np.ndarray,
    edges_s: np.ndarray | None = None,
    *,
    rtol: float = 1e-6,
) -> tuple[np.ndarray, np.ndarray]:
    """Evolve populations ``n`` (levels, points) for ``duration_s`` at constant ``flux``; count photons.

    ``weights`` (bands, levels) turns populations into photons/s per band,
    summed over the points.  Returns the final populations and the photons
    emitted in each band between consecutive ``edges_s`` (default: the whole
    step), integrated with 4-point Gauss-Legendre quadrature over every
    solver step on the dense output.
    """
    n_levels, size = n.shape
    edges = np.array([0.0, duration_s]) if edges_s is None else np.asarray(edges_s, dtype=float)
    if duration_s <= 0:
        return n.copy(), np.zeros((weights.shape[0], len(edges) - 1))
    matrix = system.matrix(flux)
    method, jacobian_of = _solver_for(system, size, n_levels)
    if size == 1:  # one particle (a counting gate, a trace): compiled callbacks, the same equations
        rhs_of, jac_of = one_point_equations(system, float(np.asarray(flux).reshape(-1)[0]))

        def fun(t, yy):
            return rhs_of(yy)

        def jac(t, yy):
            return jac_of(yy)
    else:
        def fun(t, yy):
            return system.rhs(yy.reshape(size, n_levels).T, matrix=matrix).T.ravel()

        def jac(t, yy):
            return jacobian_of(yy.reshape(size, n_levels).T, matrix=matrix)

    sol = solve_ivp(fun, (0.0, duration_s), n.T.ravel(), method=method, jac=jac, rtol=rtol, atol=_ATOL,
                    dense_output=True)
    if not sol.success:
        raise RuntimeError(f"integration failed over {duration_s:g} s: {sol.message}")
    breaks = np.union1d(sol.t, np.clip(edges, 0.0, duration_s))
    nodes, node_weights = np.polynomial.legendre.leggauss(4)
    left, right = breaks[:-1], breaks[1:]
    half = 0.5 * (right - left)
    times = (0.5 * (right + left))[:, None] + half[:, None] * nodes[None, :]
    states = sol.sol(times.ravel()).reshape(size, n_levels, -1).sum(axis=0)  # summed over points
    rates = (weights @ states).reshape(weights.shape[0], *times.shape)
    per_piece = (rates * node_weights[None, None, :]).sum(axis=2) * half[None, :]
    cumulative = np.concatenate([np.zeros((weights.shape[0], 1)), np.cumsum(per_piece, axis=1)], axis=1)
    at_edges = np.array([np.interp(edges, breaks, row) for row in cumulative])
    final = np.maximum(sol.y[:, -1].reshape(size, n_levels).T, 0.0)
    return final, np.diff(at_edges, axis=1)
