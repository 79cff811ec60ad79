"""The cryostat: a cold stage with a heater, a sample that lags it, and a controller in the loop.

    C dT_stage/dt = P_heater - G (T_stage - T_base)
    dT_sample/dt = (T_stage - T_sample) / tau_sample

The temperature controller (a simulated Lake Shore, Mercury iTC or
Cryostation) installs itself as ``controller``: every ``control_period_s``
it reads its sensor and returns the heater output as a fraction of the
active range's maximum power, as the real instrument's PID loop does.
Between control updates the heater power is constant and the equations are
solved exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Cryostat:
    base_temperature_k: float = 4.0
    heat_capacity_j_per_k: float = 0.6
    conductance_w_per_k: float = 0.012
    sample_lag_s: float = 4.0
    control_period_s: float = 0.1
    max_temperature_k: float = 420.0
    stage_k: float = 295.0
    sample_k: float = 295.0
    heater_fraction: float = 0.0
    heater_max_w: float = 0.0
    #: The controller starts holding the start temperature (as a bench left running overnight),
    #: rather than with its heater off and the stage cooling to base.
    hold_at_start: bool = True
    controller: Callable[[float, "Cryostat"], None] | None = field(default=None, repr=False)
    _time: float = 0.0
    _next_control: float = 0.0

    @property
    def heater_power_w(self) -> float:
        return self.heater_fraction * self.heater_max_w

    def sensor_k(self, channel: str) -> float:
        """Reading of a sensor: ``"stage"`` (on the cold plate) or ``"sample"``."""
        return self.stage_k if channel == "stage" else self.sample_k

    def advance(self, t: float) -> None:
        while self._time < t:
            if self.controller is not None and self._time >= self._next_control:
                self.controller(self._time, self)
                self._next_control = self._time + self.control_period_s
            until = min(t, self._next_control) if self.controller is not None else t
            self._evolve(until - self._time)
            self._time = until

    def _evolve(self, dt: float) -> None:
        if dt <= 0:
            return
        g, c = self.conductance_w_per_k, self.heat_capacity_j_per_k
        target = self.base_temperature_k + self.heater_power_w / g
        tau = c / g
        stage0 = self.stage_k
        a = math.exp(-dt / tau)
        self.stage_k = target + (stage0 - target) * a
        # Sample: first-order lag behind a stage that itself relaxes exponentially.
        b = math.exp(-dt / self.sample_lag_s)
        if abs(tau - self.sample_lag_s) < 1e-12:
            forced = (stage0 - target) * dt / tau * a
        else:
            forced = (stage0 - target) * tau / (tau - self.sample_lag_s) * (a - b)
        self.sample_k = target + (self.sample_k - target) * b + forced
        self.stage_k = min(self.stage_k, self.max_temperature_k)
