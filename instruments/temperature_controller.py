"""The TemperatureController role: setpoint, ramp, heater range, reading, and waiting for stability."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from .errors import check_limit

HEATER_RANGES = ("off", "low", "medium", "high")


@dataclass(frozen=True)
class TemperatureLimits:
    min_k: float = 4.0
    max_k: float = 400.0
    max_ramp_k_per_min: float = 20.0


class TemperatureController(ABC):
    """A cryostat's controller: reading of the control sensor, setpoint with limits, ramp, heater range."""

    role = "temperature_controller"

    def __init__(self, name: str, limits: TemperatureLimits):
        self.name = name
        self.limits = limits
        self._seen: tuple[float, float] | None = None  # lowest and highest reading since reading_range()

    @property
    def temperature_k(self) -> float:
        kelvin = self._get_temperature_k()
        low, high = self._seen or (kelvin, kelvin)
        self._seen = (min(low, kelvin), max(high, kelvin))
        return kelvin

    def reading_range(self) -> tuple[float, float] | None:
        """The lowest and highest readings taken since the last call (None if none); starts afresh."""
        seen, self._seen = self._seen, None
        return seen

    @property
    def setpoint_k(self) -> float:
        return self._get_setpoint_k()

    @setpoint_k.setter
    def setpoint_k(self, kelvin: float) -> None:
        value = check_limit(self.name, "setpoint", kelvin, self.limits.min_k, self.limits.max_k, "K")
        self._set_setpoint_k(value)

    @property
    def ramp_rate_k_per_min(self) -> float:
        return self._get_ramp_rate_k_per_min()

    @ramp_rate_k_per_min.setter
    def ramp_rate_k_per_min(self, rate: float) -> None:
        """Ramp the setpoint at this rate (K/min); 0 jumps straight to it."""
        value = check_limit(self.name, "ramp rate", rate, 0.0, self.limits.max_ramp_k_per_min, "K/min")
        self._set_ramp_rate_k_per_min(value)

    @property
    def heater_range(self) -> str:
        return self._get_heater_range()

    @heater_range.setter
    def heater_range(self, value: str) -> None:
        if value not in HEATER_RANGES:
            raise ValueError(f"{self.name}: heater range must be one of {', '.join(HEATER_RANGES)}, not {value!r}")
        self._set_heater_range(value)

    @property
    def heater_output_percent(self) -> float:
        return self._get_heater_output_percent()

    def wait_until_stable(self, clock, band_k: float, hold_s: float, timeout_s: float, poll_s: float = 1.0,
                          on_reading=None, should_stop=lambda: False) -> bool:
        """Poll until the reading has stayed within ``band_k`` of the setpoint for ``hold_s``.

        Returns False if that has not happened within ``timeout_s`` of bench
        time (or a stop was requested).  ``on_reading(kelvin, setpoint_k)`` is
        called with every reading.
        """
        start = clock.now()
        inside_since = None
        while clock.now() - start <= timeout_s and not should_stop():
            kelvin, setpoint = self.temperature_k, self.setpoint_k
            if on_reading is not None:
                on_reading(kelvin, setpoint)
            if abs(kelvin - setpoint) <= band_k:
                inside_since = clock.now() if inside_since is None else inside_since
                if clock.now() - inside_since >= hold_s:
                    return True
            else:
                inside_since = None
            clock.sleep(poll_s)
        return False

    def safe_state(self) -> None:
        """The cryostat keeps its temperature: safe state is about light, not heat."""

    def status(self) -> dict:
        return {"temperature_k": self.temperature_k, "setpoint_k": self.setpoint_k,
                "heater_output_percent": self.heater_output_percent}

    @property
    def identification(self) -> str:
        return self._identification()

    @abstractmethod
    def _get_temperature_k(self) -> float: ...

    @abstractmethod
    def _get_setpoint_k(self) -> float: ...

    @abstractmethod
    def _set_setpoint_k(self, kelvin: float) -> None: ...

    @abstractmethod
    def _get_ramp_rate_k_per_min(self) -> float: ...

    @abstractmethod
    def _set_ramp_rate_k_per_min(self, rate: float) -> None: ...

    @abstractmethod
    def _get_heater_range(self) -> str: ...

    @abstractmethod
    def _set_heater_range(self, value: str) -> None: ...

    @abstractmethod
    def _get_heater_output_percent(self) -> float: ...

    @abstractmethod
    def _identification(self) -> str: ...
