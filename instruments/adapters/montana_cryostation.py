"""Montana Instruments Cryostation in the TemperatureController role.

The Cryostation's platform loop has no setpoint ramp and no heater ranges:
the ramp rate reads 0 and only 0 can be set; the heater range is a single
fixed one, reported as "high", and only "high" can be set.  Anything else is
refused before it reaches the instrument.  The heater output is the platform
heater power as a percentage of ``platform_heater_max_w`` (bench setting,
default 10 W).  The address is the VISA socket of the Cryostation software,
``TCPIP::<host>::7773::SOCKET``.
"""

from __future__ import annotations

import math

from anplab.drivers.montana_cryostation import Cryostation

from ..errors import InstrumentFault, reading
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting
from ..temperature_controller import TemperatureController, TemperatureLimits

FIXED_RANGE = "high"


class Settings(DriverSettings):
    platform_heater_max_w: float = setting(10.0, "the platform heater's full power (100 % output)", unit="W",
                                           gt=0, le=1000)


class CryostationController(TemperatureController):
    """Platform temperature and setpoint of a Cryostation."""

    def __init__(self, name: str, spec, driver: Cryostation):
        limits = spec.limits
        super().__init__(name, TemperatureLimits(limits.min_k, limits.max_k, limits.max_ramp_k_per_min))
        self.driver = driver
        self.heater_max_w = spec.settings.platform_heater_max_w

    def _get_temperature_k(self) -> float:
        value = self.driver.platform_temperature
        if math.isnan(value):
            raise InstrumentFault(self.name, "the platform temperature is not available")
        return value

    def _get_setpoint_k(self) -> float:
        return reading(self.driver.temperature_setpoint, "temperature setpoint")

    def _set_setpoint_k(self, kelvin: float) -> None:
        self.driver.temperature_setpoint = kelvin

    def _get_ramp_rate_k_per_min(self) -> float:
        return 0.0

    def _set_ramp_rate_k_per_min(self, rate: float) -> None:
        if rate != 0:
            raise ValueError(f"{self.name}: the Cryostation's platform loop has no setpoint ramp; only 0 K/min")

    def _get_heater_range(self) -> str:
        return FIXED_RANGE

    def _set_heater_range(self, value: str) -> None:
        if value != FIXED_RANGE:
            raise ValueError(f"{self.name}: the Cryostation's platform heater has one fixed range, {FIXED_RANGE!r}")

    def _get_heater_output_percent(self) -> float:
        power = self.driver.platform_heater_power
        return 0.0 if math.isnan(power) else 100.0 * power / self.heater_max_w

    def _identification(self) -> str:
        return "Montana Instruments Cryostation"


ENTRY = DriverEntry(
    key="montana_cryostation",
    role="temperature_controller",
    title="Montana Instruments Cryostation (classic software, TCP port 7773)",
    make_driver=lambda adapter, spec: Cryostation(adapter),
    make_role=CryostationController,
    check_address=visa_address_problem,
    settings=Settings,
)
