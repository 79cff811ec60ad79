"""Toptica iBeam smart in the Laser role, on anplab's IBeamSmart driver: watts in, microwatts on the wire."""

from __future__ import annotations

from contextlib import contextmanager

from anplab.drivers.toptica_ibeam_smart import IBeamSmart, IBeamSmartError

from ..errors import InstrumentFault, reading
from ..laser import Laser, LaserLimits
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting


class Settings(DriverSettings):
    baud_rate: int = setting(115200, "serial baud rate (the iBeam smart's is fixed at 115200)", gt=0)
    max_output_w: float = setting(0.1, "rated output power of the head (e.g. 0.1 for an iBeam smart 100 mW)",
                                  unit="W", gt=0, le=10.0)


class IBeamSmartLaser(Laser):
    """CW emission from the main driver channel (channel 2), its level in microwatts.

    No interlock query is known in the serial protocol: an open interlock shows as a
    refused ``laser on`` or as emission that stopped by itself, so the
    interlock is reported open when emission was asked for and is off.
    """

    channel = 2

    def __init__(self, name: str, spec, driver: IBeamSmart):
        super().__init__(name, spec.wavelength_nm, LaserLimits(spec.limits.max_power_w))
        self.driver = driver
        self._emission_wanted = False

    @property
    def _channel(self):
        return getattr(self.driver, f"ch_{self.channel}")

    def _get_power_setpoint_w(self) -> float:
        return self.driver.power_level(self.channel) * 1e-6

    def _set_power_setpoint_w(self, watts: float) -> None:
        with self._refusals():
            self._channel.power = watts * 1e6

    def _get_power_w(self) -> float:
        return reading(self.driver.power, "power") * 1e-6

    def _get_emission(self) -> bool:
        return bool(self.driver.emission)

    def _set_emission(self, on: bool) -> None:
        self._emission_wanted = on
        with self._refusals():
            if on:
                self.driver.enable_continous()  # external modulation off, emission on, channel 2 on
            else:
                self.driver.emission = False

    def _get_interlock_ok(self) -> bool:
        return not (self._emission_wanted and not self._get_emission())

    def _identification(self) -> str:
        return f"Toptica {str(self.driver.serial).removeprefix('SN: ')}, firmware {self.driver.version}"

    @contextmanager
    def _refusals(self):
        """The driver raises IBeamSmartError when the laser answers with an error line."""
        try:
            yield
        except IBeamSmartError as error:
            raise InstrumentFault(self.name, str(error)) from None


def switch_off(driver: IBeamSmart) -> bool:
    """Emission off (``la off``); whether the laser then reports it off."""
    driver.emission = False
    return not driver.emission


ENTRY = DriverEntry(
    key="toptica_ibeam_smart",
    role="laser",
    title="Toptica iBeam smart CW diode laser (RS-232 / USB serial)",
    make_driver=lambda adapter, spec: IBeamSmart(adapter, baud_rate=spec.settings.baud_rate),
    make_role=IBeamSmartLaser,
    check_address=visa_address_problem,
    settings=Settings,
    rated_power_w=lambda spec: spec.settings.max_output_w,
    switch_off=switch_off,
)
