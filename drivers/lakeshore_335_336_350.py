"""Lake Shore Model 335, 336 and 350 cryogenic temperature controllers.

pymeasure's :class:`~pymeasure.instruments.lakeshore.LakeShore3xx` and its
channels already read the inputs (KRDG?, CRDG?), set the control setpoint
(SETP), read the heater output (HTR?), set the manual output (MOUT) and the
0..3 heater range (RANGE).  This module adds what these three models have
and that driver lacks: setpoint ramping (RAMP, RAMPST?), PID gains (PID),
output mode and control input (OUTMODE), the heater ranges of each model
(five ranges on the 350, on/off on the 336's analog outputs 3 and 4), the
standard event register through which these controllers report errors, and
the model found from *IDN?.

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
from pymeasure.instruments.lakeshore.lakeshore_base import LakeShoreHeaterChannel
from pymeasure.instruments.validators import strict_discrete_set
from pyvisa.constants import Parity, StopBits

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


class LakeShoreAnalogOutput(LakeShoreControlOutput):
    """Outputs 3 and 4 of the 336 and 350: ±10 V analog outputs, range only off or on."""

    range = Channel.control(
        "RANGE? {ch}", "RANGE {ch},%d",
        """Control the output range, "off" or "on".""",
        validator=strict_discrete_set,
        values={"off": 0, "on": 1},
        map_values=True,
    )


class LakeShore350HeaterOutput(LakeShoreControlOutput):
    """Outputs 1 and 2 of the 350: five heater ranges, each a decade of power above the last."""

    range = Channel.control(
        "RANGE? {ch}", "RANGE {ch},%d",
        """Control the heater range: 0 (off) or 1 (lowest) to 5 (highest power).""",
        validator=strict_discrete_set,
        values=range(6),
        cast=int,
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

    output_1 = Instrument.ChannelCreator(LakeShoreControlOutput, 1)
    output_2 = Instrument.ChannelCreator(LakeShoreControlOutput, 2)

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
    output_3 = output_4 = None


class LakeShore336(LakeShoreTemperatureController):
    """Lake Shore Model 336: inputs A to D, heater outputs 1 and 2, analog outputs 3 and 4."""

    model = "336"
    input_C1 = input_C2 = input_C3 = input_C4 = input_D1 = None
    input_D2 = input_D3 = input_D4 = input_D5 = None
    output_3 = Instrument.ChannelCreator(LakeShoreAnalogOutput, 3)
    output_4 = Instrument.ChannelCreator(LakeShoreAnalogOutput, 4)


class LakeShore350(LakeShoreTemperatureController):
    """Lake Shore Model 350: inputs A to D (D1..D5 with the 3062 scanner), outputs 1 and 2 with
    five heater ranges, analog outputs 3 and 4."""

    model = "350"
    input_C1 = input_C2 = input_C3 = input_C4 = None
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
