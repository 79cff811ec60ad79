"""Pump intensity waveforms (kW/cm^2 at the particle) for transient simulations.

A waveform gives the intensity at any time and lists its discontinuities
inside a time window, so the integrator restarts cleanly at each edge instead
of stepping across it.
Levels may be arrays: one waveform then drives a whole batch of particles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conditions import as_float_array
from .errors import ModelInputError


def _level(parameter: str, value) -> np.ndarray:
    array = as_float_array(parameter, value)
    if array.size and array.min() < 0:
        raise ModelInputError(parameter, f"intensity must be >= 0 kW/cm^2 (got {array.min():g})")
    return array


@dataclass(frozen=True)
class Constant:
    """A constant intensity."""

    level: np.ndarray | float

    def __post_init__(self):
        object.__setattr__(self, "level", _level("level", self.level))

    @property
    def peak(self) -> np.ndarray:
        return self.level

    def intensity(self, t: float) -> np.ndarray:
        return self.level

    def breakpoints(self, start_s: float, stop_s: float) -> tuple[float, ...]:
        return ()


@dataclass(frozen=True)
class Step:
    """``base`` until ``on_s``, then ``level`` until ``off_s`` (if given), then ``base`` again."""

    level: np.ndarray | float
    on_s: float = 0.0
    off_s: float | None = None
    base: np.ndarray | float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "level", _level("level", self.level))
        object.__setattr__(self, "base", _level("base", self.base))
        if self.off_s is not None and self.off_s <= self.on_s:
            raise ModelInputError("off_s", f"must come after on_s ({self.off_s} <= {self.on_s})")

    @property
    def peak(self) -> np.ndarray:
        return np.maximum(self.level, self.base)

    def intensity(self, t: float) -> np.ndarray:
        on = t >= self.on_s and (self.off_s is None or t < self.off_s)
        return self.level if on else np.broadcast_to(self.base, np.broadcast(self.level, self.base).shape)

    def breakpoints(self, start_s: float, stop_s: float) -> tuple[float, ...]:
        edges = (self.on_s,) if self.off_s is None else (self.on_s, self.off_s)
        return tuple(t for t in edges if start_s < t < stop_s)


@dataclass(frozen=True)
class PiecewiseConstant:
    """``levels[k]`` from ``times_s[k]`` until ``times_s[k + 1]``; zero before the first time."""

    times_s: np.ndarray
    levels: np.ndarray

    def __post_init__(self):
        times = as_float_array("times_s", self.times_s)
        if times.ndim != 1 or np.any(np.diff(times) <= 0):
            raise ModelInputError("times_s", "must be a strictly increasing 1-D sequence")
        levels = _level("levels", self.levels)
        if levels.shape[:1] != times.shape:
            raise ModelInputError("levels", f"needs one level per time ({levels.shape[0]} levels, {times.size} times)")
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "levels", levels)

    @property
    def peak(self) -> np.ndarray:
        return self.levels.max(axis=0)

    def intensity(self, t: float) -> np.ndarray:
        k = np.searchsorted(self.times_s, t, side="right") - 1
        return np.zeros_like(self.levels[0]) if k < 0 else self.levels[k]

    def breakpoints(self, start_s: float, stop_s: float) -> tuple[float, ...]:
        return tuple(t for t in self.times_s if start_s < t < stop_s)


@dataclass(frozen=True)
class Sinusoid:
    """Harmonic modulation ``mean + amplitude * sin(2 pi f t + phase)``, never below zero."""

    mean: np.ndarray | float
    amplitude: np.ndarray | float
    frequency_hz: float
    phase_rad: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "mean", _level("mean", self.mean))
        object.__setattr__(self, "amplitude", _level("amplitude", self.amplitude))
        if not self.frequency_hz > 0:
            raise ModelInputError("frequency_hz", f"must be > 0 (got {self.frequency_hz})")

    @property
    def peak(self) -> np.ndarray:
        return self.mean + self.amplitude

    def intensity(self, t: float) -> np.ndarray:
        return np.maximum(self.mean + self.amplitude * np.sin(2 * np.pi * self.frequency_hz * t + self.phase_rad), 0.0)

    def breakpoints(self, start_s: float, stop_s: float) -> tuple[float, ...]:
        return ()


@dataclass(frozen=True)
class SquareWave:
    """On/off modulation: ``high`` for ``duty`` of each period, ``low`` for the rest, starting high at t = 0."""

    high: np.ndarray | float
    period_s: float
    duty: float = 0.5
    low: np.ndarray | float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "high", _level("high", self.high))
        object.__setattr__(self, "low", _level("low", self.low))
        if not self.period_s > 0:
            raise ModelInputError("period_s", f"must be > 0 (got {self.period_s})")
        if not 0 < self.duty < 1:
            raise ModelInputError("duty", f"must be between 0 and 1 (got {self.duty})")

    @property
    def peak(self) -> np.ndarray:
        return np.maximum(self.high, self.low)

    def intensity(self, t: float) -> np.ndarray:
        phase = (t / self.period_s) % 1.0
        shape = np.broadcast(self.high, self.low).shape
        return np.broadcast_to(self.high if phase < self.duty else self.low, shape)

    def breakpoints(self, start_s: float, stop_s: float) -> tuple[float, ...]:
        first, last = int(np.floor(start_s / self.period_s)), int(np.ceil(stop_s / self.period_s))
        starts = np.arange(first, last + 1) * self.period_s
        edges = np.sort(np.concatenate([starts, starts + self.duty * self.period_s]))
        return tuple(float(t) for t in edges if start_s < t < stop_s)
