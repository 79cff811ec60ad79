"""A simulated Lake Shore 335, 336 or 350 answering its command set (CR LF terminated).

Source: the Model 335, 336 and 350 User's Manuals, chapter 6 (computer
interface operation, command list), with reply formats as those chapters
give them; where a manual leaves something open, the behaviour of Lake
Shore's own Python driver (lakeshore package) decides, since it was written
against the instruments.

The bench: input A is a DT-470 diode on the cryostat's cold stage, input B
a DT-470 diode at the sample; C and D (336, 350) are disabled (no sensor).
Output 1 drives the cryostat's heater with the instrument's PID law on its
control input; the other outputs keep their settings and report their
output, but heat nothing.

Protocol, as on the real controllers:

* Commands are mnemonics with comma-separated parameters; several commands
  may share one message, separated by ``;`` (a ``:`` in front of a command,
  as Lake Shore's driver sends after ``;``, is accepted), and the replies of
  the queries among them come back joined by ``;``.  An empty parameter
  (``ALARM A,0,,,,,,``) leaves that setting as it was.
* A command that cannot be parsed, has the wrong number of parameters or a
  parameter out of range, or addresses an input/output the model does not
  have, gets no reply and sets the command-error bit (32) of the standard
  event status register; a query error in a message is simply never
  answered, so the host's read times out.  A valid command the instrument
  cannot carry out now (autotune with the output off) sets the execution
  error bit (16).  There is no error queue.
* Model differences: the 335 has inputs A and B and no all-inputs (``0``)
  form of the reading queries; its HTRSET carries an output type (current /
  voltage, output 2 only); the 336 and 350 have inputs A-D, analog outputs
  3 and 4 (range off/on) and the ``0`` form; the 350's INTYPE carries a
  sensor excitation and its heater outputs have five ranges.  The 336's
  maximum heater current choices end at 2 A, the 335's and 350's at
  1.732 A (as Lake Shore's driver lists them).

Choices where the manuals do not say: KRDG?/CRDG? of an input whose
reading is invalid (no curve, disabled, sensor fault) read zero, the value
the manual gives for an input without a curve; heater power is taken as
linear in the output percentage; alarms are evaluated when asked for.

Backdoors: ``break_sensor(input, fault)`` (``open``, ``short``,
``over_temperature``, ``under_temperature``; None repairs it),
``break_heater(output, fault)`` (``open`` or ``short``: the heater stops
and HTRST? reports it until read).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..faults import FaultPlan
from .control_loop import ClockedLoop, PIDLoop, SetpointRamp
from .lakeshore_curves import FORMATS_FOR_TYPE, Curve, empty_curve, standard_curves
from .protocol import ProtocolDevice, backdoor, command
from .serial_line import SerialLine

_COMMAND_ERROR, _EXECUTION_ERROR, _OPERATION_COMPLETE, _POWER_ON = 32, 16, 1, 128

#: RDGST? bits.
INVALID_READING, TEMP_UNDERRANGE, TEMP_OVERRANGE, UNITS_ZERO, UNITS_OVERRANGE = 1, 16, 32, 64, 128
_SENSOR_FAULTS = {
    "open": INVALID_READING | UNITS_OVERRANGE,
    "short": INVALID_READING | UNITS_ZERO,
    "over_temperature": TEMP_OVERRANGE,
    "under_temperature": TEMP_UNDERRANGE,
}
_HEATER_FAULTS = {"open": 1, "short": 2}  # HTRST? codes

_CHANNELS = {"A": "stage", "B": "sample"}  # world sensors behind the inputs


class _Rejected(Exception):
    """The command is not carried out; ``bit`` is the event-register bit it sets."""

    def __init__(self, bit: int = _COMMAND_ERROR):
        super().__init__(bit)
        self.bit = bit


@dataclass(frozen=True)
class _Model:
    number: str
    inputs: tuple[str, ...]
    heater_outputs: tuple[int, ...]
    analog_outputs: tuple[int, ...]
    top_range: int  # highest heater range of outputs 1 and 2
    all_inputs_form: bool
    htrset_has_type: bool
    intype_has_excitation: bool
    brightness: range
    max_currents_a: tuple[float, ...]  # HTRSET <max current> 1..4
    default_heater: dict  # output -> (resistance code, max current code)
    default_pid: tuple[float, float, float]


MODELS = {
    "335": _Model("335", ("A", "B"), (1, 2), (), 3, False, True, False, range(4),
                  (0.707, 1.0, 1.141, 1.732), {1: (2, 2), 2: (1, 2)}, (12.0, 50.0, 0.0)),
    "336": _Model("336", ("A", "B", "C", "D"), (1, 2), (3, 4), 3, True, False, False, range(1, 33),
                  (0.707, 1.0, 1.141, 2.0), {1: (1, 4), 2: (2, 2)}, (6.0, 50.0, 0.0)),
    "350": _Model("350", ("A", "B", "C", "D"), (1, 2), (3, 4), 5, True, False, True, range(4),
                  (0.707, 1.0, 1.141, 1.732), {1: (1, 4), 2: (1, 4)}, (8.0, 50.0, 0.0)),
}
_RESISTANCE_OHM = {1: 25.0, 2: 50.0}


@dataclass
class _Alarm:
    enabled: int = 0
    high: float = 0.0
    low: float = 0.0
    deadband: float = 0.0
    latch: int = 0
    audible: int = 0
    visible: int = 0
    latched: tuple[int, int] = (0, 0)


@dataclass
class _Input:
    letter: str
    name: str
    sensor_type: int = 1  # 0 disabled, 1 diode, 2 platinum RTD, 3 NTC RTD
    autorange: int = 0
    range: int = 0
    compensation: int = 0
    units: int = 1  # preferred units: 1 K, 2 C, 3 sensor
    excitation: int = 1  # 350 only
    curve: int = 1
    tlimit_k: float = 0.0
    alarm: _Alarm = field(default_factory=_Alarm)
    filter: tuple[int, int, int] = (0, 10, 10)
    diode_current: int = 0  # 0 = 10 uA
    fault: str | None = None
    minimum_k: float = math.inf
    maximum_k: float = -math.inf


@dataclass
class _Output:
    setpoint: SetpointRamp
    pid: tuple[float, float, float]
    mode: int = 1  # closed-loop PID
    control_input: int = 1  # A
    powerup_enable: int = 0
    heater_range: int = 0  # heaters power up off
    manual_percent: float = 0.0
    output_percent: float = 0.0
    output_type: int = 0  # 335 output 2: 0 current, 1 voltage
    resistance_code: int = 1
    max_current_code: int = 2
    max_user_current_a: float = 0.0
    display: int = 1  # 1 current, 2 power
    heater_error: int = 0
    broken: str | None = None
    analog: tuple[int, int, float, float, int] = (1, 1, 0.0, 0.0, 0)  # input, units, high, low, polarity
    warmup: tuple[int, float] = (0, 0.0)
    loop: PIDLoop = field(default_factory=lambda: PIDLoop(0.0))


def _mnemonic(name: str):
    """A matcher for one mnemonic (case-insensitive), its parameters handed on as ``args``."""
    name = name.upper()

    def match(message: str) -> dict[str, str] | None:
        head, _, rest = message.partition(" ")
        if head.upper() != name:
            return None
        return {"args": rest.strip()}

    return match


def lakeshore(name: str):
    """Bind a method to the mnemonic ``name``."""
    return command(matcher=_mnemonic(name), description=name)


def _signed(value: float, digits: int = 6) -> str:
    """A reading with its sign and ``digits`` significant digits (the manuals' +nnnnnn)."""
    if value == 0 or not math.isfinite(value):
        return "+" + "0." + "0" * (digits - 1)
    decimals = max(digits - 1 - int(math.floor(math.log10(abs(value)))), 0)
    return f"{value:+.{decimals}f}"


class SimulatedLakeShore(ProtocolDevice):
    """Lake Shore 335, 336 or 350 (``model``) in front of the world's cryostat."""

    read_termination = "\r\n"
    write_termination = "\r\n"
    # The USB port is a virtual serial port with these settings (the manuals' "USB" section).
    serial_line = SerialLine(57600, data_bits=7, parity="odd")
    unit_separator = ";"
    reply_separator = ";"

    def __init__(self, world, name: str, *, model: str = "336", faults: FaultPlan | None = None,
                 serial_number: str = "LSA1B2C"):
        if model not in MODELS:
            raise ValueError(f"no simulated Lake Shore {model}; choose 335, 336 or 350")
        super().__init__(world, name, faults=faults)
        self.spec = MODELS[model]
        self.model = f"Lake Shore {model}"
        self.model_number = model
        self.serial_number = serial_number
        self._clock = ClockedLoop()
        self._power_up()
        if world.cryostat.hold_at_start:
            # Left running: output 1 holds the present temperature on its second-highest range.
            self.outputs[1].heater_range = self.spec.top_range - 1
        world.cryostat.controller = self._control

    def _power_up(self) -> None:
        """The state after power-on or *RST."""
        spec = self.spec
        start = round(self.world.cryostat.stage_k, 1)
        self.event_register = _POWER_ON
        self.event_enable = 0
        self.service_enable = 0
        self.operation_enable = 0
        self.operation_events = 0
        self.interface_mode = 0
        self.keypad_lock = (0, 123)
        self.leds = 1
        self.brightness = spec.brightness[-1]
        self.display_fields = {field_number: (0, 1) for field_number in range(1, 9)}
        self.relays = {1: (0, "A", 0), 2: (0, "A", 0)}
        self.inputs = {letter: _Input(letter, f"Input {letter}") for letter in spec.inputs}
        for letter in spec.inputs[2:]:
            self.inputs[letter].sensor_type, self.inputs[letter].curve = 0, 0
        self.curves: dict[int, Curve] = standard_curves()
        self.outputs = {}
        for number in (*spec.heater_outputs, *spec.analog_outputs):
            pid = spec.default_pid if number == 1 else (50.0, 20.0, 0.0)
            output = _Output(SetpointRamp(start, start), pid, control_input=1 if number != 2 else 2)
            if number in spec.analog_outputs:
                output.mode = 0
            if number in spec.default_heater:
                output.resistance_code, output.max_current_code = spec.default_heater[number]
            self.outputs[number] = output

    # -- the instrument's control loop, run by the world ------------------------------------
    def _control(self, t: float, cryostat) -> None:
        dt = self._clock.dt(t, cryostat.control_period_s)
        self._enforce_temperature_limits()
        for number, output in self.outputs.items():
            working = output.setpoint.step(dt)
            output.output_percent = self._output_percent(output, working, dt)
            if not output.heater_range:
                output.loop.reset()
        heater = self.outputs[1]
        cryostat.heater_max_w = self.range_power_w(1) if heater.broken is None else 0.0
        cryostat.heater_fraction = heater.output_percent / 100.0

    def _output_percent(self, output: _Output, working_k: float, dt: float) -> float:
        if not output.heater_range or output.broken is not None:
            return 0.0
        if output.mode == 3:
            return output.manual_percent
        if output.mode not in (1, 2):
            return 0.0
        letter = "ABCD"[output.control_input - 1] if output.control_input else None
        if letter not in self.inputs or self._status(letter) & INVALID_READING:
            return 0.0  # no valid control input: the loop cannot act
        p, i, d = output.pid
        loop = output.loop
        loop.gain_per_k = p / 100.0
        loop.integral_time_s = 1000.0 / i if i > 0 else 0.0
        loop.derivative_time_s = d / 100.0 * loop.integral_time_s / 4.0
        return 100.0 * loop.update(working_k, self._kelvin(letter), dt, output.manual_percent / 100.0)

    def _enforce_temperature_limits(self) -> None:
        for item in self.inputs.values():
            if item.tlimit_k > 0 and self._kelvin(item.letter) > item.tlimit_k:
                for output in self.outputs.values():
                    output.heater_range = 0

    def range_power_w(self, number: int) -> float:
        """Full-scale power of a heater output on its present range."""
        output = self.outputs[number]
        if number not in self.spec.heater_outputs or not output.heater_range:
            return 0.0
        current = (output.max_user_current_a if output.max_current_code == 0
                   else self.spec.max_currents_a[output.max_current_code - 1])
        full = current ** 2 * _RESISTANCE_OHM[output.resistance_code]
        return full * 10.0 ** (output.heater_range - self.spec.top_range)

    # -- readings --------------------------------------------------------------------------
    def _true_kelvin(self, letter: str) -> float | None:
        channel = _CHANNELS.get(letter)
        return self.world.cryostat.sensor_k(channel) if channel else None

    def _curve(self, item: _Input) -> Curve | None:
        curve = self.curves.get(item.curve)
        return curve if curve is not None and curve.usable else None

    def _status(self, letter: str) -> int:
        item = self.inputs[letter]
        if item.fault is not None:
            return _SENSOR_FAULTS[item.fault]
        kelvin = self._true_kelvin(letter)
        if item.sensor_type == 0 or kelvin is None:
            return INVALID_READING
        curve = self._curve(item)
        if curve is None:
            return 0  # sensor units only; no temperature without a curve
        low, high = curve.span_k
        return TEMP_UNDERRANGE if kelvin < low else TEMP_OVERRANGE if kelvin > high else 0

    def _kelvin(self, letter: str) -> float:
        item = self.inputs[letter]
        if self._status(letter) or self._curve(item) is None:
            return 0.0
        kelvin = self._true_kelvin(letter)
        item.minimum_k, item.maximum_k = min(item.minimum_k, kelvin), max(item.maximum_k, kelvin)
        return kelvin

    def _sensor_units(self, letter: str) -> float:
        item = self.inputs[letter]
        kelvin = self._true_kelvin(letter)
        if item.fault == "open":
            return 2.5 if item.sensor_type == 1 else 1e5  # the top of the input's range
        if item.fault == "short" or item.sensor_type == 0 or kelvin is None:
            return 0.0
        curve = self._curve(item) or self.curves[1 if item.sensor_type == 1 else 6]
        return curve.sensor_units(kelvin)

    # -- parameters ------------------------------------------------------------------------
    @staticmethod
    def _fields(args: str, count: int | tuple[int, ...]) -> list[str]:
        fields = [a.strip() for a in args.split(",")] if args else []
        if len(fields) not in ((count,) if isinstance(count, int) else count):
            raise _Rejected()
        return fields

    def _input(self, text: str) -> _Input:
        try:
            return self.inputs[text.strip().upper()]
        except KeyError:
            raise _Rejected() from None

    def _letters(self, text: str) -> list[str]:
        """The inputs a reading query names: one letter, or 0 for all (336, 350)."""
        if text.strip() == "0" and self.spec.all_inputs_form:
            return list(self.spec.inputs)
        return [self._input(text).letter]

    def _output(self, text: str, allowed: tuple[int, ...] | None = None) -> _Output:
        try:
            number = int(text)
        except ValueError:
            raise _Rejected() from None
        if number not in (allowed or self.outputs) or number not in self.outputs:
            raise _Rejected()
        return self.outputs[number]

    @staticmethod
    def _number(text: str, low: float, high: float, keep: float | None = None) -> float:
        if text == "" and keep is not None:
            return keep
        try:
            value = float(text)
        except ValueError:
            raise _Rejected() from None
        if not low <= value <= high:
            raise _Rejected()
        return value

    @staticmethod
    def _choice(text: str, allowed, keep: int | None = None) -> int:
        if text == "" and keep is not None:
            return keep
        try:
            value = int(text)
        except ValueError:
            raise _Rejected() from None
        if value not in allowed:
            raise _Rejected()
        return value

    @staticmethod
    def _text(text: str, limit: int) -> str:
        text = text.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        if len(text) > limit:
            raise _Rejected()
        return text

    # -- dispatch --------------------------------------------------------------------------
    def handle(self, message: str) -> str | None:
        with self.world.lock:
            self.world.sync()  # the past runs with the settings it had
            return super().handle(message)

    def normalise(self, message: str) -> str:
        return message.strip().lstrip(":").strip()

    def dispatch(self, message: str) -> str | None:
        # Every command is one mnemonic (see ``lakeshore``): look it up in the declared table at once
        # rather than trying each pattern in turn.
        message = self.normalise(message)
        if not message:
            return self.empty()
        head, _, rest = message.partition(" ")
        method = _BY_MNEMONIC.get(head.upper())
        if method is None:
            return self.unknown(message)
        try:
            return getattr(self, method)(args=rest.strip())
        except _Rejected as rejected:
            self.event_register |= rejected.bit
            return None

    def unknown(self, message: str) -> None:
        self.event_register |= _COMMAND_ERROR
        return None

    # -- common commands (IEEE 488.2) ----------------------------------------------------------
    @lakeshore("*IDN?")
    def identify(self, args: str) -> str:
        self._fields(args, 0)
        return f"LSCI,MODEL{self.model_number},{self.serial_number}/#######,2.9"

    @lakeshore("*ESR?")
    def read_event_register(self, args: str) -> str:
        self._fields(args, 0)
        register, self.event_register = self.event_register, 0
        return str(register)

    @lakeshore("*ESE")
    def set_event_enable(self, args: str) -> None:
        self.event_enable = self._choice(self._fields(args, 1)[0], range(256))

    @lakeshore("*ESE?")
    def get_event_enable(self, args: str) -> str:
        self._fields(args, 0)
        return str(self.event_enable)

    @lakeshore("*SRE")
    def set_service_enable(self, args: str) -> None:
        self.service_enable = self._choice(self._fields(args, 1)[0], range(256))

    @lakeshore("*SRE?")
    def get_service_enable(self, args: str) -> str:
        self._fields(args, 0)
        return str(self.service_enable)

    @lakeshore("*STB?")
    def status_byte(self, args: str) -> str:
        """Bit 5 event summary (ESR & ESE), bit 7 operation summary, bit 6 the request summary."""
        self._fields(args, 0)
        byte = 32 if self.event_register & self.event_enable else 0
        byte |= 128 if self._operation_condition() & self.operation_enable else 0
        byte |= 64 if byte & self.service_enable else 0
        return str(byte)

    @lakeshore("*CLS")
    def clear_status(self, args: str) -> None:
        self._fields(args, 0)
        self.event_register = 0
        self.operation_events = 0

    @lakeshore("*OPC")
    def operation_complete(self, args: str) -> None:
        self._fields(args, 0)
        self.event_register |= _OPERATION_COMPLETE

    @lakeshore("*OPC?")
    def operation_complete_query(self, args: str) -> str:
        self._fields(args, 0)
        return "1"

    @lakeshore("*WAI")
    def wait(self, args: str) -> None:
        self._fields(args, 0)  # every command completes before the next is read

    @lakeshore("*TST?")
    def self_test(self, args: str) -> str:
        self._fields(args, 0)
        return "0"  # no errors found

    @lakeshore("*RST")
    def reset(self, args: str) -> None:
        self._fields(args, 0)
        register = self.event_register
        self._power_up()
        self.event_register = register  # *RST does not clear the status registers

    # -- inputs ------------------------------------------------------------------------------
    @lakeshore("KRDG?")
    def kelvin_reading(self, args: str) -> str:
        return ",".join(f"{self._kelvin(letter):+08.3f}" for letter in self._letters(self._fields(args, 1)[0]))

    @lakeshore("CRDG?")
    def celsius_reading(self, args: str) -> str:
        def celsius(letter: str) -> float:
            kelvin = self._kelvin(letter)
            return kelvin - 273.15 if kelvin else 0.0

        return ",".join(f"{celsius(letter):+08.3f}" for letter in self._letters(self._fields(args, 1)[0]))

    @lakeshore("SRDG?")
    def sensor_reading(self, args: str) -> str:
        return ",".join(_signed(self._sensor_units(letter)) for letter in self._letters(self._fields(args, 1)[0]))

    @lakeshore("RDGST?")
    def reading_status(self, args: str) -> str:
        return f"{self._status(self._input(self._fields(args, 1)[0]).letter):03d}"

    @lakeshore("INNAME")
    def set_input_name(self, args: str) -> None:
        letter, comma, name = args.partition(",")
        if not comma:
            raise _Rejected()
        self._input(letter).name = self._text(name, 15)

    @lakeshore("INNAME?")
    def get_input_name(self, args: str) -> str:
        return f"{self._input(self._fields(args, 1)[0]).name:<15}"

    @lakeshore("INTYPE")
    def set_input_type(self, args: str) -> None:
        count = 7 if self.spec.intype_has_excitation else 6
        fields = self._fields(args, (count, 2))  # a sensor type alone keeps the rest
        item = self._input(fields[0])
        fields += [""] * (count - len(fields))
        sensor_type = self._choice(fields[1], range(4), item.sensor_type)
        autorange = self._choice(fields[2], (0, 1), item.autorange)
        top_range = {0: 0, 1: 1, 2: 6, 3: 8}[sensor_type]
        input_range = self._choice(fields[3], range(top_range + 1), min(item.range, top_range))
        compensation = self._choice(fields[4], (0, 1), item.compensation)
        units = self._choice(fields[5], (1, 2, 3), item.units)
        excitation = self._choice(fields[6], (0, 1), item.excitation) if count == 7 else item.excitation
        if sensor_type != item.sensor_type:
            item.diode_current = 0  # the 10 uA default returns whenever the type changes
            curve = self.curves.get(item.curve)
            if curve is None or curve.data_format not in FORMATS_FOR_TYPE.get(sensor_type, ()):
                item.curve = 0
        item.sensor_type, item.autorange, item.range = sensor_type, autorange, input_range
        item.compensation, item.units, item.excitation = compensation, units, excitation

    @lakeshore("INTYPE?")
    def get_input_type(self, args: str) -> str:
        item = self._input(self._fields(args, 1)[0])
        values = [item.sensor_type, item.autorange, item.range, item.compensation, item.units]
        if self.spec.intype_has_excitation:
            values.append(item.excitation)
        return ",".join(str(v) for v in values)

    @lakeshore("INCRV")
    def set_input_curve(self, args: str) -> None:
        letter, number = self._fields(args, 2)
        item = self._input(letter)
        curve_number = self._choice(number, range(60))
        curve = self.curves.get(curve_number)
        matches = curve is not None and curve.usable and curve.data_format in FORMATS_FOR_TYPE.get(
            item.sensor_type, ())
        # A curve that does not suit the input leaves the input with none, as the manual says.
        item.curve = curve_number if matches else 0

    @lakeshore("INCRV?")
    def get_input_curve(self, args: str) -> str:
        return f"{self._input(self._fields(args, 1)[0]).curve:02d}"

    @lakeshore("DIOCUR")
    def set_diode_current(self, args: str) -> None:
        letter, current = self._fields(args, 2)
        item = self._input(letter)
        if item.sensor_type != 1:
            raise _Rejected(_EXECUTION_ERROR)
        item.diode_current = self._choice(current, (0, 1))

    @lakeshore("DIOCUR?")
    def get_diode_current(self, args: str) -> str:
        return str(self._input(self._fields(args, 1)[0]).diode_current)

    @lakeshore("FILTER")
    def set_filter(self, args: str) -> None:
        fields = self._fields(args, 4)
        item = self._input(fields[0])
        enabled, points, window = item.filter
        item.filter = (self._choice(fields[1], (0, 1), enabled), self._choice(fields[2], range(2, 65), points),
                       self._choice(fields[3], range(1, 11), window))

    @lakeshore("FILTER?")
    def get_filter(self, args: str) -> str:
        enabled, points, window = self._input(self._fields(args, 1)[0]).filter
        return f"{enabled},{points:02d},{window:02d}"

    @lakeshore("TLIMIT")
    def set_temperature_limit(self, args: str) -> None:
        letter, limit = self._fields(args, 2)
        self._input(letter).tlimit_k = self._number(limit, 0.0, 2000.0)

    @lakeshore("TLIMIT?")
    def get_temperature_limit(self, args: str) -> str:
        return f"{self._input(self._fields(args, 1)[0]).tlimit_k:+07.1f}"

    @lakeshore("MDAT?")
    def min_max(self, args: str) -> str:
        item = self._input(self._fields(args, 1)[0])
        self._kelvin(item.letter)
        low = item.minimum_k if math.isfinite(item.minimum_k) else 0.0
        high = item.maximum_k if math.isfinite(item.maximum_k) else 0.0
        return f"{low:+08.3f},{high:+08.3f}"

    @lakeshore("MNMXRST")
    def reset_min_max(self, args: str) -> None:
        self._fields(args, 0)
        for item in self.inputs.values():
            item.minimum_k, item.maximum_k = math.inf, -math.inf

    # -- curves ------------------------------------------------------------------------------
    def _curve_number(self, text: str, user_only: bool) -> int:
        return self._choice(text, range(21, 60) if user_only else range(1, 60))

    @lakeshore("CRVHDR")
    def set_curve_header(self, args: str) -> None:
        fields = self._fields(args, 6)
        number = self._curve_number(fields[0], user_only=True)
        curve = self.curves.setdefault(number, empty_curve())
        curve.name, curve.serial = self._text(fields[1], 15), self._text(fields[2], 10)
        curve.data_format = self._choice(fields[3], (1, 2, 3, 4), curve.data_format)
        curve.limit_k = self._number(fields[4], 0.0, 9999.0, curve.limit_k)
        curve.coefficient = self._choice(fields[5], (1, 2), curve.coefficient)

    @lakeshore("CRVHDR?")
    def get_curve_header(self, args: str) -> str:
        number = self._curve_number(self._fields(args, 1)[0], user_only=False)
        curve = self.curves.get(number) or empty_curve()
        return f"{curve.name:<15},{curve.serial:<10},{curve.data_format},{curve.limit_k:+08.3f},{curve.coefficient}"

    @lakeshore("CRVPT")
    def set_curve_point(self, args: str) -> None:
        fields = self._fields(args, (4, 5))
        number = self._curve_number(fields[0], user_only=True)
        index = self._choice(fields[1], range(1, 201))
        units, kelvin = self._number(fields[2], -1e6, 1e6), self._number(fields[3], 0.0, 9999.0)
        self.curves.setdefault(number, empty_curve()).set_point(index, units, kelvin)

    @lakeshore("CRVPT?")
    def get_curve_point(self, args: str) -> str:
        number_text, index_text = self._fields(args, 2)
        number = self._curve_number(number_text, user_only=False)
        index = self._choice(index_text, range(1, 201))
        units, kelvin = (self.curves.get(number) or empty_curve()).point(index)
        return f"{_signed(units)},{_signed(kelvin)}"

    @lakeshore("CRVDEL")
    def delete_curve(self, args: str) -> None:
        number = self._curve_number(self._fields(args, 1)[0], user_only=True)
        self.curves.pop(number, None)
        for item in self.inputs.values():
            if item.curve == number:
                item.curve = 0

    # -- alarms and relays --------------------------------------------------------------------
    def _alarm_state(self, item: _Input) -> tuple[int, int]:
        alarm = item.alarm
        if not alarm.enabled:
            return 0, 0
        kelvin = self._kelvin(item.letter)
        high, low = int(kelvin >= alarm.high), int(kelvin <= alarm.low)
        if alarm.latch:
            alarm.latched = (alarm.latched[0] | high, alarm.latched[1] | low)
            return alarm.latched
        return high, low

    @lakeshore("ALARM")
    def set_alarm(self, args: str) -> None:
        fields = self._fields(args, 8)
        alarm = self._input(fields[0]).alarm
        alarm.enabled = self._choice(fields[1], (0, 1), alarm.enabled)
        alarm.high = self._number(fields[2], -1e6, 1e6, alarm.high)
        alarm.low = self._number(fields[3], -1e6, 1e6, alarm.low)
        alarm.deadband = self._number(fields[4], 0.0, 1e6, alarm.deadband)
        alarm.latch = self._choice(fields[5], (0, 1), alarm.latch)
        alarm.audible = self._choice(fields[6], (0, 1), alarm.audible)
        alarm.visible = self._choice(fields[7], (0, 1), alarm.visible)

    @lakeshore("ALARM?")
    def get_alarm(self, args: str) -> str:
        alarm = self._input(self._fields(args, 1)[0]).alarm
        return (f"{alarm.enabled},{_signed(alarm.high)},{_signed(alarm.low)},{_signed(alarm.deadband)},"
                f"{alarm.latch},{alarm.audible},{alarm.visible}")

    @lakeshore("ALARMST?")
    def alarm_status(self, args: str) -> str:
        high, low = self._alarm_state(self._input(self._fields(args, 1)[0]))
        return f"{high},{low}"

    @lakeshore("ALMRST")
    def reset_alarms(self, args: str) -> None:
        self._fields(args, 0)
        for item in self.inputs.values():
            item.alarm.latched = (0, 0)

    def _relay(self, text: str) -> int:
        return self._choice(text, (1, 2))

    @lakeshore("RELAY")
    def set_relay(self, args: str) -> None:
        fields = self._fields(args, 4)
        number = self._relay(fields[0])
        mode, letter, kind = self.relays[number]
        mode = self._choice(fields[1], (0, 1, 2), mode)
        letter = self._input(fields[2]).letter if fields[2] else letter
        kind = self._choice(fields[3], (0, 1, 2), kind)
        self.relays[number] = (mode, letter, kind)

    @lakeshore("RELAY?")
    def get_relay(self, args: str) -> str:
        mode, letter, kind = self.relays[self._relay(self._fields(args, 1)[0])]
        return f"{mode},{letter},{kind}"

    @lakeshore("RELAYST?")
    def relay_status(self, args: str) -> str:
        mode, letter, kind = self.relays[self._relay(self._fields(args, 1)[0])]
        if mode != 2:
            return str(mode)
        high, low = self._alarm_state(self.inputs[letter])
        return str(int({0: low, 1: high, 2: high or low}[kind]))

    # -- outputs -------------------------------------------------------------------------------
    @lakeshore("SETP")
    def set_setpoint(self, args: str) -> None:
        number, value = self._fields(args, 2)
        self._output(number).setpoint.target_k = self._number(value, 0.0, 1500.0)

    @lakeshore("SETP?")
    def get_setpoint(self, args: str) -> str:
        return f"{self._output(self._fields(args, 1)[0]).setpoint.target_k:+08.3f}"

    @lakeshore("RAMP")
    def set_ramp(self, args: str) -> None:
        number, enabled_text, rate_text = self._fields(args, 3)
        ramp = self._output(number).setpoint
        enabled = self._choice(enabled_text, (0, 1), int(ramp.enabled))
        rate = self._number(rate_text, 0.0, 100.0, ramp.rate_k_per_min)
        if enabled and not ramp.enabled:
            ramp.working_k = ramp.target_k  # a ramp starts from the setpoint in force
        ramp.enabled, ramp.rate_k_per_min = bool(enabled), rate

    @lakeshore("RAMP?")
    def get_ramp(self, args: str) -> str:
        ramp = self._output(self._fields(args, 1)[0]).setpoint
        return f"{int(ramp.enabled)},{ramp.rate_k_per_min:+06.1f}"

    @lakeshore("RAMPST?")
    def ramp_status(self, args: str) -> str:
        return "1" if self._output(self._fields(args, 1)[0]).setpoint.ramping else "0"

    def _top_range(self, number: int) -> int:
        output = self.outputs[number]
        if number in self.spec.analog_outputs or (self.spec.htrset_has_type and output.output_type == 1):
            return 1  # voltage outputs are only off or on
        return self.spec.top_range

    @lakeshore("RANGE")
    def set_range(self, args: str) -> None:
        number, value = self._fields(args, 2)
        output = self._output(number)
        output.heater_range = self._choice(value, range(self._top_range(int(number)) + 1))

    @lakeshore("RANGE?")
    def get_range(self, args: str) -> str:
        return str(self._output(self._fields(args, 1)[0]).heater_range)

    @lakeshore("HTR?")
    def heater_output(self, args: str) -> str:
        output = self._output(self._fields(args, 1)[0], allowed=self.spec.heater_outputs)
        return f"{output.output_percent:+06.1f}"

    @lakeshore("AOUT?")
    def analog_output(self, args: str) -> str:
        analog = self.spec.analog_outputs or (2,)
        return f"{self._output(self._fields(args, 1)[0], allowed=analog).output_percent:+07.2f}"

    @lakeshore("HTRST?")
    def heater_status(self, args: str) -> str:
        output = self._output(self._fields(args, 1)[0], allowed=self.spec.heater_outputs)
        code, output.heater_error = output.heater_error, 0  # reading clears the error
        return str(code)

    @lakeshore("HTRSET")
    def set_heater_setup(self, args: str) -> None:
        count = 6 if self.spec.htrset_has_type else 5
        fields = self._fields(args, count)
        output = self._output(fields[0], allowed=self.spec.heater_outputs)
        if self.spec.htrset_has_type:
            number = int(fields[0])
            output.output_type = self._choice(fields[1], (0, 1) if number == 2 else (0,), output.output_type)
            fields = fields[1:]
        output.resistance_code = self._choice(fields[1], (1, 2), output.resistance_code)
        output.max_current_code = self._choice(fields[2], range(5), output.max_current_code)
        output.max_user_current_a = self._number(fields[3], 0.0, max(self.spec.max_currents_a),
                                                 output.max_user_current_a)
        output.display = self._choice(fields[4], (1, 2), output.display)
        output.heater_range = min(output.heater_range, self._top_range(int(args.split(",")[0])))

    @lakeshore("HTRSET?")
    def get_heater_setup(self, args: str) -> str:
        output = self._output(self._fields(args, 1)[0], allowed=self.spec.heater_outputs)
        fields = [str(output.resistance_code), str(output.max_current_code), f"{output.max_user_current_a:+.3f}",
                  str(output.display)]
        if self.spec.htrset_has_type:
            fields.insert(0, str(output.output_type))
        return ",".join(fields)

    @lakeshore("MOUT")
    def set_manual_output(self, args: str) -> None:
        number, value = self._fields(args, 2)
        self._output(number).manual_percent = self._number(value, 0.0, 100.0)

    @lakeshore("MOUT?")
    def get_manual_output(self, args: str) -> str:
        return f"{self._output(self._fields(args, 1)[0]).manual_percent:+07.2f}"

    @lakeshore("PID")
    def set_pid(self, args: str) -> None:
        number, *gains = self._fields(args, 4)
        output = self._output(number)
        p, i, d = output.pid
        output.pid = (self._number(gains[0], 0.1, 1000.0, p), self._number(gains[1], 0.1, 1000.0, i),
                      self._number(gains[2], 0.0, 200.0, d))

    @lakeshore("PID?")
    def get_pid(self, args: str) -> str:
        p, i, d = self._output(self._fields(args, 1)[0]).pid
        return f"{p:+07.1f},{i:+07.1f},{d:+04.0f}"

    @lakeshore("OUTMODE")
    def set_output_mode(self, args: str) -> None:
        number, mode, control, powerup = self._fields(args, 4)
        output = self._output(number)
        voltage = int(number) in self.spec.analog_outputs or (self.spec.htrset_has_type and int(number) == 2)
        output.mode = self._choice(mode, range(6) if voltage else range(4), output.mode)
        output.control_input = self._choice(control, range(len(self.spec.inputs) + 1), output.control_input)
        output.powerup_enable = self._choice(powerup, (0, 1), output.powerup_enable)
        if output.mode == 0:
            output.heater_range = 0

    @lakeshore("OUTMODE?")
    def get_output_mode(self, args: str) -> str:
        output = self._output(self._fields(args, 1)[0])
        return f"{output.mode},{output.control_input},{output.powerup_enable}"

    @lakeshore("ANALOG")
    def set_monitor_out(self, args: str) -> None:
        fields = self._fields(args, 6)
        voltage = self.spec.analog_outputs or (2,)
        output = self._output(fields[0], allowed=voltage)
        source, units, high, low, polarity = output.analog
        output.analog = (self._choice(fields[1], range(len(self.spec.inputs) + 1), source),
                         self._choice(fields[2], (1, 2, 3), units), self._number(fields[3], -1e6, 1e6, high),
                         self._number(fields[4], -1e6, 1e6, low), self._choice(fields[5], (0, 1), polarity))

    @lakeshore("ANALOG?")
    def get_monitor_out(self, args: str) -> str:
        output = self._output(self._fields(args, 1)[0], allowed=self.spec.analog_outputs or (2,))
        source, units, high, low, polarity = output.analog
        return f"{source},{units},{_signed(high)},{_signed(low)},{polarity}"

    @lakeshore("WARMUP")
    def set_warmup(self, args: str) -> None:
        number, control, percent = self._fields(args, 3)
        output = self._output(number, allowed=self.spec.analog_outputs or (2,))
        output.warmup = (self._choice(control, (0, 1), output.warmup[0]),
                         self._number(percent, 0.0, 100.0, output.warmup[1]))

    @lakeshore("WARMUP?")
    def get_warmup(self, args: str) -> str:
        control, percent = self._output(self._fields(args, 1)[0], allowed=self.spec.analog_outputs or (2,)).warmup
        return f"{control},{percent:+07.2f}"

    # -- front panel and interface -----------------------------------------------------------
    @lakeshore("DISPFLD")
    def set_display_field(self, args: str) -> None:
        number, source, units = self._fields(args, 3)
        field_number = self._choice(number, self.display_fields)
        old_source, old_units = self.display_fields[field_number]
        self.display_fields[field_number] = (self._choice(source, range(len(self.spec.inputs) + 1), old_source),
                                             self._choice(units, range(1, 7), old_units))

    @lakeshore("DISPFLD?")
    def get_display_field(self, args: str) -> str:
        source, units = self.display_fields[self._choice(self._fields(args, 1)[0], self.display_fields)]
        return f"{source},{units}"

    @lakeshore("BRIGT")
    def set_brightness(self, args: str) -> None:
        self.brightness = self._choice(self._fields(args, 1)[0], self.spec.brightness)

    @lakeshore("BRIGT?")
    def get_brightness(self, args: str) -> str:
        self._fields(args, 0)
        return str(self.brightness)

    @lakeshore("LEDS")
    def set_leds(self, args: str) -> None:
        self.leds = self._choice(self._fields(args, 1)[0], (0, 1))

    @lakeshore("LEDS?")
    def get_leds(self, args: str) -> str:
        self._fields(args, 0)
        return str(self.leds)

    @lakeshore("LOCK")
    def set_lock(self, args: str) -> None:
        state, code = self._fields(args, 2)
        self.keypad_lock = (self._choice(state, (0, 1), self.keypad_lock[0]),
                            self._choice(code, range(1000), self.keypad_lock[1]))

    @lakeshore("LOCK?")
    def get_lock(self, args: str) -> str:
        self._fields(args, 0)
        return f"{self.keypad_lock[0]},{self.keypad_lock[1]:03d}"

    @lakeshore("MODE")
    def set_interface_mode(self, args: str) -> None:
        self.interface_mode = self._choice(self._fields(args, 1)[0], (0, 1, 2))

    @lakeshore("MODE?")
    def get_interface_mode(self, args: str) -> str:
        self._fields(args, 0)
        return str(self.interface_mode)

    # -- operation status register --------------------------------------------------------------
    def _operation_condition(self) -> int:
        """Bits: 0 alarm, 1 sensor overload, 2 loop 2 ramp done, 3 loop 1 ramp done, 4 new reading."""
        condition = 16
        if any(self._alarm_state(item) != (0, 0) for item in self.inputs.values()):
            condition |= 1
        if any(self._status(letter) & (UNITS_OVERRANGE | UNITS_ZERO) for letter in self.inputs):
            condition |= 2
        for number, bit in ((2, 4), (1, 8)):
            ramp = self.outputs[number].setpoint
            if ramp.enabled and not ramp.ramping:
                condition |= bit
        return condition

    @lakeshore("OPST?")
    def operation_condition(self, args: str) -> str:
        self._fields(args, 0)
        return f"{self._operation_condition():03d}"

    @lakeshore("OPSTR?")
    def operation_events_query(self, args: str) -> str:
        self._fields(args, 0)
        events, self.operation_events = self.operation_events | self._operation_condition(), 0
        return f"{events:03d}"

    @lakeshore("OPSTE")
    def set_operation_enable(self, args: str) -> None:
        self.operation_enable = self._choice(self._fields(args, 1)[0], range(256))

    @lakeshore("OPSTE?")
    def get_operation_enable(self, args: str) -> str:
        self._fields(args, 0)
        return f"{self.operation_enable:03d}"

    # -- backdoors -------------------------------------------------------------------------------
    @backdoor
    def break_sensor(self, input: str = "A", fault: str | None = "open") -> None:
        """Break (or, with None, repair) the sensor on ``input``: open, short, over/under temperature."""
        if fault is not None and fault not in _SENSOR_FAULTS:
            raise ValueError(f"sensor faults: {', '.join(_SENSOR_FAULTS)}")
        self.inputs[input].fault = fault

    @backdoor
    def break_heater(self, output: int = 1, fault: str | None = "open") -> None:
        """An open or shorted heater on ``output``: it stops heating, its range drops to off, HTRST? says why."""
        if fault is not None and fault not in _HEATER_FAULTS:
            raise ValueError(f"heater faults: {', '.join(_HEATER_FAULTS)}")
        heater = self.outputs[output]
        heater.broken = fault
        if fault is not None:
            heater.heater_error = _HEATER_FAULTS[fault]
            heater.heater_range = 0


#: The mnemonics the simulated controller answers (the command coverage note counts these).
IMPLEMENTED = tuple(sorted(form.description for form in SimulatedLakeShore.commands))
_BY_MNEMONIC = {form.description: form.method for form in SimulatedLakeShore.commands}
