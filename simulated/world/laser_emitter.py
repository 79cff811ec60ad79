"""A CW laser as the world sees it: emission state, output power with slow drift, interlock."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class LaserEmitter:
    """Output of one laser head.

    The output follows the setpoint while emission is on and the interlock is
    closed, multiplied by a slow drift: an Ornstein-Uhlenbeck process with
    relative amplitude ``drift_fraction`` and correlation time
    ``drift_time_s`` (thermal drift of a diode or fibre laser).
    """

    name: str
    wavelength_nm: float
    max_power_w: float
    drift_fraction: float = 0.003
    drift_time_s: float = 60.0
    seed: int = 0
    setpoint_w: float = 0.0
    emission: bool = False
    interlock_closed: bool = True
    #: How many breaks the interlock loop has now: switches are in series, so two doors opened and
    #: one shut again still leave the loop open.
    interlock_breaks: int = 0
    refuses_emission: bool = False
    #: A fault: the output falls to this fraction of what it should be (1: none).
    sag: float = 1.0
    _drift: float = 0.0
    _time: float = 0.0
    _rng: np.random.Generator = field(default=None, repr=False)

    def __post_init__(self):
        self._rng = np.random.default_rng(self.seed)

    def advance(self, t: float) -> None:
        """Let the drift evolve to time ``t`` (exact OU update)."""
        dt = t - self._time
        if dt <= 0:
            return
        decay = math.exp(-dt / self.drift_time_s)
        spread = self.drift_fraction * math.sqrt(1.0 - decay * decay)
        self._drift = self._drift * decay + spread * self._rng.standard_normal()
        self._time = t

    @property
    def emitting(self) -> bool:
        return self.emission and self.interlock_closed

    def output_power_w(self) -> float:
        """Optical power leaving the head now."""
        if not self.emitting:
            return 0.0
        return max(0.0, min(self.setpoint_w, self.max_power_w) * (1.0 + self._drift) * self.sag)

    def request_emission(self, on: bool) -> bool:
        """Turn emission on or off; returns False when the laser refuses (interlock open or fault)."""
        if on and (not self.interlock_closed or self.refuses_emission):
            return False
        self.emission = on
        return True

    def open_interlock(self) -> None:
        """An interlock trip (one more break in the loop): emission stops and stays off until re-enabled."""
        self.interlock_breaks += 1
        self.interlock_closed = False
        self.emission = False

    def close_interlock(self) -> None:
        """One break mended; when none is left the circuit is whole again, and emission stays off until
        someone turns it on."""
        self.interlock_breaks = max(0, self.interlock_breaks - 1)
        self.interlock_closed = self.interlock_breaks == 0
