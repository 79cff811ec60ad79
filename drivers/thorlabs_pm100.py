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
* Added: averaging, power unit, ranges (power, current, voltage; auto and
  fixed), corrections (beam diameter, attenuation, photodiode and thermopile
  response), zero adjustment with its state and value, delta references, the
  photodiode bandwidth filter and thermopile accelerator, every measurement
  path of the manual (``MEAS:<quantity>?``; ``CONF:<quantity>`` + ``INIT`` +
  ``FETC?``; ``READ?``; ``ABOR``), the status registers (``*ESR?``, ``*STB?``,
  ``STAT:OPER``, ``STAT:QUES``) and the SCPI error queue.

Commands end with LF; replies end with LF.  An unknown or refused command
gets no reply and queues an SCPI error (``SYST:ERR?`` -> ``-113,"Undefined header"``).

Over a raw TCP socket (a VISA ``::SOCKET`` resource) a read ends only at
the read termination: pymeasure's ``ThorlabsPM100USB`` passes none, since
over USB-TMC the END bit ends every message, so over a socket each of its
reads waits for the timeout.  This driver sets LF both ways.
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
from .scpi_status import StandardEvent, StatusByte

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


class OperationStatus(IntFlag):
    """STATus:OPERation bits as the simulated console sets them (see the device's docstring for the source)."""

    ZEROING = 1 << 8
    READING_READY = 1 << 9


class QuestionableStatus(IntFlag):
    """STATus:QUEStionable bits (SCPI-1999 meanings)."""

    POWER = 1 << 3
    TEMPERATURE = 1 << 4
    CALIBRATION = 1 << 8


#: What CONFigure / MEASure can measure, by the names this driver uses, with the manual's keyword.
QUANTITIES = {
    "power": "POW", "current": "CURR", "voltage": "VOLT", "energy": "ENER", "frequency": "FREQ",
    "power_density": "PDEN", "energy_density": "EDEN", "temperature": "TEMP", "resistance": "RES",
}


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


def _nr3(reply: str, command: str) -> float:
    reply = reply.strip()
    if not _NR3.match(reply):
        raise ThorlabsPMReplyError(f"{command} answered {reply!r}, not a complete NR3 number")
    return float(reply)


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
        return _nr3(self.ask("MEAS:POW?"), "MEAS:POW?")

    def measure(self, quantity: str) -> float:
        """Measure one of :data:`QUANTITIES` (``MEAS:<quantity>?``), refusing a reply cut short."""
        keyword = QUANTITIES[quantity]
        return _nr3(self.ask(f"MEAS:{keyword}?"), f"MEAS:{keyword}?")

    @property
    def current(self) -> float:
        """Measure the photodiode current in A."""
        return self.measure("current")

    @property
    def voltage(self) -> float:
        """Measure the thermal sensor's voltage in V."""
        return self.measure("voltage")

    @property
    def energy(self) -> float:
        """Measure the pulse energy in J (energy sensors only)."""
        if not self.is_energy_sensor:
            raise AttributeError(f"{self.sensor_name} is not an energy sensor.")
        return self.measure("energy")

    @property
    def power_density(self) -> float:
        """Measure the power density in W/cm2 (the power over the set beam diameter)."""
        return self.measure("power_density")

    @property
    def frequency(self) -> float:
        """Measure the frequency of a modulated signal in Hz."""
        return self.measure("frequency")

    @property
    def sensor_temperature(self) -> float:
        """Measure the sensor head's temperature in degrees Celsius (heads with a thermistor)."""
        return self.measure("temperature")

    # -- CONFigure, INITiate, FETCh, READ, ABORt ---------------------------------------------
    def configure(self, quantity: str) -> None:
        """Set what INITiate measures and FETCh? returns (one of :data:`QUANTITIES`)."""
        self.write(f"CONF:{QUANTITIES[quantity]}")

    configuration = Instrument.measurement(
        "CONF?",
        """Get what the console is configured to measure, as the keyword it answers (e.g. "POW").""",
        cast=str,
    )

    def initiate(self) -> None:
        """Start a measurement of the configured quantity."""
        self.write("INIT")

    def fetch(self) -> float:
        """Get the last measurement started by :meth:`initiate`."""
        return _nr3(self.ask("FETC?"), "FETC?")

    def read_new(self) -> float:
        """Start a measurement and get it (``READ?``; ``read`` is the pymeasure instrument's own)."""
        return _nr3(self.ask("READ?"), "READ?")

    def abort(self) -> None:
        """Abort the measurement in progress."""
        self.write("ABOR")

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

    power_range = Instrument.control(
        "SENS:POW:RANG:UPP?", "SENS:POW:RANG:UPP %g",
        """Control the top of the power range in W (float); setting it switches auto-ranging off.""",
        validator=strict_range,
        values=[0, 1e3],
        check_set_errors=True,
    )

    current_range = Instrument.control(
        "SENS:CURR:RANG:UPP?", "SENS:CURR:RANG:UPP %g",
        """Control the top of the photodiode current range in A (float); setting it switches
        auto-ranging off.""",
        validator=strict_range,
        values=[0, 1.0],
        check_set_errors=True,
    )

    voltage_range = Instrument.control(
        "SENS:VOLT:RANG:UPP?", "SENS:VOLT:RANG:UPP %g",
        """Control the top of the thermal sensor's voltage range in V (float).""",
        validator=strict_range,
        values=[0, 10.0],
        check_set_errors=True,
    )

    beam_diameter = Instrument.control(
        "SENS:CORR:BEAM?", "SENS:CORR:BEAM %g",
        """Control the beam diameter in mm used for power density (float).""",
        validator=strict_range,
        values=[0.01, 100.0],
        check_set_errors=True,
    )

    attenuation = Instrument.control(
        "SENS:CORR:LOSS:INP:MAGN?", "SENS:CORR:LOSS:INP:MAGN %g",
        """Control the attenuation in dB of optics before the sensor, which the reading corrects for
        (float -60 to 60).""",
        validator=strict_range,
        values=[-60.0, 60.0],
        check_set_errors=True,
    )

    photodiode_response = Instrument.control(
        "SENS:CORR:POW:PDI:RESP?", "SENS:CORR:POW:PDI:RESP %g",
        """Control the photodiode responsivity in A/W the console divides by (float); the
        calibrated value returns whenever the wavelength is set.""",
        validator=strict_range,
        values=[1e-5, 1e3],
        check_set_errors=True,
    )

    thermopile_response = Instrument.control(
        "SENS:CORR:POW:THER:RESP?", "SENS:CORR:POW:THER:RESP %g",
        """Control the thermal sensor's response in V/W (float).""",
        validator=strict_range,
        values=[1e-5, 1e3],
        check_set_errors=True,
    )

    power_reference = Instrument.control(
        "SENS:POW:REF?", "SENS:POW:REF %g",
        """Control the delta-mode reference power in W (float).""",
        validator=strict_range,
        values=[-10.0, 10.0],
        check_set_errors=True,
    )

    power_reference_enabled = Instrument.control(
        "SENS:POW:REF:STAT?", "SENS:POW:REF:STAT %d",
        """Control whether power readings are relative to the reference (bool).""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    bandwidth_limited = Instrument.control(
        "INP:PDI:FILT:LPAS:STAT?", "INP:PDI:FILT:LPAS:STAT %d",
        """Control the photodiode input's low-pass filter (bool; True: low bandwidth).""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    accelerator_enabled = Instrument.control(
        "INP:THER:ACC:STAT?", "INP:THER:ACC:STAT %d",
        """Control the thermopile accelerator (bool).""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    accelerator_tau = Instrument.control(
        "INP:THER:ACC:TAU?", "INP:THER:ACC:TAU %g",
        """Control the thermopile time constant (0 to 63 %) in s the accelerator uses (float).""",
        validator=strict_range,
        values=[0.1, 60.0],
        check_set_errors=True,
    )

    line_frequency = Instrument.control(
        "SYST:LFR?", "SYST:LFR %d",
        """Control the mains frequency in Hz the console filters (50 or 60).""",
        validator=strict_discrete_set,
        values=[50, 60],
        cast=int,
        check_set_errors=True,
    )

    calibration = Instrument.measurement(
        "CAL:STR?",
        """Get the sensor's calibration message.""",
        cast=str,
        maxsplit=0,
        get_process=lambda v: v.strip().strip('"'),
    )

    # -- zero adjustment ---------------------------------------------------------------------
    def zero(self) -> None:
        """Start a dark-current zeroing; block the beam first (the console subtracts what it sees)."""
        self.write("SENS:CORR:COLL:ZERO")

    zeroing = Instrument.measurement(
        "SENS:CORR:COLL:ZERO:STAT?",
        """Get whether a zero adjustment is running (bool).""",
        cast=int,
        get_process=bool,
    )

    zero_value = Instrument.measurement(
        "SENS:CORR:COLL:ZERO:MAGN?",
        """Get the zero the last adjustment measured, in W.""",
    )

    def abort_zero(self) -> None:
        """Abort a zero adjustment in progress."""
        self.write("SENS:CORR:COLL:ZERO:ABOR")

    def zero_and_wait(self) -> float:
        """Zero, wait until the console has finished (``*OPC?``), and return the zero in W."""
        self.zero()
        self.ask("*OPC?")
        return float(self.zero_value)

    # -- status registers --------------------------------------------------------------------
    standard_event_status = Instrument.measurement(
        "*ESR?",
        """Get (and clear) the Standard Event Status Register as :class:`StandardEvent` flags.""",
        cast=int,
        get_process=StandardEvent,
    )

    status_byte = Instrument.measurement(
        "*STB?",
        """Get the status byte as :class:`StatusByte` flags.""",
        cast=int,
        get_process=StatusByte,
    )

    operation_condition = Instrument.measurement(
        "STAT:OPER:COND?",
        """Get the OPERation condition register as :class:`OperationStatus` flags.""",
        cast=int,
        get_process=OperationStatus,
    )

    operation_event = Instrument.measurement(
        "STAT:OPER?",
        """Get (and clear) the OPERation event register as :class:`OperationStatus` flags.""",
        cast=int,
        get_process=OperationStatus,
    )

    questionable_condition = Instrument.measurement(
        "STAT:QUES:COND?",
        """Get the QUEStionable condition register as :class:`QuestionableStatus` flags.""",
        cast=int,
        get_process=QuestionableStatus,
    )

    questionable_event = Instrument.measurement(
        "STAT:QUES?",
        """Get (and clear) the QUEStionable event register as :class:`QuestionableStatus` flags.""",
        cast=int,
        get_process=QuestionableStatus,
    )

    operation_enable = Instrument.control(
        "STAT:OPER:ENAB?", "STAT:OPER:ENAB %d",
        """Control which OPERation events set the status byte's bit 7 (int 0 to 32767).""",
        validator=strict_range,
        values=[0, 32767],
        cast=int,
    )

    questionable_enable = Instrument.control(
        "STAT:QUES:ENAB?", "STAT:QUES:ENAB %d",
        """Control which QUEStionable events set the status byte's bit 3 (int 0 to 32767).""",
        validator=strict_range,
        values=[0, 32767],
        cast=int,
    )

    error_count = Instrument.measurement(
        "SYST:ERR:COUN?",
        """Get how many errors wait in the queue.""",
        cast=int,
    )

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
