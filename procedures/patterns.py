"""Target patterns for photopatterning: built-in shapes or an image / .npy file.

A pattern is a square array in [0, 1]: 1 is a full write dose (that spot
darkens), 0 none.  Images are read as luminance, bright = written.

Orientation: a pattern's row k is written at the k-th lowest y (x right, y
up, as every image of a run is stored and drawn).  An image file's first row
is its top, so image files are flipped on reading: what is top-left in the
user's picture is top-left on the film.  Arrays (.npy, or given by a script)
are taken as they are, row 0 at the bottom.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
from scipy.ndimage import zoom

from anplab.instruments.input_files import read_bytes
from anplab.instruments.yaml_lines import BenchFileError

BUILT_IN = ("cross", "checkerboard", "ring", "square")
#: Largest pattern file accepted, in pixels per side: checked from the file's header, before decoding.
MAX_SIDE = 4096

log = logging.getLogger(__name__)


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
    return read_pattern(source, pixels)[0]


def resampling_note(shape: tuple[int, ...] | None, pixels: int) -> str | None:
    """What resampling a pattern of ``shape`` to ``pixels`` per side does to it (None if nothing)."""
    if shape is None or tuple(shape[:2]) == (pixels, pixels):
        return None
    how = "coarsened" if max(shape[:2]) > pixels else "enlarged"
    return (f"pattern resampled from {shape[0]}x{shape[1]} to {pixels}x{pixels} pixels ({how}; set "
            f"pattern_pixels to keep it as drawn)")


def read_pattern(source, pixels: int) -> tuple[np.ndarray, tuple[int, int] | None]:
    """:func:`load_pattern` and the shape the pattern had before resampling (None for a built-in one).

    A resampled pattern is logged as a warning, since fine detail may be lost on the way.
    """
    if isinstance(source, np.ndarray):
        array, source = source, "array"
    elif source in BUILT_IN:
        return built_in_pattern(source, pixels), None
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
    note = resampling_note(array.shape, pixels)
    if note:
        log.warning("%s: %s", source, note)
    resized = zoom(array, (pixels / array.shape[0], pixels / array.shape[1]), order=1, grid_mode=True, mode="nearest")
    return np.clip(resized, 0.0, 1.0), tuple(int(n) for n in array.shape)


def _read(source: str) -> np.ndarray:
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"pattern {source!r} is neither a built-in pattern ({', '.join(BUILT_IN)}) "
                         "nor a readable file")
    try:
        content = read_bytes(path, "pattern file")
    except BenchFileError as error:
        raise ValueError(str(error)) from None
    try:
        if path.suffix.lower() == ".npy":
            return _npy(content, source)
        return _image(content, source)
    except ValueError:
        raise
    except Exception as error:
        raise ValueError(f"cannot read pattern file {source!r}: {error}") from None


def _check_size(shape, source: str) -> None:
    if len(shape) not in (2, 3) or max(shape[:2]) > MAX_SIDE:
        raise ValueError(f"pattern {source!r} is {'x'.join(map(str, shape))}: a pattern must be a 2-D image "
                         f"of at most {MAX_SIDE} x {MAX_SIDE} pixels")


def _npy(content: bytes, source: str) -> np.ndarray:
    handle = io.BytesIO(content)
    version = np.lib.format.read_magic(handle)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in read_header:
        raise ValueError(f"pattern {source!r}: .npy format {version[0]}.{version[1]} is not supported")
    shape, _, dtype = read_header[version](handle)  # the header alone, not the data
    _check_size(shape, source)
    if dtype.hasobject:
        raise ValueError(f"pattern {source!r} holds Python objects, not numbers")
    return np.load(io.BytesIO(content), allow_pickle=False)


def _image(content: bytes, source: str) -> np.ndarray:
    from PIL import Image

    try:
        opened = Image.open(io.BytesIO(content))  # reads the header; pixels are decoded on demand
    except Image.DecompressionBombError:
        raise ValueError(f"pattern {source!r} is far larger than {MAX_SIDE} x {MAX_SIDE} pixels: a pattern must be "
                         f"a 2-D image of at most {MAX_SIDE} x {MAX_SIDE} pixels") from None
    with opened as image:
        _check_size((image.height, image.width), source)
        # The file's first row is its top; a pattern's first row is its bottom (y up): flip.
        if image.mode in ("I", "I;16", "I;16B", "F"):  # deep greyscale: the values as they are
            return np.flipud(np.asarray(image, dtype=float))
        return np.flipud(np.asarray(image.convert("RGB"), dtype=float) / 255.0)  # luminance: by the caller
