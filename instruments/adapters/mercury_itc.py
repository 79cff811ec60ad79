"""Oxford Instruments Mercury iTC in the TemperatureController role.

The iTC has no heater ranges: the heater's voltage limit caps its power, so
the role's ranges are voltage limits giving 100 %, 10 % and 1 % of the
heater's full power (40 V): high 40 V, medium 12.65 V, low 4 V; off is 0 V.
Choosing a range other than off also switches the loop's PID on.

Bench settings: ``sensor`` (UID of the control sensor, default MB1.T1) and
``heater`` (UID of its heater, default MB0.H1).
"""

from __future__ import annotations

from anplab.drivers.mercury_itc import MercuryITC

from ..errors import reading
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting
from ..temperature_controller import TemperatureController, TemperatureLimits

FULL_VOLTAGE_V = 40.0
#: Heater voltage limit for each role range: power fractions 1, 0.1, 0.01 of full.
VOLTAGE_LIMITS = {"off": 0.0, "low": FULL_VOLTAGE_V * 0.1, "medium": FULL_VOLTAGE_V * 0.1 ** 0.5,
                  "high": FULL_VOLTAGE_V}


_UID = r"^[A-Z0-9]+\.[A-Z0-9]+$"


class Settings(DriverSettings):
    sensor: str = setting("MB1.T1", "UID of the control loop's temperature sensor", pattern=_UID)
    heater: str = setting("MB0.H1", "UID of the loop's heater", pattern=_UID)


def range_for_voltage(volts: float) -> str:
    """The role range a voltage limit falls in (boundaries half a decade of power apart)."""
    if volts <= 0:
        return "off"
    fraction = (volts / FULL_VOLTAGE_V) ** 2
    if fraction >= 10 ** -0.5:
        return "high"
    return "medium" if fraction >= 10 ** -1.5 else "low"


class MercuryController(TemperatureController):
    """Setpoint, ramp and heater cap of one control loop of the iTC."""

    def __init__(self, name: str, spec, driver: MercuryITC):
        limits = spec.limits
        super().__init__(name, TemperatureLimits(limits.min_k, limits.max_k, limits.max_ramp_k_per_min))
        self.driver = driver
        sensor, heater = spec.settings.sensor, spec.settings.heater
        if sensor not in driver.TS:
            driver.add_temperature_sensor(sensor)
        if heater not in driver.HTR:
            driver.add_heater(heater)
        self.sensor, self.heater = driver.TS[sensor], driver.HTR[heater]

    def _get_temperature_k(self) -> float:
        return reading(self.sensor.temperature, "temperature")

    def _get_setpoint_k(self) -> float:
        return reading(self.sensor.control_loop_temperature_setpoint, "control loop temperature setpoint")

    def _set_setpoint_k(self, kelvin: float) -> None:
        self.sensor.control_loop_temperature_setpoint = kelvin

    def _get_ramp_rate_k_per_min(self) -> float:
        if not self.sensor.control_loop_ramp_enabled:
            return 0.0
        return reading(self.sensor.control_loop_ramp_rate, "control loop ramp rate")

    def _set_ramp_rate_k_per_min(self, rate: float) -> None:
        if rate > 0:
            self.sensor.control_loop_ramp_rate = rate
            self.sensor.control_loop_ramp_enabled = True
        else:
            self.sensor.control_loop_ramp_enabled = False

    def _get_heater_range(self) -> str:
        return range_for_voltage(reading(self.heater.voltage_limit, "voltage limit"))

    def _set_heater_range(self, value: str) -> None:
        self.heater.voltage_limit = VOLTAGE_LIMITS[value]
        if value != "off":
            self.sensor.control_loop_PID_enabled = True

    def _get_heater_output_percent(self) -> float:
        return reading(self.sensor.control_loop_heater_percent, "control loop heater percent")

    def _identification(self) -> str:
        return self.driver.identity


ENTRY = DriverEntry(
    key="mercury_itc",
    role="temperature_controller",
    title="Oxford Instruments Mercury iTC temperature controller (SCPI command set; Ethernet / USB / GPIB)",
    make_driver=lambda adapter, spec: MercuryITC(adapter),
    make_role=MercuryController,
    check_address=visa_address_problem,
    settings=Settings,
)
