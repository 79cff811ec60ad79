"""A simulated Thorlabs CLD1015 driving a butterfly laser diode, answering its SCPI command set.

Messages end with LF both ways.  Headers match in short or long form, any
case, with optional nodes and the default suffix 1, and several commands may
share a line separated by ``;``.  A bad command answers nothing and queues an
SCPI error for ``SYST:ERR?``; the queue holds ten entries, the last of which
becomes ``-350`` when more arrive.

The controller holds only its settings; the light leaving the diode is the
world's emitter named after the instrument.  The diode lases above a
threshold current that rises with its temperature, with a constant slope
efficiency above it.  The TEC pulls the diode temperature towards the
setpoint (or, when off, towards the room) exponentially in bench time.  The
laser output switches on only with the key on, the interlock closed and the
TEC running, and drops when the TEC stops or the interlock opens.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..faults import FaultPlan
from .base import SimulatedDevice

MAX_CURRENT_A = 1.5  # the CLD1015's laser current range
TEMPERATURE_RANGE_C = (15.0, 45.0)
REFERENCE_TEMPERATURE_C = 25.0  # where a diode's threshold and slope are specified
ROOM_TEMPERATURE_C = 22.0
TEC_TIME_CONSTANT_S = 3.0  # a butterfly package on a TEC settles within seconds
PASSIVE_TIME_CONSTANT_S = 30.0  # without the TEC the package drifts to room temperature slowly
_QUEUE_LENGTH = 10


@dataclass(frozen=True)
class ButterflyDiode:
    """The laser diode in the butterfly package, as the physics sees it.

    Optical power P = slope (I - I_th(T)) above threshold, with
    I_th(T) = I_th exp((T - 25 C) / T0), T0 the characteristic temperature.
    The forward voltage is V = V0 + R I; the back-facet monitor photodiode
    gives ``monitor_a_per_w`` amperes per watt of output.
    """

    threshold_a: float
    slope_w_per_a: float
    max_current_a: float
    characteristic_temperature_k: float
    turn_on_voltage_v: float
    series_resistance_ohm: float
    monitor_a_per_w: float

    @property
    def rated_power_w(self) -> float:
        return self.slope_w_per_a * max(0.0, self.max_current_a - self.threshold_a)

    def threshold_at(self, temperature_c: float) -> float:
        excess = temperature_c - REFERENCE_TEMPERATURE_C
        return self.threshold_a * math.exp(excess / self.characteristic_temperature_k)

    def power_w(self, current_a: float, temperature_c: float) -> float:
        return max(0.0, self.slope_w_per_a * (current_a - self.threshold_at(temperature_c)))

    def voltage_v(self, current_a: float) -> float:
        return self.turn_on_voltage_v + self.series_resistance_ohm * current_a if current_a > 0 else 0.0

    @classmethod
    def for_spec(cls, wavelength_nm: float, settings: dict) -> ButterflyDiode:
        """The typical diode nearest in wavelength, with any field the bench settings give replaced."""
        nearest = min(TYPICAL_DIODES, key=lambda nm: abs(nm - wavelength_nm))
        overrides = {key: float(settings[key]) for key in cls.__dataclass_fields__ if key in settings}
        return replace(TYPICAL_DIODES[nearest], **overrides)


# Typical 14-pin butterfly diodes: a 1450 nm InGaAsP pump (about 0.5 W at 1.5 A) and an
# 852 nm GaAs DBR diode (about 80 mW at 0.2 A); GaAs thresholds depend less on temperature.
TYPICAL_DIODES = {
    1450.0: ButterflyDiode(threshold_a=0.06, slope_w_per_a=0.35, max_current_a=1.5,
                           characteristic_temperature_k=60.0, turn_on_voltage_v=0.85,
                           series_resistance_ohm=1.2, monitor_a_per_w=2e-3),
    852.0: ButterflyDiode(threshold_a=0.03, slope_w_per_a=0.5, max_current_a=0.2,
                          characteristic_temperature_k=150.0, turn_on_voltage_v=1.5,
                          series_resistance_ohm=3.0, monitor_a_per_w=1e-2),
}

_MESSAGES = {
    -104: "Data type error",
    -108: "Parameter not allowed",
    -109: "Missing parameter",
    -113: "Undefined header",
    -221: "Settings conflict",
    -222: "Data out of range",
    -224: "Illegal parameter value",
    -350: "Error queue overflow",
}


class _SCPIError(Exception):
    def __init__(self, code: int):
        super().__init__(_MESSAGES[code])
        self.code = code


def _header_pattern(spec: str) -> re.Pattern:
    """Regex for a header spec such as ``SOURce#:CURRent[:LEVel]``.

    A keyword matches its short form (the capitals) or its long form, any
    case; ``[...]`` is optional; ``#`` is the optional suffix 1.
    """
    parts = []
    for token in re.findall(r"\*?[A-Za-z]+|.", spec):
        if token == "[":
            parts.append("(?:")
        elif token == "]":
            parts.append(")?")
        elif token == "#":
            parts.append("1?")
        elif token[-1].isalpha():
            short, long = "".join(c for c in token if not c.islower()), token.upper()
            parts.append(re.escape(long) if short == long else f"(?:{re.escape(long)}|{re.escape(short)})")
        else:
            parts.append(re.escape(token))
    return re.compile(":?" + "".join(parts), re.IGNORECASE)


def _number(text: str | None, low: float, high: float, default: float) -> float:
    if text is None:
        raise _SCPIError(-109)
    word = text.strip().upper()
    named = {"MIN": low, "MINIMUM": low, "MAX": high, "MAXIMUM": high, "DEF": default, "DEFAULT": default}
    if word in named:
        return named[word]
    try:
        value = float(word)
    except ValueError:
        raise _SCPIError(-104) from None
    if not math.isfinite(value):
        raise _SCPIError(-104)
    if not low <= value <= high:
        raise _SCPIError(-222)
    return value


def _boolean(text: str | None) -> bool:
    if text is None:
        raise _SCPIError(-109)
    word = text.strip().upper()
    if word in ("1", "ON"):
        return True
    if word in ("0", "OFF"):
        return False
    raise _SCPIError(-224)


def _nr3(value: float) -> str:
    return f"{value:.6E}"


def _plain(reply: Callable[[], str]) -> Callable[[str | None], str]:
    """A query that takes no parameter."""

    def query(argument: str | None) -> str:
        if argument is not None:
            raise _SCPIError(-108)
        return reply()

    return query


class SimulatedCLD1015(SimulatedDevice):
    """CLD1015 controller with its diode; the optical output is the world's emitter named ``name``."""

    model = "Thorlabs CLD1015"
    read_termination = "\n"
    write_termination = "\n"

    def __init__(self, world, name: str, diode: ButterflyDiode, *, faults: FaultPlan | None = None,
                 serial_number: str = "M00123456", firmware: str = "1.3.0", current_limit_a: float | None = None):
        super().__init__(world, name, faults=faults)
        self.diode = diode
        self.serial_number = serial_number
        self.firmware = firmware
        self.key_on = True  # the front-panel key; off blocks the laser output
        self.errors: deque[int] = deque()
        limit = diode.max_current_a if current_limit_a is None else current_limit_a
        self.current_limit_a = min(MAX_CURRENT_A, limit)
        self.current_setpoint_a = 0.0
        self.laser_on = False
        self.tec_on = False
        self.temperature_setpoint_c = REFERENCE_TEMPERATURE_C
        self._temperature_c = ROOM_TEMPERATURE_C
        self._temperature_time = world.now()
        self._queries: list[tuple[re.Pattern, Callable[[str | None], str]]] = [
            (_header_pattern(spec), handler) for spec, handler in (
                ("*IDN", _plain(lambda: f"THORLABS,CLD1015,{self.serial_number},{self.firmware}")),
                ("*OPC", _plain(lambda: "1")),
                ("*STB", _plain(lambda: "4" if self.errors else "0")),
                ("SYSTem:ERRor[:NEXT]", self._next_error),
                ("SOURce#:CURRent[:LEVel][:IMMediate][:AMPLitude]", self._current_query),
                ("SOURce#:CURRent:LIMit[:AMPLitude]",
                 lambda arg: _nr3(self._numeric_query(arg, self.current_limit_a, 0.0, MAX_CURRENT_A))),
                ("OUTPut#[:STATe]", _plain(lambda: str(int(self._laser_state())))),
                ("OUTPut2[:STATe]", _plain(lambda: str(int(self.tec_on)))),
                ("SOURce2:TEMPerature[:SPOint]",
                 lambda arg: _nr3(self._numeric_query(arg, self.temperature_setpoint_c, *TEMPERATURE_RANGE_C))),
                ("MEASure[:SCALar]:CURRent#[:DC]", _plain(lambda: _nr3(self._drive_current()))),
                ("SENSe3:CURRent[:DC]:DATA", _plain(lambda: _nr3(self._drive_current()))),
                ("MEASure[:SCALar]:VOLTage#[:DC]", _plain(lambda: _nr3(self.diode.voltage_v(self._drive_current())))),
                ("SENSe4:VOLTage[:DC]:DATA", _plain(lambda: _nr3(self.diode.voltage_v(self._drive_current())))),
                ("MEASure[:SCALar]:CURRent2[:DC]", _plain(lambda: _nr3(self._monitor_current()))),
                ("MEASure[:SCALar]:POWer2", _plain(lambda: _nr3(self._monitor_current() / self.diode.monitor_a_per_w))),
                ("MEASure[:SCALar]:TEMPerature", _plain(lambda: _nr3(self.temperature_c()))),
                ("SENSe2:TEMPerature:DATA", _plain(lambda: _nr3(self.temperature_c()))),
                ("OUTPut#:PROTection:KEYLock:TRIPped", _plain(lambda: str(int(not self.key_on)))),
                ("OUTPut#:PROTection:INTLock:TRIPped", _plain(lambda: str(int(not self._emitter.interlock_closed)))),
                ("OUTPut#:PROTection:OTEMp:TRIPped", _plain(lambda: "0")),
            )]
        self._settings: list[tuple[re.Pattern, Callable[[str | None], None]]] = [
            (_header_pattern(spec), handler) for spec, handler in (
                ("*CLS", self._clear_status),
                ("*RST", self._reset),
                ("SOURce#:CURRent[:LEVel][:IMMediate][:AMPLitude]", self._set_current),
                ("SOURce#:CURRent:LIMit[:AMPLitude]", self._set_limit),
                ("OUTPut#[:STATe]", self._set_laser),
                ("OUTPut2[:STATe]", self._set_tec),
                ("SOURce2:TEMPerature[:SPOint]", self._set_temperature),
            )]
        self._update_world()

    @property
    def _emitter(self):
        return self.world.lasers[self.name]

    # -- the message layer -------------------------------------------------------------
    def handle(self, command: str) -> str | None:
        self.world.sync()
        self._follow_world()
        replies = []
        for unit in command.split(";"):
            unit = unit.strip()
            if not unit:
                continue
            header, _, argument = unit.partition(" ")
            argument = argument.strip() or None
            try:
                if header.endswith("?"):
                    replies.append(self._dispatch(self._queries, header[:-1], argument))
                else:
                    self._dispatch(self._settings, header, argument)
            except _SCPIError as error:
                self._push_error(error.code)
        self._update_world()
        return ";".join(replies) if replies else None

    @staticmethod
    def _dispatch(table, header: str, argument: str | None):
        for pattern, handler in table:
            if pattern.fullmatch(header):
                return handler(argument)
        raise _SCPIError(-113)

    def _push_error(self, code: int) -> None:
        if len(self.errors) >= _QUEUE_LENGTH:
            self.errors[-1] = -350
        else:
            self.errors.append(code)

    def _next_error(self, argument: str | None) -> str:
        if argument is not None:
            raise _SCPIError(-108)
        if not self.errors:
            return '+0,"No error"'
        code = self.errors.popleft()
        return f'{code},"{_MESSAGES[code]}"'

    def _clear_status(self, argument: str | None) -> None:
        if argument is not None:
            raise _SCPIError(-108)
        self.errors.clear()

    def _reset(self, argument: str | None) -> None:
        if argument is not None:
            raise _SCPIError(-108)
        self._advance_temperature()
        self.laser_on = False
        self.tec_on = False
        self.current_setpoint_a = 0.0

    @staticmethod
    def _numeric_query(argument: str | None, value: float, low: float, high: float) -> float:
        """A setting's value, or with MIN / MAX the end of its range."""
        if argument is None:
            return value
        named = {"MIN": low, "MINIMUM": low, "MAX": high, "MAXIMUM": high}
        if argument.upper() not in named:
            raise _SCPIError(-224)
        return named[argument.upper()]

    # -- laser current -----------------------------------------------------------------
    def _current_query(self, argument: str | None) -> str:
        return _nr3(self._numeric_query(argument, self.current_setpoint_a, 0.0, self.current_limit_a))

    def _set_current(self, argument: str | None) -> None:
        self.current_setpoint_a = _number(argument, 0.0, self.current_limit_a, 0.0)

    def _set_limit(self, argument: str | None) -> None:
        self.current_limit_a = _number(argument, 0.0, MAX_CURRENT_A, MAX_CURRENT_A)
        self.current_setpoint_a = min(self.current_setpoint_a, self.current_limit_a)

    def _drive_current(self) -> float:
        return self.current_setpoint_a if self._laser_state() else 0.0

    def _monitor_current(self) -> float:
        return self.diode.monitor_a_per_w * self.world.laser_output_w(self.name)

    # -- laser output -------------------------------------------------------------------
    def _laser_state(self) -> bool:
        return self.laser_on and self._emitter.emitting

    def _set_laser(self, argument: str | None) -> None:
        on = _boolean(argument)
        if not on:
            self.laser_on = False
            self.world.set_emission(self.name, False)
            return
        if not (self.key_on and self.tec_on):
            raise _SCPIError(-221)
        if not self.world.set_emission(self.name, True):
            raise _SCPIError(-221)
        self.laser_on = True

    def _follow_world(self) -> None:
        """An interlock trip switches the output off, and it stays off until switched on again."""
        if self.laser_on and not self._emitter.emission:
            self.laser_on = False

    def _update_world(self) -> None:
        self._advance_temperature()
        self.world.set_laser_power(self.name, self.diode.power_w(self.current_setpoint_a, self._temperature_c))
        if not self.laser_on and self._emitter.emission:
            self.world.set_emission(self.name, False)

    # -- TEC ------------------------------------------------------------------------------
    def _set_tec(self, argument: str | None) -> None:
        on = _boolean(argument)
        self._advance_temperature()
        self.tec_on = on
        if not on and self.laser_on:
            # the laser must not run on an uncontrolled diode
            self.laser_on = False
            self.world.set_emission(self.name, False)

    def _set_temperature(self, argument: str | None) -> None:
        value = _number(argument, *TEMPERATURE_RANGE_C, REFERENCE_TEMPERATURE_C)
        self._advance_temperature()
        self.temperature_setpoint_c = value

    def temperature_c(self) -> float:
        """The diode temperature now."""
        self._advance_temperature()
        return self._temperature_c

    def _advance_temperature(self) -> None:
        now = self.world.now()
        elapsed = now - self._temperature_time
        if elapsed <= 0:
            return
        target, tau = ((self.temperature_setpoint_c, TEC_TIME_CONSTANT_S) if self.tec_on
                       else (ROOM_TEMPERATURE_C, PASSIVE_TIME_CONSTANT_S))
        self._temperature_c = target + (self._temperature_c - target) * math.exp(-elapsed / tau)
        self._temperature_time = now
