"""Thorlabs PM100D / PM100USB / PM400 optical power and energy meter consoles (SCPI over USB-TMC).

Reuses pymeasure's :class:`~pymeasure.instruments.thorlabs.thorlabspm100usb.ThorlabsPM100USB`
and fixes what breaks on current consoles:

* ``SYST:SENS:IDN?`` answers ``name,serial,calibration,type,subtype,flags``.
  Older firmware sends the string fields bare (``S120C,190311203,18-Mar-2019,1,18,289``);
  newer firmware quotes them (``"S120C","190311203","18-Mar-2019",1,18,289``).
  pymeasure keeps the quotes in the name, turns a bare serial number into a
  float, and cannot construct the driver at all when the flags use the
  extended layout (bit 31 set), whose bit meanings also differ.
* pymeasure silently clamps an out-of-range wavelength to the sensor's range
  and never re-reads that range when the head changes; here an out-of-range
  wavelength raises before anything is sent.
* Averaging, power unit, auto-ranging, zeroing and the SCPI error queue are added.

Commands end with LF; replies end with LF.  An unknown or refused command
gets no reply and queues an SCPI error (``SYST:ERR?`` -> ``-113,"Undefined header"``).
"""

from __future__ import annotations

import csv
import logging
import re
import warnings
from dataclasses import dataclass
from enum import IntEnum, IntFlag

from pymeasure.instruments import Instrument
from pymeasure.instruments.thorlabs.thorlabspm100usb import ThorlabsPM100USB
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from .errors import InstrumentRefused, InstrumentReplyError

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


class ThorlabsPMError(InstrumentRefused):
    """The console reported SCPI errors after a command."""


class ThorlabsPMReplyError(InstrumentReplyError):
    """A reading that is not a complete SCPI NR3 number (cut short or garbled on the line)."""


# The consoles answer readings in NR3 form with a signed two-digit exponent (9.981404E-03); a
# reading without all of it was cut short, and would otherwise parse as a number 10 or 1000 times
# too large.
_NR3 = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]\d{2}$")


class SensorType(IntEnum):
    """Sensor type field of ``SYST:SENS:IDN?``."""

    NONE = 0
    PHOTODIODE = 1
    THERMOPILE = 2
    PYROELECTRIC = 3
    FOUR_QUADRANT_THERMOPILE = 4


class ClassicSensorFlags(IntFlag):
    """Capability bits as documented for the PM100D (flags without bit 31)."""

    POWER_SENSOR = 1 << 0
    ENERGY_SENSOR = 1 << 1
    RESPONSE_SETTABLE = 1 << 4
    WAVELENGTH_SETTABLE = 1 << 5
    TAU_SETTABLE = 1 << 6
    TEMPERATURE_SENSOR = 1 << 8


class ExtendedSensorFlags(IntFlag):
    """Capability bits of the newer layout, announced by bit 31 (PM100D2/D3 firmware)."""

    AUTO_RANGING = 1 << 0
    ADAPTER = 1 << 1
    WAVELENGTH_SETTABLE = 1 << 2
    RESPONSE_SETTABLE = 1 << 3
    ACCELERATOR = 1 << 4
    BANDWIDTH_LIMIT = 1 << 5
    PEAK = 1 << 6
    FREQUENCY = 1 << 7
    ZEROING = 1 << 8
    TAU_SETTABLE = 1 << 9
    POSITION = 1 << 10
    PHOTOMETRIC = 1 << 11
    TEMPERATURE_SENSOR = 1 << 12
    EXTENDED_FORMAT = 1 << 31


_POWER_TYPES = {SensorType.PHOTODIODE, SensorType.THERMOPILE, SensorType.FOUR_QUADRANT_THERMOPILE}


@dataclass(frozen=True)
class SensorInfo:
    """The connected sensor head, from one ``SYST:SENS:IDN?`` reply."""

    name: str
    serial: str
    calibration: str
    type: int
    subtype: int
    flags: int

    @property
    def extended_flags(self) -> bool:
        return bool(self.flags & ExtendedSensorFlags.EXTENDED_FORMAT)

    def _has(self, classic: ClassicSensorFlags | None, extended: ExtendedSensorFlags | None) -> bool:
        bit = extended if self.extended_flags else classic
        return bit is not None and bool(self.flags & bit)

    @property
    def is_power_sensor(self) -> bool:
        # The extended layout drops the power/energy bits; the sensor type says it instead.
        if self.extended_flags:
            return self.type in _POWER_TYPES
        return self._has(ClassicSensorFlags.POWER_SENSOR, None)

    @property
    def is_energy_sensor(self) -> bool:
        if self.extended_flags:
            return self.type == SensorType.PYROELECTRIC
        return self._has(ClassicSensorFlags.ENERGY_SENSOR, None)

    @property
    def wavelength_settable(self) -> bool:
        return self._has(ClassicSensorFlags.WAVELENGTH_SETTABLE, ExtendedSensorFlags.WAVELENGTH_SETTABLE)

    @property
    def response_settable(self) -> bool:
        return self._has(ClassicSensorFlags.RESPONSE_SETTABLE, ExtendedSensorFlags.RESPONSE_SETTABLE)

    @property
    def tau_settable(self) -> bool:
        return self._has(ClassicSensorFlags.TAU_SETTABLE, ExtendedSensorFlags.TAU_SETTABLE)

    @property
    def has_temperature_sensor(self) -> bool:
        return self._has(ClassicSensorFlags.TEMPERATURE_SENSOR, ExtendedSensorFlags.TEMPERATURE_SENSOR)


def parse_sensor_idn(reply: str) -> SensorInfo:
    """Parse a ``SYST:SENS:IDN?`` reply in either the bare or the quoted style.

    Raises OSError when no sensor is connected and ValueError for a reply
    that is not six fields.
    """
    # csv handles both styles, including a comma inside a quoted field.
    fields = [field.strip() for field in next(csv.reader([reply.strip()], skipinitialspace=True), [])]
    if fields and fields[0].lower() == "no sensor":
        raise OSError("No sensor connected.")
    if len(fields) != 6:
        raise ValueError(f"unexpected sensor identification {reply!r}")
    name, serial, calibration, sensor_type, subtype, flags = fields
    try:
        return SensorInfo(name, serial, calibration, int(float(sensor_type)), int(float(subtype)),
                          int(float(flags)))
    except ValueError:
        raise ValueError(f"unexpected sensor identification {reply!r}") from None


def _scpi_error(values: list) -> tuple[int, str]:
    code = int(float(values[0]))
    message = str(values[1]).strip().strip('"') if len(values) > 1 else ""
    return code, message


def _wavelength_in_range(value, values):
    """strict_range against the sensor's range, refusing when the sensor has no settable wavelength."""
    if not values:
        raise AttributeError("the connected sensor does not allow setting the wavelength")
    return strict_range(value, values)


class ThorlabsPM100(ThorlabsPM100USB):
    """Thorlabs PM100-family power meter console with robust sensor identification.

    .. code-block:: python

        meter = ThorlabsPM100("USB0::0x1313::0x8078::P0012345::INSTR")
        print(meter.sensor_name, meter.wavelength_range)
        meter.wavelength = 1064                  # nm, within the head's calibrated range
        meter.averaging_count = 100
        meter.power_unit = "W"
        print(meter.power)                       # W

    Call :meth:`configure_sensor` after swapping the sensor head.
    """

    def __init__(self, adapter, name: str = "Thorlabs PM100 power meter", **kwargs):
        kwargs.setdefault("read_termination", "\n")
        kwargs.setdefault("write_termination", "\n")
        kwargs.setdefault("timeout", 3000)
        with warnings.catch_warnings():
            # The consoles are documented as SCPI-1999 compliant, so pymeasure's
            # "not known whether it supports SCPI" warning does not apply here.
            warnings.filterwarnings("ignore", message="It is not known whether this device support SCPI",
                                    category=FutureWarning)
            super().__init__(adapter, name, **kwargs)

    @property
    def power(self) -> float:
        """Measure the power in W (refusing a reading that is not a complete NR3 number)."""
        if not self.is_power_sensor:
            raise AttributeError(f"{self.sensor_name} is not a power sensor.")
        reply = self.ask("MEAS:POW?").strip()
        if not _NR3.match(reply):
            raise ThorlabsPMReplyError(f"MEAS:POW? answered {reply!r}, not a complete NR3 number")
        return float(reply)

    # -- sensor head ------------------------------------------------------------------------
    def _set_flags(self) -> None:
        # pymeasure's constructor calls this; route it to the robust parser.
        self.configure_sensor()

    def configure_sensor(self) -> SensorInfo:
        """Read the sensor head identification and its wavelength range; call after a head swap."""
        info = parse_sensor_idn(self.ask("SYST:SENSOR:IDN?"))
        self.sensor = info
        # Attribute names as pymeasure's driver has them, for code written against it.
        self.sensor_name = info.name
        self.sensor_sn = info.serial
        self.sensor_cal_msg = info.calibration
        self.sensor_type = info.type
        self.sensor_subtype = info.subtype
        self.sensor_flags = info.flags
        self.is_power_sensor = info.is_power_sensor
        self.is_energy_sensor = info.is_energy_sensor
        self.response_settable = info.response_settable
        self.wavelength_settable = info.wavelength_settable
        self.tau_settable = info.tau_settable
        self.has_temperature_sensor = info.has_temperature_sensor
        if info.wavelength_settable:
            self._wavelength_range = (float(self.wavelength_min), float(self.wavelength_max))
        else:
            self._wavelength_range = None
        # The wavelength control validates against the head now connected.
        self.wavelength_values = self._wavelength_range or ()
        return info

    @property
    def wavelength_range(self) -> tuple[float, float] | None:
        """Get the (min, max) wavelength in nm the connected head is calibrated for, or None."""
        return self._wavelength_range

    wavelength = Instrument.control(
        "SENS:CORR:WAV?", "SENS:CORR:WAV %g",
        """Control the wavelength correction in nm (float, strictly within the head's calibrated range).""",
        validator=_wavelength_in_range,
        values=(),
        dynamic=True,
        check_set_errors=True,
    )

    averaging_count = Instrument.control(
        "SENS:AVER:COUN?", "SENS:AVER:COUN %d",
        """Control how many samples (about 3 ms each) are averaged per reading (int, at least 1).""",
        validator=strict_range,
        values=[1, 1_000_000],
        set_process=lambda v: int(round(v)),
        cast=int,
        check_set_errors=True,
    )

    power_unit = Instrument.control(
        "SENS:POW:UNIT?", "SENS:POW:UNIT %s",
        """Control the unit of power readings, "W" or "DBM".""",
        validator=strict_discrete_set,
        values=["W", "DBM"],
        cast=str,
        check_set_errors=True,
    )

    auto_range = Instrument.control(
        "SENS:POW:RANG:AUTO?", "SENS:POW:RANG:AUTO %d",
        """Control whether the power range follows the signal (bool).""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    def zero(self) -> None:
        """Start a dark-current zeroing; block the beam first (the console subtracts what it sees)."""
        self.write("SENS:CORR:COLL:ZERO")

    # -- errors --------------------------------------------------------------------------------
    next_error = Instrument.measurement(
        "SYST:ERR?",
        """Get the oldest entry of the SCPI error queue as (code, message); (0, "No error") when empty.""",
        maxsplit=1,
        get_process=lambda v: (int(v), ""),
        get_process_list=_scpi_error,
    )

    def check_set_errors(self) -> list:
        """Raise ThorlabsPMError if the console queued errors for the last setting."""
        errors = self.check_errors()
        if errors:
            raise ThorlabsPMError("; ".join(f"{code},{message!r}" for code, message in errors))
        return []
