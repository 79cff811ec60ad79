"""Newport 2936-R / 1936-R in the PowerMeter role: one channel, in watts, on the pick-off.

Averaging maps to the meter's digital filter: N samples with the digital
filter on, or the filter off for a single sample.
"""

from __future__ import annotations

from typing import Literal

from anplab.drivers.newport_2936r import Newport2936R

from ..errors import InstrumentFault, check_limit, reading
from ..power_meter import PowerMeter, PowerMeterLimits
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting

# The meter's reading when no detector is connected (+) or the detector saturates (-).
_INVALID_READING_W = 3e38


class Settings(DriverSettings):
    channel: int = setting(1, "the meter channel of the pick-off detector (1 = A, 2 = B)", ge=1, le=2)
    wavelength_nm: float | None = setting(None, "correction wavelength set on opening", unit="nm", gt=0)
    averages: int | None = setting(None, "readings averaged (digital filter) set on opening", ge=1)
    meter: Literal["2936-R", "1936-R"] = setting("2936-R", "the simulated meter's model", simulation_only=True)
    serial_number: str = setting("SN20417", "the simulated meter's serial number", simulation_only=True)
    firmware: str = setting("v1.2.4 06/19/14", "the simulated meter's firmware", simulation_only=True)


class Newport2936RMeter(PowerMeter):
    """Bench setting ``channel`` (1 = A, 2 = B; default 1) picks the detector on the pick-off.

    Optional bench settings ``wavelength_nm`` and ``averages`` are applied on
    opening, through the same limit checks as any later change.
    """

    def __init__(self, name: str, spec, driver: Newport2936R):
        limits = PowerMeterLimits(spec.limits.min_wavelength_nm, spec.limits.max_wavelength_nm,
                                  spec.limits.max_averages)
        super().__init__(name, limits, spec.calibration.pickoff_ratio)
        self.driver = driver
        self.channel = spec.settings.channel
        # The channel choice belongs to this interface and lasts until changed, so once is enough.
        driver.channel = self.channel
        # A unit chosen on the front panel would otherwise make dBm read as watts.
        driver.units = "W"
        self.detector_range = (driver.wavelength_min, driver.wavelength_max)
        if spec.settings.wavelength_nm is not None:
            self.wavelength_nm = spec.settings.wavelength_nm
        if spec.settings.averages is not None:
            self.averages = spec.settings.averages

    def _get_wavelength_nm(self) -> float:
        return reading(self.driver.wavelength, "wavelength")

    def _set_wavelength_nm(self, value: float) -> None:
        # The detector's calibrated range can be narrower than the bench limits.
        check_limit(self.name, "wavelength (detector range)", value, *self.detector_range, "nm")
        self.driver.wavelength = value

    def _get_averages(self) -> int:
        if self.driver.filter_mode in ("digital", "analog+digital"):
            return max(1, int(reading(self.driver.digital_filter, "digital filter")))
        return 1

    def _set_averages(self, count: int) -> None:
        analog = self.driver.filter_mode in ("analog", "analog+digital")
        if count > 1:
            self.driver.digital_filter = count
            self.driver.filter_mode = "analog+digital" if analog else "digital"
        else:
            self.driver.filter_mode = "analog" if analog else "none"

    def _get_power_w(self) -> float:
        watts = reading(self.driver.power, "power")
        if watts >= _INVALID_READING_W:
            raise InstrumentFault(self.name, f"no detector on channel {self.channel}")
        if watts <= -_INVALID_READING_W:
            raise InstrumentFault(self.name, f"detector on channel {self.channel} is saturated")
        return watts

    def _identification(self) -> str:
        driver = self.driver
        return (f"{driver.id.strip()}; channel {self.channel} detector {driver.detector_model}"
                f" s/n {driver.detector_serial}")


ENTRY = DriverEntry(
    key="newport_2936r",
    role="power_meter",
    title="Newport 2936-R / 1936-R optical power meter (RS-232)",
    make_driver=lambda adapter, spec: Newport2936R(adapter),
    make_role=Newport2936RMeter,
    check_address=visa_address_problem,
    settings=Settings,
)
