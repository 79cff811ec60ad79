"""IPG YLR fiber laser in the Laser role: watts in, diode current per cent on the wire."""

from __future__ import annotations

from anplab.drivers.ipg_ylr import IPGYLR

from ..errors import reading
from ..laser import Laser, LaserLimits
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting


class Settings(DriverSettings):
    max_output_w: float = setting(10.0, "rated output power at 100 % diode current (the laser's model: a YLR-20 is 20)",
                                  unit="W", gt=0, le=100_000)


class YLRLaser(Laser):
    """Output power maps to diode current through the laser's linear L-I curve above threshold.

    ``max_output_w`` (bench setting) is the laser's rated power at 100 %
    current; the threshold current comes from the laser itself (RNC).
    """

    def __init__(self, name: str, spec, driver: IPGYLR):
        super().__init__(name, spec.wavelength_nm, LaserLimits(spec.limits.max_power_w))
        self.driver = driver
        self.max_output_w = spec.settings.max_output_w
        self.threshold_percent = float(driver.minimum_current_setpoint)

    def _percent_for(self, watts: float) -> float:
        if watts <= 0:
            return 0.0
        span = 100.0 - self.threshold_percent
        return min(100.0, self.threshold_percent + watts / self.max_output_w * span)

    def _get_power_setpoint_w(self) -> float:
        percent = reading(self.driver.current_setpoint, "current setpoint")
        if percent <= self.threshold_percent:
            return 0.0
        return (percent - self.threshold_percent) / (100.0 - self.threshold_percent) * self.max_output_w

    def _set_power_setpoint_w(self, watts: float) -> None:
        self.driver.current_setpoint = self._percent_for(watts)

    def _get_power_w(self) -> float:
        return reading(self.driver.output_power, "output power")

    def _get_emission(self) -> bool:
        return self.driver.emission_enabled

    def _set_emission(self, on: bool) -> None:
        if on:
            self.driver.emission_on()
        else:
            self.driver.emission_off()

    def _get_interlock_ok(self) -> bool:
        return not self.driver.interlock_open

    def _identification(self) -> str:
        return f"IPG YLR s/n {self.driver.serial_number}, firmware {self.driver.firmware_version}"


def switch_off(driver: IPGYLR) -> bool:
    """Emission off, diode current to zero; whether the laser then reports emission off."""
    driver.emission_off()
    driver.current_setpoint = 0.0
    return not driver.emission_enabled


ENTRY = DriverEntry(
    key="ipg_ylr",
    role="laser",
    title="IPG Photonics YLR-series CW fiber laser (RS-232 / Ethernet)",
    make_driver=lambda adapter, spec: IPGYLR(adapter),
    make_role=YLRLaser,
    check_address=visa_address_problem,
    settings=Settings,
    rated_power_w=lambda spec: spec.settings.max_output_w,
    switch_off=switch_off,
)
