"""The closed loop a simulated temperature controller runs inside the world's cryostat.

Every simulated controller (Lake Shore, Mercury iTC, Cryostation) expresses
its own PID parameters in its own units; they all reduce to this law on a
heater output ``u`` between 0 and 1 of the active range:

    u = K [ e + (1/t_i) integral(e) dt - t_d d(measurement)/dt ] + bias

with ``e = working setpoint - measurement``.  The derivative acts on the
measurement, not the error, so a setpoint step does not kick the heater, and
the integral stops accumulating while the output is saturated in the
direction the error pushes (the heater cannot cool), so a cool-down does not
wind it up into an overshoot.  The working setpoint moves towards the target
at the ramp rate, as the real controllers ramp their setpoint.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SetpointRamp:
    """Target and working setpoint; the working one follows the target at ``rate_k_per_min``."""

    target_k: float
    working_k: float
    rate_k_per_min: float = 0.0
    enabled: bool = False

    @property
    def ramping(self) -> bool:
        return self.working_k != self.target_k

    def step(self, dt_s: float) -> float:
        """Advance the working setpoint by ``dt_s``; returns it."""
        if not self.enabled or self.rate_k_per_min <= 0:
            self.working_k = self.target_k
            return self.working_k
        stride = self.rate_k_per_min / 60.0 * dt_s
        gap = self.target_k - self.working_k
        self.working_k = self.target_k if abs(gap) <= stride else self.working_k + stride * (1 if gap > 0 else -1)
        return self.working_k


@dataclass
class PIDLoop:
    """A PID law on a heater output between 0 and 1 (see the module docstring)."""

    gain_per_k: float
    integral_time_s: float = 0.0  # 0: no integral action
    derivative_time_s: float = 0.0
    integral: float = 0.0
    _last_measurement: float | None = None

    def reset(self) -> None:
        self.integral = 0.0
        self._last_measurement = None

    def update(self, setpoint_k: float, measurement_k: float, dt_s: float, bias: float = 0.0) -> float:
        error = setpoint_k - measurement_k
        slope = 0.0
        if self._last_measurement is not None and dt_s > 0:
            slope = (measurement_k - self._last_measurement) / dt_s
        self._last_measurement = measurement_k
        proportional = self.gain_per_k * error
        derivative = -self.gain_per_k * self.derivative_time_s * slope
        if self.integral_time_s > 0:
            candidate = self.integral + self.gain_per_k * error * dt_s / self.integral_time_s
            unclamped = proportional + candidate + derivative + bias
            saturated_up = unclamped > 1.0 and error > 0
            saturated_down = unclamped < 0.0 and error < 0
            if not (saturated_up or saturated_down):
                self.integral = min(max(candidate, 0.0), 1.0)
        else:
            self.integral = 0.0
        return min(max(proportional + self.integral + derivative + bias, 0.0), 1.0)


class ClockedLoop:
    """Turns the world's controller callbacks ``(t, cryostat)`` into time steps for a device."""

    def __init__(self) -> None:
        self._last_t: float | None = None

    def dt(self, t: float, period_s: float) -> float:
        dt = period_s if self._last_t is None else max(t - self._last_t, 0.0)
        self._last_t = t
        return dt
