"""Target patterns for photopatterning: built-in shapes or an image / .npy file.

A pattern is a square array in [0, 1]: 1 is a full write dose (that spot
darkens), 0 none.  Images are read as luminance, bright = written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.ndimage import zoom

BUILT_IN = ("cross", "checkerboard", "ring", "square")


def built_in_pattern(name: str, pixels: int) -> np.ndarray:
    n = pixels
    y, x = np.mgrid[0:n, 0:n] + 0.5
    c = n / 2
    if name == "cross":
        width = max(1, n // 5)
        return ((np.abs(x - c) < width / 2 + 0.01) | (np.abs(y - c) < width / 2 + 0.01)).astype(float)
    if name == "checkerboard":
        cell = max(1, n // 4)
        return ((x // cell + y // cell) % 2 == 0).astype(float)
    if name == "ring":
        r = np.hypot(x - c, y - c)
        return ((r > 0.25 * n) & (r < 0.42 * n)).astype(float)
    if name == "square":
        return ((np.abs(x - c) < n / 4) & (np.abs(y - c) < n / 4)).astype(float)
    raise ValueError(f"unknown pattern {name!r}; built-in patterns: {', '.join(BUILT_IN)}, or a file")


def load_pattern(source, pixels: int) -> np.ndarray:
    """A built-in pattern by name, a .npy / image file, or an array, resampled to ``pixels`` x ``pixels``."""
    if isinstance(source, np.ndarray):
        array, source = source, "array"
    elif source in BUILT_IN:
        return built_in_pattern(source, pixels)
    else:
        array = _read(source)
    array = np.asarray(array, dtype=float)
    if array.ndim == 3:  # colour image: luminance (alpha ignored)
        array = array[..., :3] @ np.array([0.2126, 0.7152, 0.0722])
    if array.ndim != 2 or min(array.shape) < 2 or not np.all(np.isfinite(array)):
        raise ValueError(f"pattern {source!r} must be a 2-D image of finite values")
    span = array.max() - array.min()
    if span == 0:
        raise ValueError(f"pattern {source!r} is blank")
    array = (array - array.min()) / span
    resized = zoom(array, (pixels / array.shape[0], pixels / array.shape[1]), order=1, grid_mode=True, mode="nearest")
    return np.clip(resized, 0.0, 1.0)


def _read(source: str) -> np.ndarray:
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"pattern {source!r} is neither a built-in pattern ({', '.join(BUILT_IN)}) "
                         "nor a readable file")
    try:
        if path.suffix.lower() == ".npy":
            return np.load(path, allow_pickle=False)
        import matplotlib.image

        return matplotlib.image.imread(path)
    except Exception as error:
        raise ValueError(f"cannot read pattern file {source!r}: {error}") from None
