"""One particle through a long sequence of pixel dwells, compiled.

A hardware-timed raster steps each particle through tens of thousands of
samples one after another; in numpy that is a Python loop per sample.  This
numba kernel runs the same ROS2 step as :mod:`.stepper` (second order,
L-stable, analytic Jacobian) sample by sample in machine code, attributes the
photons emitted in each sample to that sample (afterglow included), and
crosses long dark stretches in a few large steps.

Within a sample the step size is controlled by ROS2's embedded first-order
solution (n + h k1): steps shrink while the avalanche builds and grow once it
has settled, so a one-second pixel costs little more than a millisecond one.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .rate_equations import RateSystem
from .stepper import MAX_SUBSTEP_S

_GAMMA = 1.0 + 1.0 / math.sqrt(2.0)


@njit(cache=True)
def _rhs(matrix, pair_a, pair_b, coefficient, change, n, out):
    size = n.shape[0]
    for i in range(size):
        total = 0.0
        for j in range(size):
            total += matrix[i, j] * n[j]
        out[i] = total
    for k in range(pair_a.shape[0]):
        rate = coefficient[k] * n[pair_a[k]] * n[pair_b[k]]
        for i in range(size):
            out[i] += rate * change[k, i]


@njit(cache=True)
def _jacobian(matrix, pair_a, pair_b, coefficient, change, n, out):
    size = n.shape[0]
    for i in range(size):
        for j in range(size):
            out[i, j] = matrix[i, j]
    for k in range(pair_a.shape[0]):
        a, b = pair_a[k], pair_b[k]
        for i in range(size):
            out[i, a] += change[k, i] * coefficient[k] * n[b]
            out[i, b] += change[k, i] * coefficient[k] * n[a]


def one_point_equations(system: RateSystem, flux: float):
    """``(rhs, jacobian)`` of the first point of ``system`` at ``flux``, compiled, as f(n) of a 1-d state.

    For an implicit solver integrating one particle: it calls both hundreds of
    times per step sequence, and numpy's per-call overhead on a 4-level state
    is most of their cost.
    """
    matrix = np.ascontiguousarray(system.linear[:, :, 0] + flux * system.pump[:, :, 0])
    pair_a, pair_b = system.pair_a.astype(np.int64), system.pair_b.astype(np.int64)
    coefficient = np.ascontiguousarray(system.pair_coefficient[:, 0], dtype=float)
    change = np.ascontiguousarray(system.pair_change, dtype=float)
    size = matrix.shape[0]

    def rhs(n):
        out = np.empty(size)
        _rhs(matrix, pair_a, pair_b, coefficient, change, np.ascontiguousarray(n, dtype=float), out)
        return out

    def jacobian(n):
        out = np.empty((size, size))
        _jacobian(matrix, pair_a, pair_b, coefficient, change, np.ascontiguousarray(n, dtype=float), out)
        return out

    return rhs, jacobian


@njit(cache=True)
def _lu(a, pivot):
    size = a.shape[0]
    for k in range(size):
        p = k
        for i in range(k + 1, size):
            if abs(a[i, k]) > abs(a[p, k]):
                p = i
        pivot[k] = p
        if p != k:
            for j in range(size):
                a[k, j], a[p, j] = a[p, j], a[k, j]
        for i in range(k + 1, size):
            a[i, k] /= a[k, k]
            for j in range(k + 1, size):
                a[i, j] -= a[i, k] * a[k, j]


@njit(cache=True)
def _lu_solve(a, pivot, b):
    size = a.shape[0]
    for k in range(size):
        p = pivot[k]
        if p != k:
            b[k], b[p] = b[p], b[k]
    for i in range(size):
        for j in range(i):
            b[i] -= a[i, j] * b[j]
    for i in range(size - 1, -1, -1):
        for j in range(i + 1, size):
            b[i] -= a[i, j] * b[j]
        b[i] /= a[i, i]


@njit(cache=True)
def _ros2_step(matrix, pair_a, pair_b, coefficient, change, n, h, new, lhs, pivot, k1, k2, trial):
    """One ROS2 step of ``h`` from ``n`` into ``new``; returns the local error estimate (relative)."""
    size = n.shape[0]
    for i in range(size):
        for j in range(size):
            lhs[i, j] = -_GAMMA * h * matrix[i, j]
        lhs[i, i] += 1.0
    for k in range(pair_a.shape[0]):
        a, c = pair_a[k], pair_b[k]
        for i in range(size):
            lhs[i, a] -= _GAMMA * h * coefficient[k] * change[k, i] * n[c]
            lhs[i, c] -= _GAMMA * h * coefficient[k] * change[k, i] * n[a]
    _lu(lhs, pivot)
    _rhs(matrix, pair_a, pair_b, coefficient, change, n, k1)
    _lu_solve(lhs, pivot, k1)
    for i in range(size):
        trial[i] = n[i] + h * k1[i]
    _rhs(matrix, pair_a, pair_b, coefficient, change, trial, k2)
    for i in range(size):
        k2[i] -= 2.0 * k1[i]
    _lu_solve(lhs, pivot, k2)
    error = 0.0
    for i in range(size):
        new[i] = max(n[i] + h * (1.5 * k1[i] + 0.5 * k2[i]), 0.0)
        # Difference to the embedded first-order solution n + h k1.
        local = abs(0.5 * h * (k1[i] + k2[i])) / (3e-3 * max(abs(new[i]), abs(n[i])) + 1e-9)
        if local > error:
            error = local
    return error


@njit(cache=True)
def _take_step(weights, n, new, h, photons):
    """Accept a step from ``n`` to ``new`` of length ``h``: photons per band by the trapezoidal rule, then n = new."""
    for b in range(weights.shape[0]):
        rate0 = 0.0
        rate1 = 0.0
        for i in range(n.shape[0]):
            rate0 += weights[b, i] * n[i]
            rate1 += weights[b, i] * new[i]
        photons[b] += 0.5 * h * (rate0 + rate1)
    for i in range(n.shape[0]):
        n[i] = new[i]


@njit(cache=True)
def _ros2(linear, pump, pair_a, pair_b, coefficient, change, weights, n, flux, duration, max_substep, photons,
          step):
    """Advance ``n`` in place through ``duration`` with adaptive ROS2 steps of at most ``max_substep``.

    Emitted photons per band are added to ``photons`` (trapezoidal rule).
    ``step[0]`` carries the step size from one call to the next.
    """
    size = n.shape[0]
    matrix = linear + flux * pump
    lhs = np.empty((size, size))
    pivot = np.empty(size, dtype=np.int64)
    k1 = np.empty(size)
    k2 = np.empty(size)
    trial = np.empty(size)
    new = np.empty(size)
    t = 0.0
    h = min(step[0], max_substep)
    while t < duration * (1.0 - 1e-12):
        h = min(h, duration - t)
        error = _ros2_step(matrix, pair_a, pair_b, coefficient, change, n, h, new, lhs, pivot, k1, k2, trial)
        if error > 1.0 and h > 1e-9:
            h *= max(0.2, 0.9 / math.sqrt(error))
            continue
        _take_step(weights, n, new, h, photons)
        t += h
        growth = 5.0 if error < 1e-4 else min(5.0, 0.9 / math.sqrt(error))
        h = min(h * max(growth, 0.2), max_substep)
        step[0] = h


@njit(cache=True)
def _fixed(linear, pump, pair_a, pair_b, coefficient, change, weights, n, flux, h, substeps, photons):
    """``substeps`` ROS2 steps of exactly ``h`` from ``n`` (in place): :func:`.stepper.advance` for one point."""
    size = n.shape[0]
    matrix = linear + flux * pump
    lhs = np.empty((size, size))
    pivot = np.empty(size, dtype=np.int64)
    k1 = np.empty(size)
    k2 = np.empty(size)
    trial = np.empty(size)
    new = np.empty(size)
    for _ in range(substeps):
        _ros2_step(matrix, pair_a, pair_b, coefficient, change, n, h, new, lhs, pivot, k1, k2, trial)
        _take_step(weights, n, new, h, photons)


def advance_fixed(
    system: RateSystem,
    n: np.ndarray,
    duration_s: float,
    flux: np.ndarray,
    weights: np.ndarray,
    *,
    max_substep_s: float = MAX_SUBSTEP_S,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`.stepper.advance` compiled, for a short step of every particle of ``system`` at constant ``flux``.

    The same scheme (equal substeps of at most ``max_substep_s``, no error
    control, trapezoidal photons), so the same numbers to rounding, at a
    fraction of the cost: a counting gate on a particle still settling takes
    tens of substeps, each of which costs numpy a dozen small-array calls.
    Returns the new populations (levels, points) and photons per band per
    point (bands, points).
    """
    n_out = np.array(n, dtype=float, copy=True)
    photons = np.zeros((weights.shape[0], n_out.shape[1]))
    if duration_s <= 0:
        return n_out, photons
    substeps = max(1, math.ceil(duration_s / max_substep_s))
    weights = np.ascontiguousarray(weights, dtype=float)
    pair_a, pair_b = system.pair_a.astype(np.int64), system.pair_b.astype(np.int64)
    change = np.ascontiguousarray(system.pair_change, dtype=float)
    for p in range(n_out.shape[1]):
        state = np.ascontiguousarray(n_out[:, p])
        emitted = np.zeros(weights.shape[0])
        _fixed(np.ascontiguousarray(system.linear[:, :, p]), np.ascontiguousarray(system.pump[:, :, p]),
               pair_a, pair_b, np.ascontiguousarray(system.pair_coefficient[:, p]), change, weights, state,
               float(flux[p]), duration_s / substeps, substeps, emitted)
        n_out[:, p] = state
        photons[:, p] = emitted
    return n_out, photons


@njit(cache=True)
def _sequence(linear, pump, pair_a, pair_b, coefficient, change, weights, n, flux, dwell, max_substep,
              dark_substep, afterglow, photons):
    samples = flux.shape[0]
    bands = weights.shape[0]
    scratch = np.zeros(bands)
    step = np.array([min(dwell, max_substep)])
    since_lit = afterglow + 1
    k = 0
    while k < samples:
        if flux[k] > 0.0:
            since_lit = 0
        if since_lit <= afterglow:
            for b in range(bands):
                scratch[b] = 0.0
            if k > 0 and abs(flux[k] - flux[k - 1]) > 0.1 * max(flux[k], flux[k - 1]):
                step[0] = min(step[0], 0.1 * dwell)  # a clearly new intensity: start carefully
            _ros2(linear, pump, pair_a, pair_b, coefficient, change, weights, n, flux[k], dwell, max_substep,
                  scratch, step)
            for b in range(bands):
                photons[b, k] += scratch[b]
            since_lit += 1
            k += 1
            continue
        # A dark stretch: cross it in one go, photons to its first sample (they are negligible by now).
        end = k
        while end < samples and flux[end] == 0.0:
            end += 1
        duration = (end - k) * dwell
        for b in range(bands):
            scratch[b] = 0.0
        step[0] = min(step[0], 0.1 * dwell)
        _ros2(linear, pump, pair_a, pair_b, coefficient, change, weights, n, 0.0, duration, dark_substep, scratch,
              step)
        step[0] = min(step[0], 0.1 * dwell)
        for b in range(bands):
            photons[b, k] += scratch[b]
        k = end


def step_through_samples(
    system: RateSystem,
    n: np.ndarray,
    flux: np.ndarray,
    dwell_s: float,
    weights: np.ndarray,
    *,
    max_substep_s: float = 0.05,
    dark_substep_s: float = 0.05,
    afterglow_s: float = 0.01,
) -> tuple[np.ndarray, np.ndarray]:
    """Step every particle of ``system`` through its own flux sequence.

    ``n`` is (levels, particles); ``flux`` (samples, particles) photons/cm^2/s;
    ``weights`` (bands, levels).  Returns final populations and photons per
    band per sample summed over particles, shape (bands, samples).  Photons
    emitted within ``afterglow_s`` after a particle was last lit are
    attributed to the samples they fall in; later ones (the 3H4 lifetime is
    ~1.5 ms) to the first sample of the dark stretch.
    """
    afterglow_samples = max(1, int(math.ceil(afterglow_s / dwell_s)))
    n_out = np.array(n, dtype=float, copy=True)
    photons = np.zeros((weights.shape[0], flux.shape[0]))
    weights = np.ascontiguousarray(weights, dtype=float)
    for p in range(n_out.shape[1]):
        state = np.ascontiguousarray(n_out[:, p])
        _sequence(
            np.ascontiguousarray(system.linear[:, :, p]),
            np.ascontiguousarray(system.pump[:, :, p]),
            system.pair_a.astype(np.int64),
            system.pair_b.astype(np.int64),
            np.ascontiguousarray(system.pair_coefficient[:, p]),
            np.ascontiguousarray(system.pair_change),
            weights,
            state,
            np.ascontiguousarray(flux[:, p], dtype=float),
            float(dwell_s),
            float(max_substep_s),
            float(dark_substep_s),
            int(afterglow_samples),
            photons,
        )
        n_out[:, p] = state
    return n_out, photons
