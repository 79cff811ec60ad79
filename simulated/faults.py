"""Fault injection for simulated instruments, per device and seeded.

Real instruments time out, send garbled or truncated replies, drop off the
bus, trip their interlocks and sometimes refuse to turn on.  A
:class:`FaultPlan` attached to a simulated device makes it do the same at set
rates, reproducibly for a given seed, so procedures can be proven to survive.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import numpy as np


class DeviceDisconnected(ConnectionError):
    """The simulated instrument dropped the connection."""


@dataclass
class FaultPlan:
    """Per-message fault probabilities for one device.

    ``timeout_rate``: no reply at all.  ``garble_rate``: one reply character
    replaced.  ``truncate_rate``: the reply cut short.  ``disconnect_rate``:
    the connection drops (the exchange raises :class:`DeviceDisconnected`).
    """

    timeout_rate: float = 0.0
    garble_rate: float = 0.0
    truncate_rate: float = 0.0
    disconnect_rate: float = 0.0
    seed: int = 0
    injected: dict[str, int] = field(default_factory=lambda: {"timeout": 0, "garble": 0, "truncate": 0,
                                                              "disconnect": 0})
    _rng: np.random.Generator = field(default=None, repr=False)

    def __post_init__(self):
        self._rng = np.random.default_rng(self.seed)

    @property
    def active(self) -> bool:
        return any((self.timeout_rate, self.garble_rate, self.truncate_rate, self.disconnect_rate))

    def apply(self, reply: str | None) -> str | None:
        """The reply as it reaches the host; None means it never arrives."""
        if not self.active:
            return reply
        draw = self._rng.random()
        if draw < self.disconnect_rate:
            self.injected["disconnect"] += 1
            raise DeviceDisconnected("simulated instrument dropped the connection")
        if reply is None:
            return None
        draw -= self.disconnect_rate
        if draw < self.timeout_rate:
            self.injected["timeout"] += 1
            return None
        draw -= self.timeout_rate
        if draw < self.garble_rate and reply:
            self.injected["garble"] += 1
            position = int(self._rng.integers(len(reply)))
            junk = string.punctuation[int(self._rng.integers(len(string.punctuation)))]
            return reply[:position] + junk + reply[position + 1 :]
        draw -= self.garble_rate
        if draw < self.truncate_rate and len(reply) > 1:
            self.injected["truncate"] += 1
            return reply[: int(self._rng.integers(1, len(reply)))]
        return reply
