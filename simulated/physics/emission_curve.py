"""Steady-state emission against pump intensity, tabulated once and interpolated everywhere.

An image asks for the emission of the same few particles at tens of thousands
of intensities.  The curve is solved on a log grid and interpolated with cubic
Hermite splines in log-log space whose derivatives are the exact local slopes,
so the interpolation error stays far below shot noise even across a threshold
where the slope jumps from 2 to 50.  Below the grid the emission follows the
power law of its lowest node; zero intensity gives zero emission.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicHermiteSpline

from .material import Material
from .steady_state import steady_state

_POINTS_PER_DECADE = 60


@dataclass(frozen=True)
class EmissionCurve:
    """Emission (photons/s per particle) of several particle kinds on a shared log-intensity grid."""

    log_i: np.ndarray
    log_e: np.ndarray  # (grid, kinds)
    slope: np.ndarray  # (grid, kinds)

    @classmethod
    def compute(
        cls,
        material: Material,
        min_intensity_kw_cm2: float,
        max_intensity_kw_cm2: float,
        *,
        temperature_k: float = 300.0,
        shell_nm=None,
        darkness=0.0,
        band: str | None = None,
        points_per_decade: int = _POINTS_PER_DECADE,
    ) -> EmissionCurve:
        """Tabulate emission for each (shell_nm, darkness) pair between the two intensities."""
        shell = np.atleast_1d(material.shell_nm if shell_nm is None else np.asarray(shell_nm, dtype=float))
        dark = np.atleast_1d(np.asarray(darkness, dtype=float))
        shell, dark = np.broadcast_arrays(shell, dark)
        lo, hi = np.log(min_intensity_kw_cm2), np.log(max(max_intensity_kw_cm2, min_intensity_kw_cm2 * 1.001))
        count = max(4, int(np.ceil(points_per_decade * (hi - lo) / np.log(10))) + 1)
        log_i = np.linspace(lo, hi, count)
        ss = steady_state(material, np.exp(log_i)[:, None], temperature_k, shell_nm=shell[None, :],
                          darkness=dark[None, :])
        emission = ss.emission(band)
        return cls(log_i=log_i, log_e=np.log(emission), slope=ss.slope(band))

    @property
    def kinds(self) -> int:
        return self.log_e.shape[1]

    def spline(self, kind: int) -> CubicHermiteSpline:
        return CubicHermiteSpline(self.log_i, self.log_e[:, kind], self.slope[:, kind], extrapolate=False)

    def evaluate(self, intensity_kw_cm2, kind: int, spline: CubicHermiteSpline | None = None) -> np.ndarray:
        """Emission of particle kind ``kind`` at the given intensities."""
        intensity = np.asarray(intensity_kw_cm2, dtype=float)
        spline = spline or self.spline(kind)
        out = np.zeros(intensity.shape)
        positive = intensity > 0
        log_i = np.log(intensity[positive])
        below = log_i < self.log_i[0]
        log_e = np.empty(log_i.shape)
        log_e[~below] = spline(np.minimum(log_i[~below], self.log_i[-1]))
        log_e[below] = self.log_e[0, kind] + self.slope[0, kind] * (log_i[below] - self.log_i[0])
        out[positive] = np.exp(log_e)
        return out
