"""Thorlabs CLD1015 in the Laser role: watts in, laser current on the wire through the diode's L-I curve."""

from __future__ import annotations

from anplab.drivers.thorlabs_cld1015 import MAX_CURRENT_A, TEMPERATURE_RANGE_C, Protection, ThorlabsCLD1015

from ..errors import InstrumentFault, LimitError, reading
from ..laser import Laser, LaserLimits
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting


class Settings(DriverSettings):
    threshold_a: float = setting(description="lasing threshold current of the diode (the lab's L-I calibration)",
                                 unit="A", ge=0, le=MAX_CURRENT_A)
    slope_w_per_a: float = setting(description="slope efficiency above threshold (the lab's L-I calibration)",
                                   unit="W/A", gt=0, le=10.0)
    current_limit_a: float | None = setting(None, "laser current limit written to the controller on opening "
                                            "(unset: the controller's own limit stands)", unit="A", gt=0,
                                            le=MAX_CURRENT_A)
    # The controller's own range (what the driver refuses to send), so a bench file is refused with its
    # line before anything opens, not by the driver at opening.
    tec_setpoint_c: float | None = setting(None, "TEC temperature setpoint written on opening", unit="C",
                                           ge=TEMPERATURE_RANGE_C[0], le=TEMPERATURE_RANGE_C[1])


def _rated_power_w(spec) -> float:
    """What the diode can give at the current limit (or the controller's full range)."""
    settings = spec.settings
    limit = settings.current_limit_a if settings.current_limit_a is not None else MAX_CURRENT_A
    return settings.slope_w_per_a * max(0.0, limit - settings.threshold_a)

# Protections that keep the laser output off.
_BLOCKING = (Protection.KEYLOCK | Protection.INTERLOCK | Protection.COMPLIANCE_VOLTAGE | Protection.OVER_TEMPERATURE
             | Protection.OUTPUT_INHIBIT)


class CLD1015Laser(Laser):
    """A butterfly diode on a CLD1015, power set through its measured L-I curve.

    Bench settings (the lab's calibration of the diode, both required, since a
    wrong curve puts a wrong power on the sample):

    - ``threshold_a``: lasing threshold current (A);
    - ``slope_w_per_a``: slope efficiency above threshold (W/A).

    Optional: ``current_limit_a`` is written to the controller's laser current
    limit when the bench opens (otherwise the controller's own limit stands),
    and ``tec_setpoint_c`` to its TEC setpoint.  Power P maps to current
    I = threshold + P / slope, and P = 0 to I = 0.

    The TEC is switched on when the bench opens and left on (the controller
    keeps the laser off while it is off, and a diode's threshold moves with
    its temperature, so it should be settled long before the laser is
    used).  The output power read back is the back-facet monitor
    photodiode's, as calibrated in the controller: a diode run a few
    milliamperes above threshold emits noticeably more or less than its
    nominal L-I curve says whenever its temperature is off.
    """

    def __init__(self, name: str, spec, driver: ThorlabsCLD1015):
        super().__init__(name, spec.wavelength_nm, LaserLimits(spec.limits.max_power_w))
        self.driver = driver
        settings = spec.settings
        self.threshold_a = settings.threshold_a
        self.slope_w_per_a = settings.slope_w_per_a
        driver.clear()  # errors left in the queue from before are not this session's
        if settings.tec_setpoint_c is not None:
            driver.temperature_setpoint = settings.tec_setpoint_c
        if settings.current_limit_a is not None:
            driver.current_limit = settings.current_limit_a
        self.current_limit_a = float(driver.current_limit)
        if not driver.tec_enabled:
            driver.tec_enabled = True
        self._raise_on_errors("configuration refused")

    # -- the L-I curve -------------------------------------------------------------------
    def current_for(self, watts: float) -> float:
        """Laser current (A) for an output power (W)."""
        return self.threshold_a + watts / self.slope_w_per_a if watts > 0 else 0.0

    def power_for(self, amperes: float) -> float:
        """Output power (W) at a laser current (A)."""
        return max(0.0, amperes - self.threshold_a) * self.slope_w_per_a

    # -- the Laser role ------------------------------------------------------------------
    def _get_power_setpoint_w(self) -> float:
        return self.power_for(reading(self.driver.current_setpoint, "current setpoint"))

    def _set_power_setpoint_w(self, watts: float) -> None:
        amperes = self.current_for(watts)
        if amperes > self.current_limit_a:
            # the bench power limit is above what the diode's current limit allows
            raise LimitError(self.name, "power", watts, 0.0, self.power_for(self.current_limit_a), "W")
        self.driver.current_setpoint = amperes
        self._raise_on_errors("current setpoint refused")

    def _get_power_w(self) -> float:
        if not self.driver.laser_enabled:
            return 0.0
        return max(0.0, reading(self.driver.photodiode_power, "photodiode power"))

    def _get_emission(self) -> bool:
        return bool(self.driver.laser_enabled)

    def _set_emission(self, on: bool) -> None:
        if on and not self.driver.tec_enabled:
            self.driver.tec_enabled = True
        self.driver.laser_enabled = on
        if on:
            # Say which protection keeps the laser off, from the controller's protection register.
            active = self.driver.protection & _BLOCKING
            self._raise_on_errors("emission refused" + (f" ({active!r})" if active else ""))
        else:
            self._raise_on_errors("emission off refused")

    def _get_interlock_ok(self) -> bool:
        return not self.driver.protection & (Protection.INTERLOCK | Protection.KEYLOCK)

    def _identification(self) -> str:
        return str(self.driver.id)

    def _raise_on_errors(self, what: str) -> None:
        errors = self.driver.check_errors()
        if errors:
            details = "; ".join(f"{int(code)} {','.join(map(str, text))}" for code, *text in errors)
            raise InstrumentFault(self.name, f"{what}: {details}")


def switch_off(driver: ThorlabsCLD1015) -> bool:
    """Laser output off, current setpoint to zero (the TEC stays on: it protects the diode); whether the
    controller then reports the laser off."""
    driver.laser_enabled = False
    driver.current_setpoint = 0.0
    return not driver.laser_enabled


ENTRY = DriverEntry(
    key="thorlabs_cld1015",
    role="laser",
    title="Thorlabs CLD1015 butterfly laser diode and TEC controller (USB-TMC, SCPI)",
    make_driver=lambda adapter, spec: ThorlabsCLD1015(adapter),
    make_role=CLD1015Laser,
    check_address=visa_address_problem,
    settings=Settings,
    rated_power_w=_rated_power_w,
    switch_off=switch_off,
)
