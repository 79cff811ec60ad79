"""Solving many tiny linear systems at once.

``numpy.linalg.solve`` makes one LAPACK call per system, which for the rate
equations' 4-7 levels costs far more than the arithmetic, and it aborts the
whole batch when one matrix is singular.  Here Gaussian elimination runs
vectorised across the batch (levels first, points last, so every step is a
contiguous vector operation), without pivoting: the rate-equation matrices
are close to column-diagonally dominant, for which that is stable.  Each
answer is checked by its residual, and the few systems that fail the check
are solved again by LAPACK with pivoting; singular ones get NaN.
"""

from __future__ import annotations

import numpy as np

_RESIDUAL_TOLERANCE = 1e-9
_LAPACK_BELOW = 400  # for small batches the per-call overhead of LAPACK is the smaller cost


def solve(matrices: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve ``matrices[:, :, b] @ x[:, b] = rhs[:, b]`` for every point b.

    ``matrices`` has shape (levels, levels, points), ``rhs`` (levels, points).
    """
    if rhs.shape[1] < _LAPACK_BELOW:
        return _pivoted(matrices, rhs)
    n = rhs.shape[0]
    a = matrices.copy()
    x = rhs.astype(float, copy=True)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for k in range(n):
            inverse = 1.0 / a[k, k]
            for i in range(k + 1, n):
                factor = a[i, k] * inverse
                a[i, k + 1 :] -= factor * a[k, k + 1 :]
                x[i] -= factor * x[k]
        for k in range(n - 1, -1, -1):
            if k + 1 < n:
                x[k] -= (a[k, k + 1 :] * x[k + 1 :]).sum(axis=0)
            x[k] /= a[k, k]
        residual = -rhs
        scale = np.abs(rhs)
        for j in range(n):
            term = matrices[:, j] * x[j]
            residual = residual + term
            scale = scale + np.abs(term)
        bad = ~(np.abs(residual) <= _RESIDUAL_TOLERANCE * scale).all(axis=0)
    if bad.any():
        x[:, bad] = _pivoted(matrices[:, :, bad], rhs[:, bad])
    return x


def _pivoted(matrices: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    a = np.moveaxis(matrices, -1, 0)
    b = rhs.T
    try:
        return np.linalg.solve(a, b[:, :, None])[:, :, 0].T
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for i in range(len(b)):
            try:
                out[i] = np.linalg.solve(a[i], b[i])
            except np.linalg.LinAlgError:
                pass
        return out.T
