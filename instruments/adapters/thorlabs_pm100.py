"""Thorlabs PM100D / PM100USB / PM400 in the PowerMeter role: watts on the pick-off."""

from __future__ import annotations

from typing import Literal

from anplab.drivers.thorlabs_pm100 import ThorlabsPM100

from ..errors import InstrumentFault, check_limit, reading
from ..power_meter import PowerMeter, PowerMeterLimits
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting


class Settings(DriverSettings):
    wavelength_nm: float | None = setting(None, "correction wavelength set on opening", unit="nm", gt=0)
    averages: int | None = setting(None, "readings averaged per measurement, set on opening", ge=1)
    console: Literal["PM100D", "PM100USB", "PM400", "PM100A"] = setting("PM100D", "the simulated console",
                                                                       simulation_only=True)
    serial_number: str = setting("P0012345", "the simulated console's serial number", simulation_only=True)
    firmware: str = setting("2.8.0", "the simulated console's firmware", simulation_only=True)
    sensor_serial: str = setting("190311203", "the simulated sensor head's serial number", simulation_only=True)
    sensor_idn_style: Literal["quoted", "plain"] = setting("quoted", "SYST:SENS:IDN? reply style (firmware)",
                                                          simulation_only=True)
    sensor_flag_format: Literal["classic", "extended"] = setting("classic", "sensor flag layout (console model)",
                                                                simulation_only=True)


class ThorlabsPM100Meter(PowerMeter):
    """The console reads in watts; the wavelength must also lie within the sensor head's range.

    Optional bench settings ``wavelength_nm`` and ``averages`` are applied on
    opening, through the same limit checks as any later change.
    """

    def __init__(self, name: str, spec, driver: ThorlabsPM100):
        limits = PowerMeterLimits(spec.limits.min_wavelength_nm, spec.limits.max_wavelength_nm,
                                  spec.limits.max_averages)
        super().__init__(name, limits, spec.calibration.pickoff_ratio)
        self.driver = driver
        if not driver.is_power_sensor:
            raise InstrumentFault(name, f"sensor head {driver.sensor_name} does not measure power")
        # A unit chosen on the front panel would otherwise make dBm read as watts.
        driver.power_unit = "W"
        if spec.settings.wavelength_nm is not None:
            self.wavelength_nm = spec.settings.wavelength_nm
        if spec.settings.averages is not None:
            self.averages = spec.settings.averages

    def _get_wavelength_nm(self) -> float:
        return reading(self.driver.wavelength, "wavelength")

    def _set_wavelength_nm(self, value: float) -> None:
        sensor_range = self.driver.wavelength_range
        if sensor_range is None:
            raise InstrumentFault(self.name, f"sensor head {self.driver.sensor_name} has a fixed wavelength")
        # The head's calibrated range can be narrower than the bench limits.
        check_limit(self.name, "wavelength (sensor head range)", value, *sensor_range, "nm")
        self.driver.wavelength = value

    def _get_averages(self) -> int:
        return int(reading(self.driver.averaging_count, "averaging count"))

    def _set_averages(self, count: int) -> None:
        self.driver.averaging_count = count

    def _get_power_w(self) -> float:
        return reading(self.driver.power, "power")

    def _identification(self) -> str:
        driver = self.driver
        return f"{driver.id.strip()}; sensor {driver.sensor_name} s/n {driver.sensor_sn}"


ENTRY = DriverEntry(
    key="thorlabs_pm100",
    role="power_meter",
    title="Thorlabs PM100D / PM100USB / PM400 optical power meter (USB-TMC, SCPI)",
    make_driver=lambda adapter, spec: ThorlabsPM100(adapter),
    make_role=ThorlabsPM100Meter,
    check_address=visa_address_problem,
    settings=Settings,
)
