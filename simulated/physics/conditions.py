"""Validated, broadcast conditions (pump intensity, temperature, shell, darkness) for a batch of points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import ModelInputError
from .material import MAX_SHELL_NM

if TYPE_CHECKING:
    from .material import Material


def as_float_array(parameter: str, value) -> np.ndarray:
    """Convert user input to a float array, or raise an error that names the parameter."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ModelInputError(parameter, f"expected a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(array)):
        raise ModelInputError(parameter, "must be finite (got NaN or infinity)")
    return array


def check_range(parameter: str, array: np.ndarray, low: float, high: float, unit: str) -> None:
    if array.size and (array.min() < low or array.max() > high):
        bad = array[(array < low) | (array > high)].flat[0]
        raise ModelInputError(parameter, f"{bad:g} {unit} is outside the allowed range {low:g}..{high:g} {unit}")


@dataclass(frozen=True)
class Conditions:
    """Flattened per-point conditions; ``shape`` is the broadcast shape of the inputs."""

    intensity_kw_cm2: np.ndarray
    temperature_k: np.ndarray
    shell_nm: np.ndarray
    darkness: np.ndarray
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return self.intensity_kw_cm2.size

    @classmethod
    def broadcast(
        cls,
        material: Material,
        intensity_kw_cm2,
        temperature_k=300.0,
        shell_nm=None,
        darkness=0.0,
    ) -> Conditions:
        intensity = as_float_array("intensity_kw_cm2", intensity_kw_cm2)
        if intensity.size and intensity.min() < 0:
            raise ModelInputError("intensity_kw_cm2", f"must be >= 0 kW/cm^2 (got {intensity.min():g})")
        temperature = as_float_array("temperature_k", temperature_k)
        check_range("temperature_k", temperature, *material.temperature_range_k, "K")
        shell = as_float_array("shell_nm", material.shell_nm if shell_nm is None else shell_nm)
        check_range("shell_nm", shell, 0.0, MAX_SHELL_NM, "nm")
        dark = as_float_array("darkness", darkness)
        check_range("darkness", dark, 0.0, 1.0, "")
        try:
            arrays = np.broadcast_arrays(intensity, temperature, shell, dark)
        except ValueError:
            raise ModelInputError(
                "intensity_kw_cm2/temperature_k",
                f"shapes {intensity.shape}, {temperature.shape}, {shell.shape}, {dark.shape} do not broadcast",
            ) from None
        shape = arrays[0].shape
        return cls(*(np.ascontiguousarray(a, dtype=float).ravel() for a in arrays), shape=shape)
