"""Steady-state emission against pump intensity, tabulated once and interpolated everywhere.

An image asks for the emission of the same few particles at tens of thousands
of intensities.  The curve is solved on a log grid and interpolated with cubic
Hermite splines in log-log space whose derivatives are the exact local slopes,
so the interpolation error stays far below shot noise even across a threshold
where the slope jumps from 2 to 50.  Below the grid the emission follows the
power law of its lowest node; zero intensity gives zero emission.

:meth:`EmissionCurve.cached` keeps each particle kind's curve between calls
(on a grid anchored at 1 kW/cm^2, extended when a call reaches beyond it), so
images of the same particles at other intensities or of other fields of the
same shells re-solve nothing: an image then costs what its pixels cost.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicHermiteSpline

from .material import Material
from .steady_state import steady_state

_POINTS_PER_DECADE = 60
#: The cached curves' grid is twice as fine: solved once, it is reused, and the interpolation error near
#: a threshold (a few % at 60 per decade where the slope jumps) falls ~16-fold.
_CACHED_POINTS_PER_DECADE = 120
_CACHED_KINDS = 4096  # kinds kept by EmissionCurve.cached (least recently used dropped first): ~30 MB at most
_cache: OrderedDict = OrderedDict()  # (material, temperature, band, shell, darkness) -> (first node, log_e, slope)
_cache_lock = threading.Lock()


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

    @classmethod
    def cached(
        cls,
        material: Material,
        min_intensity_kw_cm2: float,
        max_intensity_kw_cm2: float,
        *,
        temperature_k: float = 300.0,
        shell_nm=None,
        darkness=0.0,
        band: str | None = None,
    ) -> EmissionCurve:
        """As :meth:`compute`, from curves kept per particle kind; only kinds or ranges not seen before are solved.

        The grid's nodes are multiples of one step in log intensity (``_CACHED_POINTS_PER_DECADE`` per decade), so
        a kind's curve extended to a wider range keeps its nodes, and the curve returned covers at least
        the range asked for.
        """
        shell = np.atleast_1d(material.shell_nm if shell_nm is None else np.asarray(shell_nm, dtype=float))
        dark = np.atleast_1d(np.asarray(darkness, dtype=float))
        shell, dark = np.broadcast_arrays(shell, dark)
        step = np.log(10.0) / _CACHED_POINTS_PER_DECADE
        first = int(np.floor(np.log(min_intensity_kw_cm2) / step))
        last = max(int(np.ceil(np.log(max(max_intensity_kw_cm2, min_intensity_kw_cm2 * 1.001)) / step)), first + 3)
        keys = [(material, float(temperature_k), band, float(s), float(d)) for s, d in zip(shell, dark)]
        with _cache_lock:
            entries = [_cache.get(key) for key in keys]
            missing = [k for k, entry in enumerate(entries)
                       if entry is None or entry[0] > first or entry[0] + len(entry[1]) - 1 < last]
            if missing:
                # One batched solve for every kind missing, over the union of what it had and what is asked,
                # with half a decade to spare each side: the next image at a nearby intensity then hits.
                spare = _CACHED_POINTS_PER_DECADE // 2
                lo = min([first - spare] + [entries[k][0] for k in missing if entries[k] is not None])
                hi = max([last + spare] + [entries[k][0] + len(entries[k][1]) - 1 for k in missing
                                           if entries[k] is not None])
                log_i = np.arange(lo, hi + 1) * step
                ss = steady_state(material, np.exp(log_i)[:, None], temperature_k, shell_nm=shell[None, missing],
                                  darkness=dark[None, missing])
                log_e, slope = np.log(ss.emission(band)), ss.slope(band)
                for column, k in enumerate(missing):
                    entries[k] = (lo, log_e[:, column].copy(), slope[:, column].copy())
                    _cache[keys[k]] = entries[k]
            for key in keys:
                _cache.move_to_end(key)
            while len(_cache) > _CACHED_KINDS:
                _cache.popitem(last=False)
        rows = [slice(first - entry[0], last - entry[0] + 1) for entry in entries]
        return cls(log_i=np.arange(first, last + 1) * step,
                   log_e=np.stack([entry[1][r] for entry, r in zip(entries, rows)], axis=1),
                   slope=np.stack([entry[2][r] for entry, r in zip(entries, rows)], axis=1))

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
