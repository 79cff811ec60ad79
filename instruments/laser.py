"""The Laser role: a CW pump laser in SI units, with its power limit enforced before the wire."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from .errors import InstrumentFault, InterlockOpen, check_limit
from .safety_latch import SafetyLatch


@dataclass(frozen=True)
class LaserLimits:
    max_power_w: float


class Laser(ABC):
    """A CW laser: wavelength, power setpoint and readback, emission on/off, interlock.

    Subclasses (role adapters) implement the ``_`` methods in the driver's
    terms; the public methods validate against the bench limits first, so an
    out-of-limit value never reaches the instrument.
    """

    role = "laser"

    def __init__(self, name: str, wavelength_nm: float, limits: LaserLimits):
        self.name = name
        self.wavelength_nm = float(wavelength_nm)
        self.limits = limits

    # -- power ----------------------------------------------------------------------
    @property
    def power_setpoint_w(self) -> float:
        """The power the laser is set to deliver (W)."""
        return self._get_power_setpoint_w()

    @power_setpoint_w.setter
    def power_setpoint_w(self, watts: float) -> None:
        self.set_power(watts)

    #: The bench's safety latch (None for a laser outside a bench): while engaged, no power, no emission.
    latch: SafetyLatch | None = None

    def set_power(self, watts: float) -> None:
        """Set the output power (W), within 0..max_power_w of the bench limits."""
        value = check_limit(self.name, "power", watts, 0.0, self.limits.max_power_w, "W")
        if value > 0 and self.latch is not None:
            self.latch.check(self.name)
        self._set_power_setpoint_w(value)

    @property
    def power_w(self) -> float:
        """The output power the laser reports now (W)."""
        return self._get_power_w()

    # -- emission -------------------------------------------------------------------
    @property
    def emission(self) -> bool:
        return self._get_emission()

    #: Whether emission is asked for (emission_on / ensure_emission; emission_off and the safe state end it;
    #: an interlock does not): what a point must find emitting, and what a suspension puts back.
    emission_wanted: bool = False

    def emission_on(self) -> None:
        """Start emission; raises InstrumentFault if the laser refuses (interlock, fault)."""
        if self.latch is not None:
            self.latch.check(self.name)
        self.emission_wanted = True
        try:
            self._set_emission(True)
        except InstrumentFault:
            raise
        except Exception as error:  # the vendor's refusal, in the role's terms
            if not self._get_interlock_ok():
                raise InterlockOpen(self.name, f"emission refused: the interlock is open ({error})") from error
            raise InstrumentFault(self.name, f"emission did not turn on: {error}") from error
        if not self._get_emission():
            if not self._get_interlock_ok():
                raise InterlockOpen(self.name, "emission refused: the interlock is open")
            raise InstrumentFault(self.name, "emission did not turn on (laser fault)")

    def ensure_emission(self) -> None:
        """Emission on, asked for, whether it was on already or not (one query when it is)."""
        if self.latch is not None:
            self.latch.check(self.name)
        if self._get_emission():
            self.emission_wanted = True
        else:
            self.emission_on()

    def emission_off(self) -> None:
        self.emission_wanted = False
        self._set_emission(False)

    @property
    def interlock_ok(self) -> bool:
        return self._get_interlock_ok()

    def safe_state(self) -> None:
        """Emission off and the setpoint to zero; emission is no longer asked for (whoever puts a laser back
        after a suspension noted what was asked for before)."""
        self.emission_wanted = False
        self._set_emission(False)
        self._set_power_setpoint_w(0.0)

    def status(self) -> dict:
        return {
            "emission": self.emission,
            "power_setpoint_w": self.power_setpoint_w,
            "power_w": self.power_w,
            "interlock_ok": self.interlock_ok,
        }

    @property
    def identification(self) -> str:
        return self._identification()

    # -- what a role adapter provides ---------------------------------------------------
    @abstractmethod
    def _get_power_setpoint_w(self) -> float: ...

    @abstractmethod
    def _set_power_setpoint_w(self, watts: float) -> None: ...

    @abstractmethod
    def _get_power_w(self) -> float: ...

    @abstractmethod
    def _get_emission(self) -> bool: ...

    @abstractmethod
    def _set_emission(self, on: bool) -> None: ...

    @abstractmethod
    def _get_interlock_ok(self) -> bool: ...

    @abstractmethod
    def _identification(self) -> str: ...
