"""Thorlabs PM100D / PM100USB / PM400 in the PowerMeter role: watts on the pick-off."""

from __future__ import annotations

from anplab.drivers.thorlabs_pm100 import ThorlabsPM100

from ..errors import InstrumentFault, check_limit, reading
from ..power_meter import PowerMeter, PowerMeterLimits
from ..registry import DriverEntry, visa_address_problem

# Bench settings that configure the simulated console only; a real console ignores them.
_SIMULATION_SETTINGS = ("console", "serial_number", "firmware", "sensor_serial", "sensor_idn_style",
                        "sensor_flag_format")


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
        if "wavelength_nm" in spec.settings:
            self.wavelength_nm = spec.settings["wavelength_nm"]
        if "averages" in spec.settings:
            self.averages = spec.settings["averages"]

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


def _simulated(world, name, spec, faults):
    from anplab.simulated.devices.thorlabs_pm100 import SimulatedThorlabsPM100

    options = {key: spec.settings[key] for key in _SIMULATION_SETTINGS if key in spec.settings}
    return SimulatedThorlabsPM100(world, name, faults=faults, sensor=spec.calibration.sensor, **options)


ENTRY = DriverEntry(
    key="thorlabs_pm100",
    role="power_meter",
    title="Thorlabs PM100D / PM100USB / PM400 optical power meter (USB-TMC, SCPI)",
    make_driver=lambda adapter, spec: ThorlabsPM100(adapter),
    make_role=ThorlabsPM100Meter,
    make_simulated=_simulated,
    check_address=visa_address_problem,
)
