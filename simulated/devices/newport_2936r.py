"""A simulated Newport 2936-R (or single-channel 1936-R) power meter answering its text protocol.

Commands end with CR and replies with CR LF.  Keywords match in short or
long form, any case (``PM:L?`` or ``PM:Lambda?``); several commands may
share a line separated by ``;``, their replies joined by commas.  A refused
command gets no reply (echo off) and records an error code for ``ERR?`` /
``ERRSTR?``.  Echo mode itself (a prompt and echoed characters) is not
simulated: ``ECHO 1`` is stored and reported, nothing more.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..faults import FaultPlan
from .base import SimulatedDevice

# The numeric codes and texts are this simulation's own: the structure (ERR? lists the codes since
# the last query, "0" when none) follows the manual, the individual codes could not be checked.
NO_ERROR = 0
UNKNOWN_COMMAND = 100
INVALID_ARGUMENT = 101
OUT_OF_RANGE = 102
MISSING_ARGUMENT = 103
NOT_SUPPORTED = 104
_TEXTS = {
    NO_ERROR: "NO ERROR",
    UNKNOWN_COMMAND: "COMMAND NOT RECOGNIZED",
    INVALID_ARGUMENT: "INVALID ARGUMENT",
    OUT_OF_RANGE: "ARGUMENT OUT OF RANGE",
    MISSING_ARGUMENT: "MISSING ARGUMENT",
    NOT_SUPPORTED: "NOT SUPPORTED BY DETECTOR",
}

#: What the meter reads with no detector on the channel (the largest single-precision float).
NO_DETECTOR_READING = 3.402823e38


@dataclass(frozen=True)
class Detector:
    model: str
    serial: str
    min_nm: int
    max_nm: int
    area_cm2: float
    units: frozenset = frozenset({0, 2, 3, 6})  # PM:UNITS codes the detector supports: A, W, W/cm2, dBm


# An InGaAs photodiode (the world's photodiode responsivity model) and a thermopile.
DETECTORS = {
    "photodiode": Detector("918D-IR-OD3R", "12345", 780, 1800, 0.0707),
    "thermal": Detector("919P-003-10", "23456", 190, 11000, 0.785, frozenset({2, 3, 6})),
}


@dataclass
class _Channel:
    detector: Detector | None
    wavelength_nm: int = 1064
    units: int = 2
    filter_mode: int = 0
    digital_filter: int = 10
    analog_filter: int = 0
    auto_range: int = 1
    range: int = 0

    @property
    def averages(self) -> int:
        return max(1, self.digital_filter) if self.filter_mode in (2, 3) else 1


class _MeterError(Exception):
    def __init__(self, code: int):
        super().__init__(_TEXTS[code])
        self.code = code


def _header_pattern(spec: str) -> re.Pattern:
    """``PM:Lambda?`` matches PM:L?, PM:LAMBDA? in any case: the capitals are the short form."""
    def keyword(match: re.Match) -> str:
        word = match.group(0)
        short = "".join(c for c in word if not c.islower())
        long = word.upper()
        return re.escape(long) if short == long else f"(?:{re.escape(long)}|{re.escape(short)})"

    parts = [keyword(m) if m.group(0)[-1].isalpha() else re.escape(m.group(0))
             for m in re.finditer(r"\*?[A-Za-z]+|.", spec)]
    return re.compile("".join(parts), re.IGNORECASE)


def _integer(text: str, low: int, high: int) -> int:
    if not text:
        raise _MeterError(MISSING_ARGUMENT)
    try:
        value = float(text)
    except ValueError:
        raise _MeterError(INVALID_ARGUMENT) from None
    if not math.isfinite(value):
        raise _MeterError(INVALID_ARGUMENT)
    value = int(round(value))
    if not low <= value <= high:
        raise _MeterError(OUT_OF_RANGE)
    return value


class SimulatedNewport2936R(SimulatedDevice):
    """One detector, on channel ``sensor_channel``, looks at the pick-off; its reading comes from the world.

    A 1936-R (``meter="1936-R"``) has channel 1 only.
    """

    model = "Newport 2936-R"
    read_termination = "\r\n"
    write_termination = "\r"

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None, meter: str = "2936-R",
                 serial_number: str = "SN20417", firmware: str = "v1.2.4 06/19/14", sensor: str = "photodiode",
                 sensor_channel: int = 1):
        super().__init__(world, name, faults=faults)
        if meter not in ("2936-R", "1936-R"):
            raise ValueError(f"meter must be '2936-R' or '1936-R', not {meter!r}")
        self.meter = meter
        self.channel_count = 2 if meter == "2936-R" else 1
        if sensor_channel not in range(1, self.channel_count + 1):
            raise ValueError(f"a {meter} has no channel {sensor_channel}")
        self.serial_number = serial_number
        self.firmware = firmware
        self.sensor = sensor
        self.sensor_channel = sensor_channel
        self.errors: list[int] = []
        self.echo = 0
        self._reset()
        self._commands = [(_header_pattern(spec), handler) for spec, handler in (
            ("*IDN?", self._idn),
            ("*RST", self._rst),
            ("ECHO?", lambda args: str(self.echo)),
            ("ECHO", self._set_echo),
            ("ERRors?", self._errors),
            ("ERRSTR?", self._error_strings),
            ("PM:CHANnel?", lambda args: str(self.selected)),
            ("PM:CHANnel", self._set_channel),
            ("PM:Power?", self._power),
            ("PM:Lambda?", lambda args: str(self.channel.wavelength_nm)),
            ("PM:Lambda", self._set_wavelength),
            ("PM:MIN:Lambda?", lambda args: str(self._detector().min_nm)),
            ("PM:MAX:Lambda?", lambda args: str(self._detector().max_nm)),
            ("PM:UNITs?", lambda args: str(self.channel.units)),
            ("PM:UNITs", self._set_units),
            ("PM:FILTer?", lambda args: str(self.channel.filter_mode)),
            ("PM:FILTer", self._setter("filter_mode", 0, 3)),
            ("PM:DIGITALFILTER?", lambda args: str(self.channel.digital_filter)),
            ("PM:DIGITALFILTER", self._setter("digital_filter", 0, 10_000)),
            ("PM:ANALOGFILTER?", lambda args: str(self.channel.analog_filter)),
            ("PM:ANALOGFILTER", self._setter("analog_filter", 0, 4)),
            ("PM:AUTO?", lambda args: str(self.channel.auto_range)),
            ("PM:AUTO", self._setter("auto_range", 0, 1)),
            ("PM:RANge?", lambda args: str(self.channel.range)),
            ("PM:RANge", self._setter("range", 0, 7)),
            ("PM:DETMODEL?", lambda args: self._detector().model),
            ("PM:DETSN?", lambda args: self._detector().serial),
        )]

    def _reset(self) -> None:
        detector = DETECTORS[self.sensor]
        self.channels = {
            number: _Channel(detector if number == self.sensor_channel else None)
            for number in range(1, self.channel_count + 1)
        }
        self.selected = 1

    @property
    def channel(self) -> _Channel:
        return self.channels[self.selected]

    def _detector(self) -> Detector:
        if self.channel.detector is None:
            raise _MeterError(NOT_SUPPORTED)
        return self.channel.detector

    # -- message handling -------------------------------------------------------------------
    def handle(self, command: str) -> str | None:
        replies = [reply for part in command.split(";") if (reply := self._one(part.strip())) is not None]
        return ",".join(replies) if replies else None

    def _one(self, message: str) -> str | None:
        if not message:
            return None
        header, _, args = message.partition(" ")
        args = args.strip()
        try:
            for pattern, handler in self._commands:
                if pattern.fullmatch(header):
                    if header.endswith("?") and args:
                        raise _MeterError(INVALID_ARGUMENT)
                    return handler(args)
            raise _MeterError(UNKNOWN_COMMAND)
        except _MeterError as error:
            self.errors.append(error.code)
            return None

    # -- root commands ----------------------------------------------------------------------------
    def _idn(self, args: str) -> str:
        return f"NEWPORT {self.meter} {self.firmware} {self.serial_number}"

    def _rst(self, args: str) -> None:
        self._reset()

    def _set_echo(self, args: str) -> None:
        self.echo = _integer(args, 0, 1)

    def _errors(self, args: str) -> str:
        codes, self.errors = self.errors or [NO_ERROR], []
        return ",".join(str(code) for code in codes)

    def _error_strings(self, args: str) -> str:
        codes, self.errors = self.errors or [NO_ERROR], []
        return ",".join(f"{code}, {_TEXTS[code]}" for code in codes)

    # -- channel settings -------------------------------------------------------------------------
    def _set_channel(self, args: str) -> None:
        self.selected = _integer(args, 1, self.channel_count)

    def _set_wavelength(self, args: str) -> None:
        detector = self._detector()
        self.channel.wavelength_nm = _integer(args, detector.min_nm, detector.max_nm)

    def _set_units(self, args: str) -> None:
        units = _integer(args, 0, 11)
        if units not in self._detector().units:
            raise _MeterError(NOT_SUPPORTED)
        self.channel.units = units

    def _setter(self, attribute: str, low: int, high: int):
        def set_value(args: str) -> None:
            setattr(self.channel, attribute, _integer(args, low, high))
        return set_value

    # -- reading ----------------------------------------------------------------------------------
    def _power(self, args: str) -> str:
        channel = self.channel
        if channel.detector is None:
            return f"{NO_DETECTOR_READING:.6E}"
        watts = self.world.power_reading_w(self.name, channel.wavelength_nm, channel.averages)
        if channel.units == 6:
            value = 10.0 * math.log10(max(watts, 1e-15) / 1e-3)
        elif channel.units == 0:
            value = watts * float(self.world.power_sensors[self.name].responsivity_a_per_w(channel.wavelength_nm))
        elif channel.units == 3:
            value = watts / channel.detector.area_cm2
        else:
            value = watts
        return f"{value:.6E}"
