"""A photon-counting detector on the emission path: its band filter, efficiency, noise and shutter."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..physics.detection import Detection


@dataclass
class DetectorHead:
    """PMT or SPAD behind a band filter; a shutter in front protects it from overload."""

    name: str
    band: str
    detection: Detection
    damage_count_rate_s: float = 1e7
    seed: int = 0
    shutter_open: bool = True
    _rng: np.random.Generator = field(default=None, repr=False)

    def __post_init__(self):
        self._rng = np.random.default_rng(self.seed)

    def counts(self, photons: np.ndarray, widths_s: np.ndarray) -> np.ndarray:
        """Counts in each interval given the photons the sample emitted in the band during it."""
        widths = np.asarray(widths_s, dtype=float)
        emitted = np.asarray(photons, dtype=float) if self.shutter_open else np.zeros(widths.shape)
        if widths.size == 1:  # one gate (the common case): no grouping by width needed
            width = float(widths.reshape(-1)[0])
            rate = np.maximum(emitted.reshape(-1), 0.0) / width
            return self.detection.counts(rate, width, self._rng).reshape(widths.shape).astype(np.int64, copy=False)
        out = np.empty(widths.shape, dtype=np.int64)
        for width in np.unique(widths):
            same = widths == width
            rate = np.maximum(emitted[same], 0.0) / width
            out[same] = self.detection.counts(rate, width, self._rng)
        return out

    def count_rate(self, photons_per_s: float) -> float:
        """Expected measured count rate for an emission rate (photons/s) in the band."""
        return float(self.detection.count_rate(photons_per_s if self.shutter_open else 0.0))
