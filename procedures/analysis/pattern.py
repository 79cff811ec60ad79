"""Photopatterning: how well a read-out image reproduces the written pattern."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import zoom


@dataclass(frozen=True)
class PatternScore:
    fidelity: float  # correlation of the read-out darkening with the target
    contrast: float  # 1 - (mean emission where written) / (mean emission where not)

    def as_dict(self) -> dict:
        return {"fidelity": self.fidelity, "contrast": self.contrast}


def resample(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resample an image to ``shape`` by linear interpolation."""
    image = np.asarray(image, dtype=float)
    factors = (shape[0] / image.shape[0], shape[1] / image.shape[1])
    return zoom(image, factors, order=1, grid_mode=True, mode="nearest")


def score_pattern(readout: np.ndarray, target: np.ndarray) -> PatternScore:
    """Fidelity and contrast of a read-out image against the target (1 = written, dark).

    Written areas emit less, so the read-out's darkening ``-emission`` is
    correlated with the target (Pearson r).  Contrast compares the mean
    emission of written and unwritten pixels (target thresholded at 0.5).
    """
    target = np.asarray(target, dtype=float)
    read = resample(readout, target.shape)
    darkening = -read
    if np.std(darkening) == 0 or np.std(target) == 0:
        raise ValueError("fidelity is undefined for a flat image or a blank target")
    fidelity = float(np.corrcoef(darkening.ravel(), target.ravel())[0, 1])
    written = target >= 0.5
    if written.all() or (~written).all():
        contrast = float("nan")
    else:
        contrast = float(1.0 - read[written].mean() / read[~written].mean())
    return PatternScore(fidelity, contrast)
