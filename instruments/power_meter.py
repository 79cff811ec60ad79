"""The PowerMeter role: an optical power meter on the pick-off, in watts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from .errors import check_limit


@dataclass(frozen=True)
class PowerMeterLimits:
    min_wavelength_nm: float = 400.0
    max_wavelength_nm: float = 1800.0
    max_averages: int = 10000


class PowerMeter(ABC):
    """Wavelength correction, averaging, and the power reading.

    ``pickoff_ratio`` (from the bench calibration) converts what the meter
    sees to the power in the main beam: :meth:`beam_power_w`.
    """

    role = "power_meter"

    def __init__(self, name: str, limits: PowerMeterLimits, pickoff_ratio: float = 1.0):
        self.name = name
        self.limits = limits
        self.pickoff_ratio = float(pickoff_ratio)

    @property
    def wavelength_nm(self) -> float:
        return self._get_wavelength_nm()

    @wavelength_nm.setter
    def wavelength_nm(self, value: float) -> None:
        value = check_limit(self.name, "wavelength", value, self.limits.min_wavelength_nm,
                            self.limits.max_wavelength_nm, "nm")
        self._set_wavelength_nm(value)

    @property
    def averages(self) -> int:
        return self._get_averages()

    @averages.setter
    def averages(self, count: int) -> None:
        value = check_limit(self.name, "averaging", count, 1, self.limits.max_averages, "samples")
        self._set_averages(int(value))

    @property
    def power_w(self) -> float:
        """Power on the sensor (W)."""
        return self._get_power_w()

    def beam_power_w(self) -> float:
        """Power in the main beam, from the sensor reading and the pick-off ratio (W)."""
        return self.power_w / self.pickoff_ratio

    def status(self) -> dict:
        return {"wavelength_nm": self.wavelength_nm, "power_w": self.power_w}

    def safe_state(self) -> None:
        """A power meter emits nothing; there is nothing to make safe."""

    @property
    def identification(self) -> str:
        return self._identification()

    @abstractmethod
    def _get_wavelength_nm(self) -> float: ...

    @abstractmethod
    def _set_wavelength_nm(self, value: float) -> None: ...

    @abstractmethod
    def _get_averages(self) -> int: ...

    @abstractmethod
    def _set_averages(self, count: int) -> None: ...

    @abstractmethod
    def _get_power_w(self) -> float: ...

    @abstractmethod
    def _identification(self) -> str: ...
