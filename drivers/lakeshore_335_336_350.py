"""Lake Shore Model 335, 336 and 350 cryogenic temperature controllers.

pymeasure's :class:`~pymeasure.instruments.lakeshore.LakeShore3xx` and its
channels already read the inputs (KRDG?, CRDG?, SRDG?), set the control
setpoint (SETP), read the heater output (HTR?), set the manual output (MOUT)
and the 0..3 heater range (RANGE).  This module adds what these three models
have and that driver lacks:

* inputs: the reading status (RDGST?: invalid reading, temperature
  under/overrange, sensor units zero/overrange), one-message reading with
  its status (:meth:`LakeShoreInput.reading`), the input's name (INNAME),
  sensor set-up (INTYPE), curve (INCRV) and curve header (CRVHDR?),
  temperature limit (TLIMIT), alarm (ALARM, ALARMST?), filter, minimum and
  maximum (MDAT?), and the all-inputs readings (``KRDG? 0``, 336 and 350);
* outputs: setpoint ramping (RAMP, RAMPST?), PID gains (PID), output mode
  and control input (OUTMODE), heater set-up (HTRSET, whose fields differ
  on the 335) and heater status (HTRST?), the heater ranges of each model
  (five ranges on the 350, on/off on the analog outputs 3 and 4), the
  analog outputs' level (AOUT?);
* the relays (RELAY, RELAYST?), the display (DISPFLD, BRIGT), the remote
  mode (MODE), the standard event and service request enable registers,
  and the model found from *IDN?.

Protocol facts relied on: ASCII commands; replies end in CR LF.  USB is a
virtual serial port at 57600 baud, 7 data bits, odd parity, 1 stop bit;
Ethernet (336, 350) is TCP port 7777.  A command that cannot be parsed, or
has a parameter out of range, gets no reply: it sets the command-error bit
of the standard event status register (*ESR?), so a failed query times out.
"""

from __future__ import annotations

import logging
from enum import IntEnum, IntFlag

from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.lakeshore.lakeshore3xx import LakeShore3xx
from pymeasure.instruments.lakeshore.lakeshore_base import LakeShoreHeaterChannel, LakeShoreTemperatureChannel
from pymeasure.instruments.validators import strict_discrete_set, strict_range
from pyvisa.constants import Parity, StopBits

from .errors import InstrumentReplyError

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Control inputs by the number OUTMODE uses (0 = none).
INPUTS = {0: None, 1: "A", 2: "B", 3: "C", 4: "D"}
_INPUT_NUMBERS = {letter: number for number, letter in INPUTS.items()}


class OutputMode(IntEnum):
    """Output modes of OUTMODE."""

    OFF = 0
    CLOSED_LOOP = 1
    ZONE = 2
    OPEN_LOOP = 3
    MONITOR_OUT = 4
    WARMUP_SUPPLY = 5


class EventStatus(IntFlag):
    """Bits of the standard event status register (*ESR?)."""

    OPERATION_COMPLETE = 1 << 0
    QUERY_ERROR = 1 << 2
    EXECUTION_ERROR = 1 << 4
    COMMAND_ERROR = 1 << 5
    POWER_ON = 1 << 7


_ERRORS = (EventStatus.COMMAND_ERROR, EventStatus.EXECUTION_ERROR, EventStatus.QUERY_ERROR)


class SensorStatus(IntFlag):
    """Bits of an input's reading status (RDGST?); 0 is a valid reading."""

    INVALID_READING = 1 << 0
    TEMP_UNDERRANGE = 1 << 4
    TEMP_OVERRANGE = 1 << 5
    SENSOR_UNITS_ZERO = 1 << 6
    SENSOR_UNITS_OVERRANGE = 1 << 7

    def describe(self) -> str:
        """The faults in words, as the front panel shows them (e.g. "sensor units overrange (S.OVER)")."""
        return ", ".join(_STATUS_WORDS[flag] for flag in SensorStatus if flag in self) or "valid reading"


_STATUS_WORDS = {
    SensorStatus.INVALID_READING: "invalid reading",
    SensorStatus.TEMP_UNDERRANGE: "temperature underrange (T.UNDER)",
    SensorStatus.TEMP_OVERRANGE: "temperature overrange (T.OVER)",
    SensorStatus.SENSOR_UNITS_ZERO: "sensor units zero (S.ZERO)",
    SensorStatus.SENSOR_UNITS_OVERRANGE: "sensor units overrange (S.OVER)",
}


class SensorType(IntEnum):
    """Sensor types of INTYPE (thermocouple and capacitance need option cards)."""

    DISABLED = 0
    DIODE = 1
    PLATINUM_RTD = 2
    NTC_RTD = 3
    THERMOCOUPLE = 4
    CAPACITANCE = 5


class HeaterError(IntEnum):
    """Heater status (HTRST?); reading it clears it."""

    NO_ERROR = 0
    OPEN_LOAD = 1
    SHORT = 2


class RelayMode(IntEnum):
    """Relay modes of RELAY."""

    OFF = 0
    ON = 1
    ALARMS = 2


class LakeShoreInput(LakeShoreTemperatureChannel):
    """A sensor input: readings (from pymeasure), status and set-up.

    .. code-block:: python

        kelvin, status = controller.input_A.reading()
        if status:
            print("input A:", status.describe())
    """

    status = Channel.measurement(
        "RDGST? {ch}",
        """Get the reading status as :class:`SensorStatus` (0: the reading is valid).""",
        cast=int,
        get_process=SensorStatus,
    )

    name = Channel.control(
        "INNAME? {ch}", 'INNAME {ch},"%s"',
        """Control the input's name (string of at most 15 characters).""",
        validator=lambda value, values: _short_text(value, 15),
        cast=str,
        get_process=lambda v: v.strip(),
    )

    sensor_setup = Channel.control(
        "INTYPE? {ch}", "INTYPE {ch},%s",
        """Control the sensor set-up as a tuple (:class:`SensorType`, autorange, range,
        compensation, preferred units 1 K / 2 C / 3 sensor), with a sensor excitation
        (0: 1 mV, 1: 10 mV) as a sixth entry on the 350.""",
        validator=lambda value, values: _intype(value),
        get_process_list=lambda v: (SensorType(int(v[0])), *(int(x) for x in v[1:])),
    )

    curve = Channel.control(
        "INCRV? {ch}", "INCRV {ch},%d",
        """Control the curve the input converts with (0 none, 1-20 standard, 21-59 user);
        a curve that does not suit the sensor type reads back 0.""",
        validator=strict_discrete_set,
        values=range(60),
        cast=int,
    )

    temperature_limit = Channel.control(
        "TLIMIT? {ch}", "TLIMIT {ch},%g",
        """Control the temperature (K) above which every control output shuts down (0: off).""",
        validator=strict_range,
        values=[0, 2000],
    )

    alarm = Channel.control(
        "ALARM? {ch}", "ALARM {ch},%d,%g,%g,%g,%d,%d,%d",
        """Control the alarm as a tuple (enabled, high value, low value, deadband, latched,
        audible, visible).""",
        get_process_list=lambda v: (bool(int(v[0])), float(v[1]), float(v[2]), float(v[3]),
                                    *(bool(int(x)) for x in v[4:7])),
    )

    alarm_state = Channel.measurement(
        "ALARMST? {ch}",
        """Get the alarm's (high, low) state.""",
        get_process_list=lambda v: (bool(int(v[0])), bool(int(v[1]))),
    )

    minimum_maximum = Channel.measurement(
        "MDAT? {ch}",
        """Get the (minimum, maximum) reading since the last reset (MNMXRST).""",
        get_process_list=tuple,
    )

    filter = Channel.control(
        "FILTER? {ch}", "FILTER {ch},%d,%d,%d",
        """Control the reading filter as a tuple (enabled, points 2-64, reset window 1-10 %).""",
        get_process_list=lambda v: (bool(int(v[0])), int(v[1]), int(v[2])),
    )

    def reading(self) -> tuple[float, SensorStatus]:
        """Measure the kelvin reading and its status in one exchange (``KRDG? x;RDGST? x``)."""
        reply = self.ask(f"KRDG? {self.id};RDGST? {self.id}").strip()
        try:
            kelvin, status = reply.split(";")
            return float(kelvin), SensorStatus(int(status))
        except ValueError:
            raise InstrumentReplyError(f"input {self.id}: unreadable reading and status {reply!r}") from None


def _short_text(value: str, limit: int) -> str:
    text = str(value)
    if len(text) > limit or any(c in text for c in ',;"'):
        raise ValueError(f"{text!r}: at most {limit} characters, without commas, semicolons or quotes")
    return text


def _intype(value) -> str:
    fields = [int(x) for x in value]
    if len(fields) not in (5, 6):
        raise ValueError("INTYPE takes (type, autorange, range, compensation, units[, excitation])")
    SensorType(fields[0])
    return ",".join(str(x) for x in fields)


def _ramp(value, values):
    """(enabled, rate K/min) with the rate in 0..100; 0 with ramping on means an instant step."""
    enabled, rate = value
    rate = float(rate)
    if not 0.0 <= rate <= 100.0:
        raise ValueError(f"ramp rate {rate} K/min is outside 0..100 K/min")
    return int(bool(enabled)), rate


def _pid(value, values):
    """(P, I, D) within P 0.1..1000, I 0.1..1000, D 0..200 %."""
    p, i, d = (float(x) for x in value)
    for name, number, low, high in (("P", p, 0.1, 1000.0), ("I", i, 0.1, 1000.0), ("D", d, 0.0, 200.0)):
        if not low <= number <= high:
            raise ValueError(f"{name} = {number} is outside {low:g}..{high:g}")
    return p, i, d


def _outmode(value, values):
    """(mode, control input letter or None, power-up enable)."""
    mode, control_input, powerup = value
    if control_input not in _INPUT_NUMBERS:
        raise ValueError(f"control input must be one of A, B, C, D or None, not {control_input!r}")
    return int(OutputMode(mode)), _INPUT_NUMBERS[control_input], int(bool(powerup))


class LakeShoreControlOutput(LakeShoreHeaterChannel):
    """A control output (heater or analog) of a 335, 336 or 350.

    Inherits the heater output, manual output, 0..3 heater range and
    setpoint of pymeasure's heater channel; adds ramping, PID and mode.
    """

    ramp = Channel.control(
        "RAMP? {ch}", "RAMP {ch},%d,%g",
        """Control the setpoint ramp as a tuple (enabled, rate in K/min, 0 to 100);
        the rate applies up and down, 0 with ramping on steps at once.""",
        validator=_ramp,
        get_process_list=lambda v: (bool(v[0]), float(v[1])),
    )

    ramping = Channel.measurement(
        "RAMPST? {ch}",
        """Get whether the setpoint is ramping now (True) or has reached its target.""",
        cast=int,
        get_process=bool,
    )

    pid = Channel.control(
        "PID? {ch}", "PID {ch},%g,%g,%g",
        """Control the PID gains as a tuple (P, I, D): P 0.1 to 1000 (gain), I 0.1 to 1000
        (reset, 1000/s), D 0 to 200 (% of a quarter of the integral time).""",
        validator=_pid,
        get_process_list=tuple,
    )

    mode = Channel.control(
        "OUTMODE? {ch}", "OUTMODE {ch},%d,%d,%d",
        """Control the output mode as a tuple (:class:`OutputMode`, control input "A".."D" or None,
        power-up enable: whether the output stays on after a power cycle).""",
        validator=_outmode,
        get_process_list=lambda v: (OutputMode(int(v[0])), INPUTS[int(v[1])], bool(v[2])),
    )


class LakeShoreHeaterOutput(LakeShoreControlOutput):
    """Outputs 1 and 2 of the 336 (and 335 output 1): current heaters with set-up and status."""

    heater_setup = Channel.control(
        "HTRSET? {ch}", "HTRSET {ch},%d,%d,%g,%d",
        """Control the heater set-up as a tuple (resistance 1: 25 ohm / 2: 50 ohm, maximum current
        0: user / 1: 0.707 A / 2: 1 A / 3: 1.141 A / 4: 2 A (336) or 1.732 A (335, 350),
        user maximum current in A, display 1: current / 2: power).""",
        get_process_list=lambda v: (int(v[0]), int(v[1]), float(v[2]), int(v[3])),
    )

    heater_status = Channel.measurement(
        "HTRST? {ch}",
        """Get the heater status as :class:`HeaterError` (reading clears it).""",
        cast=int,
        get_process=HeaterError,
    )

    def output_and_status(self) -> tuple[float, HeaterError]:
        """Measure the heater output (%) and the heater status in one exchange (``HTR? n;HTRST? n``)."""
        reply = self.ask(f"HTR? {self.id};HTRST? {self.id}").strip()
        try:
            percent, status = reply.split(";")
            return float(percent), HeaterError(int(status))
        except ValueError:
            raise InstrumentReplyError(f"output {self.id}: unreadable output and status {reply!r}") from None


class LakeShore335HeaterOutput(LakeShoreHeaterOutput):
    """Outputs 1 and 2 of the 335: HTRSET also carries the output type (output 2 may be a voltage output)."""

    heater_setup = Channel.control(
        "HTRSET? {ch}", "HTRSET {ch},%d,%d,%d,%g,%d",
        """Control the heater set-up as a tuple (output type 0: current / 1: voltage (output 2 only),
        resistance 1: 25 ohm / 2: 50 ohm, maximum current 0: user / 1: 0.707 A / 2: 1 A / 3: 1.141 A /
        4: 1.732 A, user maximum current in A, display 1: current / 2: power).""",
        get_process_list=lambda v: (int(v[0]), int(v[1]), int(v[2]), float(v[3]), int(v[4])),
    )

    analog_output = Channel.measurement(
        "AOUT? {ch}",
        """Get output 2's level in percent when it is a voltage output.""",
    )


class LakeShoreAnalogOutput(LakeShoreControlOutput):
    """Outputs 3 and 4 of the 336 and 350: ±10 V analog outputs, range only off or on."""

    analog_output = Channel.measurement(
        "AOUT? {ch}",
        """Get the output's level in percent of full scale.""",
    )

    range = Channel.control(
        "RANGE? {ch}", "RANGE {ch},%d",
        """Control the output range, "off" or "on".""",
        validator=strict_discrete_set,
        values={"off": 0, "on": 1},
        map_values=True,
    )


class LakeShore350HeaterOutput(LakeShoreHeaterOutput):
    """Outputs 1 and 2 of the 350: five heater ranges, each a decade of power above the last."""

    range = Channel.control(
        "RANGE? {ch}", "RANGE {ch},%d",
        """Control the heater range: 0 (off) or 1 (lowest) to 5 (highest power).""",
        validator=strict_discrete_set,
        values=range(6),
        cast=int,
    )


class LakeShoreRelay(Channel):
    """Relay 1 or 2: off, on, or driven by an input's alarm."""

    setup = Channel.control(
        "RELAY? {ch}", "RELAY {ch},%d,%s,%d",
        """Control the relay as a tuple (:class:`RelayMode`, input whose alarm drives it "A".."D",
        alarm type 0: low / 1: high / 2: both).""",
        get_process_list=lambda v: (RelayMode(int(v[0])), v[1].strip(), int(v[2])),
    )

    state = Channel.measurement(
        "RELAYST? {ch}",
        """Get whether the relay is energised.""",
        cast=int,
        get_process=bool,
    )


class LakeShoreTemperatureController(LakeShore3xx):
    """Common part of the Lake Shore 335, 336 and 350.

    .. code-block:: python

        controller = LakeShore336("TCPIP::192.168.0.12::7777::SOCKET")
        controller.output_1.range = "medium"
        controller.output_1.ramp = (True, 5.0)     # 5 K/min
        controller.output_1.setpoint = 77.0
        print(controller.input_A.kelvin, controller.output_1.ramping)
    """

    model = ""

    input_A = Instrument.ChannelCreator(LakeShoreInput, "A")
    input_B = Instrument.ChannelCreator(LakeShoreInput, "B")
    input_C = Instrument.ChannelCreator(LakeShoreInput, "C")
    input_D = Instrument.ChannelCreator(LakeShoreInput, "D")
    output_1 = Instrument.ChannelCreator(LakeShoreHeaterOutput, 1)
    output_2 = Instrument.ChannelCreator(LakeShoreHeaterOutput, 2)
    relay_1 = Instrument.ChannelCreator(LakeShoreRelay, 1)
    relay_2 = Instrument.ChannelCreator(LakeShoreRelay, 2)

    def __init__(self, adapter, name=None, **kwargs):
        kwargs.setdefault("read_termination", "\r\n")
        kwargs.setdefault("write_termination", "\r\n")
        kwargs.setdefault("timeout", 2000)
        kwargs.setdefault("asrl", {"baud_rate": 57600, "data_bits": 7, "parity": Parity.odd,
                                   "stop_bits": StopBits.one})
        super().__init__(adapter, name or f"Lake Shore {self.model or '3xx'} temperature controller", **kwargs)

    event_status = Instrument.measurement(
        "*ESR?",
        """Get the standard event status register as :class:`EventStatus` (reading clears it).""",
        cast=int,
        get_process=EventStatus,
    )

    event_enable = Instrument.control(
        "*ESE?", "*ESE %d",
        """Control the standard event status enable register (:class:`EventStatus` bits, 0-255).""",
        validator=strict_discrete_set,
        values=range(256),
        cast=int,
        get_process=EventStatus,
    )

    service_request_enable = Instrument.control(
        "*SRE?", "*SRE %d",
        """Control the service request enable register (0-255).""",
        validator=strict_discrete_set,
        values=range(256),
        cast=int,
    )

    status_byte = Instrument.measurement(
        "*STB?",
        """Get the status byte (bit 5: an enabled event is set; bit 6: service request).""",
        cast=int,
    )

    interface_mode = Instrument.control(
        "MODE?", "MODE %d",
        """Control the remote interface mode: 0 local, 1 remote, 2 remote with local lockout.""",
        validator=strict_discrete_set,
        values=(0, 1, 2),
        cast=int,
    )

    brightness = Instrument.control(
        "BRIGT?", "BRIGT %d",
        """Control the display brightness (335, 350: 0-3 for 25-100 %; 336: contrast 1-32).""",
        cast=int,
    )

    def display_field(self, field: int, source: int | None = None, units: int | None = None):
        """Set display field ``field`` (1-8) to an input (1 A .. 4 D, 0 none) and units, or read it."""
        if source is None:
            return tuple(int(x) for x in self.values(f"DISPFLD? {int(field)}"))
        self.write(f"DISPFLD {int(field)},{int(source)},{int(units if units is not None else 1)}")
        return None

    def curve_header(self, curve: int) -> tuple[str, str, int, float, int]:
        """Measure curve ``curve``'s header: (name, serial number, format, limit in K, coefficient)."""
        name, serial, data_format, limit, coefficient = self.ask(f"CRVHDR? {int(curve)}").split(",")
        return name.strip(), serial.strip(), int(data_format), float(limit), int(coefficient)

    def reset_alarms(self) -> None:
        """Clear latched alarms (ALMRST)."""
        self.write("ALMRST")

    def reset_minimum_maximum(self) -> None:
        """Restart every input's minimum and maximum (MNMXRST)."""
        self.write("MNMXRST")

    def check_errors(self) -> list[str]:
        """Read (and clear) the event register; return the names of the error bits set.

        These controllers have no error queue (no SYST:ERR?): a rejected
        command only shows as a bit in the standard event status register.
        """
        status = self.event_status
        errors = [flag.name for flag in _ERRORS if flag in status]
        for error in errors:
            log.error("%s: %s", self.name, error)
        return errors


class LakeShore335(LakeShoreTemperatureController):
    """Lake Shore Model 335: inputs A and B, heater outputs 1 and 2 (ranges off, low, medium, high)."""

    model = "335"
    input_C = input_D = input_C1 = input_C2 = input_C3 = input_C4 = None
    input_D1 = input_D2 = input_D3 = input_D4 = input_D5 = None
    output_1 = Instrument.ChannelCreator(LakeShore335HeaterOutput, 1)
    output_2 = Instrument.ChannelCreator(LakeShore335HeaterOutput, 2)
    output_3 = output_4 = None


class LakeShore336(LakeShoreTemperatureController):
    """Lake Shore Model 336: inputs A to D, heater outputs 1 and 2, analog outputs 3 and 4."""

    model = "336"
    input_C1 = input_C2 = input_C3 = input_C4 = input_D1 = None
    input_D2 = input_D3 = input_D4 = input_D5 = None
    output_3 = Instrument.ChannelCreator(LakeShoreAnalogOutput, 3)
    output_4 = Instrument.ChannelCreator(LakeShoreAnalogOutput, 4)

    kelvin_all = Instrument.measurement(
        "KRDG? 0", """Get the kelvin readings of inputs A to D, as a list.""")
    sensor_all = Instrument.measurement(
        "SRDG? 0", """Get the sensor-unit readings of inputs A to D, as a list.""")


class LakeShore350(LakeShoreTemperatureController):
    """Lake Shore Model 350: inputs A to D (D1..D5 only with the 3062 scanner, not modelled here),
    outputs 1 and 2 with five heater ranges, analog outputs 3 and 4."""

    model = "350"
    input_C1 = input_C2 = input_C3 = input_C4 = None
    input_D1 = input_D2 = input_D3 = input_D4 = input_D5 = None  # without the 3062 scanner
    kelvin_all = LakeShore336.kelvin_all
    sensor_all = LakeShore336.sensor_all
    output_1 = Instrument.ChannelCreator(LakeShore350HeaterOutput, 1)
    output_2 = Instrument.ChannelCreator(LakeShore350HeaterOutput, 2)
    output_3 = Instrument.ChannelCreator(LakeShoreAnalogOutput, 3)
    output_4 = Instrument.ChannelCreator(LakeShoreAnalogOutput, 4)


MODELS: dict[str, type[LakeShoreTemperatureController]] = {
    cls.model: cls for cls in (LakeShore335, LakeShore336, LakeShore350)
}


def open_lakeshore(adapter, **kwargs) -> LakeShoreTemperatureController:
    """Connect, ask *IDN? and return the driver of the model that answered.

    Raises ValueError for a Lake Shore model other than 335, 336 or 350.
    """
    probe = LakeShoreTemperatureController(adapter, **kwargs)
    identity = probe.id
    fields = [field.strip() for field in identity.split(",")]
    model = fields[1].upper().removeprefix("MODEL") if len(fields) > 1 else ""
    if fields[0] != "LSCI" or model not in MODELS:
        probe.adapter.close()
        raise ValueError(f"not a Lake Shore 335, 336 or 350: *IDN? answered {identity!r}")
    return MODELS[model](probe.adapter)
