"""A simulated Thorlabs PM100D / PM100USB / PM400 console answering its SCPI subset.

Messages end with LF both ways.  Headers match in short or long form, any
case, with optional nodes and the channel suffix 1, as an SCPI parser does;
several commands may share a line separated by ``;``.  A bad command gets no
reply and queues an SCPI error, read back with ``SYST:ERR?``.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass

from ..faults import FaultPlan
from .base import SimulatedDevice

_QUEUE_LENGTH = 30  # the console keeps a bounded error queue; the last slot reports the overflow
_EXTENDED = 1 << 31


@dataclass(frozen=True)
class SensorHead:
    """One sensor head model: its identification fields and calibrated wavelength range."""

    model: str
    calibration: str
    sensor_type: int
    subtype: int
    classic_flags: int
    extended_flags: int
    min_nm: float
    max_nm: float
    default_nm: float


# An InGaAs photodiode head (matches the world's photodiode responsivity model) and a thermopile.
HEADS = {
    "photodiode": SensorHead("S122C", "18-Mar-2019", 1, 18,
                             classic_flags=1 | 32 | 256,
                             extended_flags=_EXTENDED | 1 << 0 | 1 << 2 | 1 << 5 | 1 << 7 | 1 << 8 | 1 << 12,
                             min_nm=700.0, max_nm=1800.0, default_nm=1550.0),
    "thermal": SensorHead("S302C", "05-Nov-2020", 2, 18,
                          classic_flags=1 | 16 | 32 | 64 | 256,
                          extended_flags=_EXTENDED | 1 << 2 | 1 << 3 | 1 << 4 | 1 << 9 | 1 << 12,
                          min_nm=190.0, max_nm=25000.0, default_nm=1064.0),
}

_MESSAGES = {
    -104: "Data type error",
    -108: "Parameter not allowed",
    -109: "Missing parameter",
    -113: "Undefined header",
    -222: "Data out of range",
    -224: "Illegal parameter value",
    -350: "Queue overflow",
}


class _SCPIError(Exception):
    def __init__(self, code: int):
        super().__init__(_MESSAGES[code])
        self.code = code


def _header_pattern(spec: str) -> re.Pattern:
    """Regex for an SCPI header spec such as ``[SENSe#:]CORRection:WAVelength?``.

    Each keyword matches its short form (the capitals) or its long form;
    ``[...]`` is optional and ``#`` an optional channel suffix 1.
    """
    parts = []
    for token in re.findall(r"\*?[A-Za-z]+|.", spec):
        if token == "[":
            parts.append("(?:")
        elif token == "]":
            parts.append(")?")
        elif token == "#":
            parts.append("1?")
        elif len(token) > 1 or token.isalpha():
            short = "".join(c for c in token if not c.islower())
            long = token.upper()
            parts.append(re.escape(long) if short == long else f"(?:{re.escape(long)}|{re.escape(short)})")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts), re.IGNORECASE)


def _number(text: str, low: float, high: float, default: float) -> float:
    word = text.strip().upper()
    if word in ("MIN", "MINIMUM"):
        return low
    if word in ("MAX", "MAXIMUM"):
        return high
    if word in ("DEF", "DEFAULT"):
        return default
    try:
        value = float(word)
    except ValueError:
        raise _SCPIError(-104) from None
    if not math.isfinite(value):
        raise _SCPIError(-104)
    if not low <= value <= high:
        raise _SCPIError(-222)
    return value


def _boolean(text: str) -> bool:
    word = text.strip().upper()
    if word in ("1", "ON"):
        return True
    if word in ("0", "OFF"):
        return False
    raise _SCPIError(-224)


class SimulatedThorlabsPM100(SimulatedDevice):
    """PM100-family console with one sensor head on the pick-off; the reading comes from the world.

    ``sensor_idn_style`` is ``"quoted"`` (current firmware) or ``"plain"``
    (older firmware); ``sensor_flag_format`` is ``"classic"`` or
    ``"extended"`` (bit 31 set, PM100D2/D3 layout).
    """

    model = "Thorlabs PM100"
    read_termination = "\n"
    write_termination = "\n"

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None, console: str = "PM100D",
                 serial_number: str = "P0012345", firmware: str = "2.8.0", sensor: str = "photodiode",
                 sensor_serial: str = "190311203", sensor_idn_style: str = "quoted",
                 sensor_flag_format: str = "classic"):
        super().__init__(world, name, faults=faults)
        if sensor_idn_style not in ("quoted", "plain"):
            raise ValueError(f"sensor_idn_style must be 'quoted' or 'plain', not {sensor_idn_style!r}")
        if sensor_flag_format not in ("classic", "extended"):
            raise ValueError(f"sensor_flag_format must be 'classic' or 'extended', not {sensor_flag_format!r}")
        self.console = console
        self.serial_number = serial_number
        self.firmware = firmware
        self.head = HEADS[sensor]
        self.sensor_serial = sensor_serial
        self.sensor_idn_style = sensor_idn_style
        self.sensor_flag_format = sensor_flag_format
        self.errors: deque[int] = deque()
        self._reset()
        self._commands = [(_header_pattern(spec), handler) for spec, handler in (
            ("*IDN?", self._idn),
            ("*RST", self._rst),
            ("*CLS", self._cls),
            ("*OPC?", lambda args: "1"),
            ("SYSTem:ERRor[:NEXT]?", self._next_error),
            ("SYSTem:ERRor:COUNt?", lambda args: str(len(self.errors))),
            ("SYSTem:SENSor#:IDN?", self._sensor_idn),
            ("[SENSe#:]CORRection:WAVelength?", self._get_wavelength),
            ("[SENSe#:]CORRection:WAVelength", self._set_wavelength),
            ("[SENSe#:]AVERage[:COUNt]?", lambda args: str(self.averages)),
            ("[SENSe#:]AVERage[:COUNt]", self._set_averages),
            ("[SENSe#:]POWer[:DC]:UNIT?", lambda args: self.unit),
            ("[SENSe#:]POWer[:DC]:UNIT", self._set_unit),
            ("[SENSe#:]POWer[:DC]:RANGe:AUTO?", lambda args: "1" if self.auto_range else "0"),
            ("[SENSe#:]POWer[:DC]:RANGe:AUTO", self._set_auto_range),
            ("[SENSe#:]CORRection:COLLect:ZERO[:INITiate]", self._zero),
            ("MEASure#[:SCALar][:POWer]?", self._measure_power),
        )]

    def _reset(self) -> None:
        self.wavelength_nm = self.head.default_nm
        self.averages = 1
        self.unit = "W"
        self.auto_range = True
        self.zero_w = 0.0

    # -- message handling -------------------------------------------------------------------
    def handle(self, command: str) -> str | None:
        replies = [reply for part in command.split(";") if (reply := self._one(part.strip())) is not None]
        return ";".join(replies) if replies else None

    def _one(self, message: str) -> str | None:
        if not message:
            return None
        header, _, args = message.partition(" ")
        header = header.lstrip(":")
        try:
            for pattern, handler in self._commands:
                if pattern.fullmatch(header):
                    return handler(args.strip())
            raise _SCPIError(-113)
        except _SCPIError as error:
            self._queue(error.code)
            return None

    def _queue(self, code: int) -> None:
        if len(self.errors) >= _QUEUE_LENGTH - 1:
            if len(self.errors) == _QUEUE_LENGTH - 1:
                self.errors.append(-350)
            return
        self.errors.append(code)

    @staticmethod
    def _no_args(args: str) -> None:
        if args:
            raise _SCPIError(-108)

    @staticmethod
    def _one_arg(args: str) -> str:
        if not args:
            raise _SCPIError(-109)
        return args

    # -- common and system ----------------------------------------------------------------------
    def _idn(self, args: str) -> str:
        self._no_args(args)
        return f"Thorlabs,{self.console},{self.serial_number},{self.firmware}"

    def _rst(self, args: str) -> None:
        self._no_args(args)
        self._reset()

    def _cls(self, args: str) -> None:
        self._no_args(args)
        self.errors.clear()

    def _next_error(self, args: str) -> str:
        self._no_args(args)
        if not self.errors:
            return '0,"No error"'
        code = self.errors.popleft()
        return f'{code},"{_MESSAGES[code]}"'

    def _sensor_idn(self, args: str) -> str:
        self._no_args(args)
        head = self.head
        flags = head.extended_flags if self.sensor_flag_format == "extended" else head.classic_flags
        strings = (head.model, self.sensor_serial, head.calibration)
        if self.sensor_idn_style == "quoted":
            strings = tuple(f'"{text}"' for text in strings)
        return ",".join((*strings, str(head.sensor_type), str(head.subtype), str(flags)))

    # -- sense ----------------------------------------------------------------------------------
    def _get_wavelength(self, args: str) -> str:
        word = args.upper()
        if word in ("MIN", "MINIMUM"):
            value = self.head.min_nm
        elif word in ("MAX", "MAXIMUM"):
            value = self.head.max_nm
        elif word in ("", "DEF", "DEFAULT"):
            value = self.head.default_nm if word else self.wavelength_nm
        else:
            raise _SCPIError(-224)
        return f"{value:.6E}"

    def _set_wavelength(self, args: str) -> None:
        head = self.head
        self.wavelength_nm = _number(self._one_arg(args), head.min_nm, head.max_nm, head.default_nm)

    def _set_averages(self, args: str) -> None:
        self.averages = int(round(_number(self._one_arg(args), 1, 1_000_000, 1)))

    def _set_unit(self, args: str) -> None:
        word = self._one_arg(args).upper()
        if word not in ("W", "DBM"):
            raise _SCPIError(-224)
        self.unit = word

    def _set_auto_range(self, args: str) -> None:
        self.auto_range = _boolean(self._one_arg(args))

    def _zero(self, args: str) -> None:
        self._no_args(args)
        # Zeroing takes whatever reaches the head as the dark level, light included, as on the console.
        self.zero_w = self._reading_w() + self.zero_w

    # -- measure --------------------------------------------------------------------------------
    def _reading_w(self) -> float:
        return self.world.power_reading_w(self.name, self.wavelength_nm, self.averages) - self.zero_w

    def _measure_power(self, args: str) -> str:
        self._no_args(args)
        watts = self._reading_w()
        if self.unit == "DBM":
            return f"{10.0 * math.log10(max(watts, 1e-15) / 1e-3):.6E}"
        return f"{watts:.6E}"
