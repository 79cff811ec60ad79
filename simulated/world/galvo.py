"""The galvo mirror pair: commanded voltages to beam position at the sample, with settling."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter


@dataclass
class GalvoMirrors:
    """Two mirrors, each following its command as a first-order low-pass.

    ``um_per_volt`` is the true scale at the sample (the bench file holds the
    lab's calibration of it).  ``settling_time_s`` is what data sheets quote:
    the time to come within 1 % of a small step (~100-300 us for GVS-series
    galvos); the position approaches the command as exp(-t / tau) with
    tau = settling_time_s / ln(100).
    """

    um_per_volt: float = 10.0
    settling_time_s: float = 150e-6
    max_volts: float = 10.0
    command_v: tuple[float, float] = (0.0, 0.0)
    _from_v: tuple[float, float] = (0.0, 0.0)
    _since: float = 0.0

    @property
    def time_constant_s(self) -> float:
        return self.settling_time_s / math.log(100.0)

    def command(self, t: float, x_v: float, y_v: float) -> None:
        """Jump the command to (x_v, y_v) at time ``t``, clipped to the driver's range."""
        current = self.volts_at(t)
        self._from_v = current
        self.command_v = (float(np.clip(x_v, -self.max_volts, self.max_volts)),
                          float(np.clip(y_v, -self.max_volts, self.max_volts)))
        self._since = t

    def volts_at(self, t: float) -> tuple[float, float]:
        weight = math.exp(-max(0.0, t - self._since) / self.time_constant_s)
        return tuple(c + (f - c) * weight for c, f in zip(self.command_v, self._from_v))

    def position_um(self, t: float) -> tuple[float, float]:
        x, y = self.volts_at(t)
        return x * self.um_per_volt, y * self.um_per_volt

    def follow(self, t0: float, x_v: np.ndarray, y_v: np.ndarray,
               sample_rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        """Mean beam position (um) during each sample of a hardware-timed waveform starting at ``t0``.

        The mirror is a first-order low-pass of the staircase command; its
        position averaged over a sample is the exact mean of the exponential.
        """
        dt = 1.0 / sample_rate_hz
        a = math.exp(-dt / self.time_constant_s)
        start = self.volts_at(t0)
        means, finals = [], []
        for command, initial in zip((np.clip(x_v, -self.max_volts, self.max_volts),
                                     np.clip(y_v, -self.max_volts, self.max_volts)), start):
            # End-of-sample position p[k] = a p[k-1] + (1 - a) c[k].
            ends, _ = lfilter([1.0 - a], [1.0, -a], command, zi=[a * initial])
            begins = np.concatenate([[initial], ends[:-1]])
            # Mean over the sample of an exponential from begin towards c.
            mean_weight = self.time_constant_s / dt * (1.0 - a)
            means.append((command + (begins - command) * mean_weight) * self.um_per_volt)
            finals.append(float(ends[-1]))
        # Leave the mirrors settling from where the waveform left them.
        self._from_v = (finals[0], finals[1])
        self.command_v = (float(np.clip(x_v[-1], -self.max_volts, self.max_volts)),
                          float(np.clip(y_v[-1], -self.max_volts, self.max_volts)))
        self._since = t0 + len(x_v) * dt
        return means[0], means[1]
