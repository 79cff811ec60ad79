"""A simulated Lake Shore 335, 336 or 350 answering its command set (CR LF terminated).

Inputs read the world's cryostat: A is the sensor on the cold stage, B the
one at the sample; C and D (336, 350) have no sensor and read zero.  Output
1 drives the cryostat's heater and runs the instrument's PID law on its
control input; the other outputs keep their settings but heat nothing.

Like the real controllers, a command that cannot be parsed or has a
parameter out of range gets no reply and sets the command-error bit of the
standard event status register; a query for something the model does not
have is treated the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..faults import FaultPlan
from .base import SimulatedDevice
from .control_loop import ClockedLoop, PIDLoop, SetpointRamp

#: Full-scale power of output 1 on each heater range (0 = off), with the heater the
#: simulated bench assumes (25 ohm on the 335/336, 50 ohm on the 350): the high range
#: of the 336 is 100 W, of the 335 50 W; the 350 has five ranges a decade apart up to 75 W.
RANGE_POWER_W = {
    "335": (0.0, 0.5, 5.0, 50.0),
    "336": (0.0, 1.0, 10.0, 100.0),
    "350": (0.0, 0.0075, 0.075, 0.75, 7.5, 75.0),
}

#: Power-up PID gains, tuned for the shared world's cryostat on the "medium" range
#: (range 4 on the 350): about 0.6 W/K of proportional action and a 20 s integral time.
DEFAULT_PID = {"335": (12.0, 50.0, 0.0), "336": (6.0, 50.0, 0.0), "350": (8.0, 50.0, 0.0)}

_INPUTS = {"335": ("A", "B"), "336": ("A", "B", "C", "D"), "350": ("A", "B", "C", "D")}
_OUTPUTS = {"335": (1, 2), "336": (1, 2, 3, 4), "350": (1, 2, 3, 4)}
_CHANNELS = {"A": "stage", "B": "sample"}  # world sensors behind the inputs

_COMMAND_ERROR = 1 << 5


class _Invalid(Exception):
    """The command has a syntax error or a parameter out of range."""


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
    loop: PIDLoop = field(default_factory=lambda: PIDLoop(0.0))


class SimulatedLakeShore(SimulatedDevice):
    """Lake Shore 335, 336 or 350 (``model``) in front of the world's cryostat."""

    read_termination = "\r\n"
    write_termination = "\r\n"

    def __init__(self, world, name: str, *, model: str = "336", faults: FaultPlan | None = None,
                 serial_number: str = "LSA1B2C"):
        if model not in RANGE_POWER_W:
            raise ValueError(f"no simulated Lake Shore {model}; choose 335, 336 or 350")
        super().__init__(world, name, faults=faults)
        self.model = f"Lake Shore {model}"
        self.model_number = model
        self.serial_number = serial_number
        self.event_register = 1 << 7  # power on
        start = round(world.cryostat.stage_k, 1)
        self.outputs = {
            number: _Output(SetpointRamp(start, start), DEFAULT_PID[model] if number <= 2 else (50.0, 20.0, 0.0),
                            control_input=1 if number != 2 else 2)
            for number in _OUTPUTS[model]
        }
        if world.cryostat.hold_at_start:
            # Left running: output 1 holds the present temperature on its second-highest range.
            self.outputs[1].heater_range = len(RANGE_POWER_W[model]) - 2
        self._clock = ClockedLoop()
        world.cryostat.controller = self._control

    # -- the instrument's control loop, run by the world ------------------------------------
    def _control(self, t: float, cryostat) -> None:
        dt = self._clock.dt(t, cryostat.control_period_s)
        for number, output in self.outputs.items():
            working = output.setpoint.step(dt)
            if number != 1:
                continue
            powers = RANGE_POWER_W[self.model_number]
            cryostat.heater_max_w = powers[output.heater_range]
            percent = 0.0
            if output.heater_range and output.mode in (1, 2):
                letter = "ABCD"[output.control_input - 1] if output.control_input else None
                if letter in _CHANNELS:
                    p, i, d = output.pid
                    loop = output.loop
                    loop.gain_per_k = p / 100.0
                    loop.integral_time_s = 1000.0 / i if i > 0 else 0.0
                    loop.derivative_time_s = d / 100.0 * loop.integral_time_s / 4.0
                    measured = cryostat.sensor_k(_CHANNELS[letter])
                    percent = 100.0 * loop.update(working, measured, dt, output.manual_percent / 100.0)
            elif output.heater_range and output.mode == 3:
                percent = output.manual_percent
            if not output.heater_range:
                output.loop.reset()
            output.output_percent = percent
            cryostat.heater_fraction = percent / 100.0

    # -- the command set ---------------------------------------------------------------------
    def handle(self, command: str) -> str | None:
        with self.world.lock:
            self.world.sync()  # the past runs with the settings it had
            try:
                return self._dispatch(command.strip())
            except _Invalid:
                self.event_register |= _COMMAND_ERROR
                return None

    def _dispatch(self, command: str) -> str | None:
        head, _, rest = command.partition(" ")
        mnemonic = head.upper()
        args = [a.strip() for a in rest.split(",")] if rest.strip() else []
        handler = getattr(self, "_cmd_" + mnemonic.replace("*", "star_").replace("?", "_query"), None)
        if handler is None:
            raise _Invalid(mnemonic)
        return handler(args)

    # helpers
    def _output(self, arg: str) -> _Output:
        try:
            return self.outputs[int(arg)]
        except (ValueError, KeyError):
            raise _Invalid(arg) from None

    def _number(self, arg: str, low: float, high: float) -> float:
        try:
            value = float(arg)
        except ValueError:
            raise _Invalid(arg) from None
        if not low <= value <= high:
            raise _Invalid(arg)
        return value

    def _integer(self, arg: str, allowed) -> int:
        try:
            value = int(arg)
        except ValueError:
            raise _Invalid(arg) from None
        if value not in allowed:
            raise _Invalid(arg)
        return value

    def _expect(self, args: list, count: int) -> None:
        if len(args) != count:
            raise _Invalid(args)

    def _kelvin(self, args: list) -> float:
        self._expect(args, 1)
        letter = args[0].upper()
        if letter not in _INPUTS[self.model_number]:
            raise _Invalid(letter)
        channel = _CHANNELS.get(letter)
        return self.world.cryostat.sensor_k(channel) if channel else 0.0

    # common commands
    def _cmd_star_IDN_query(self, args):
        self._expect(args, 0)
        return f"LSCI,MODEL{self.model_number},{self.serial_number}/#######,2.9"

    def _cmd_star_ESR_query(self, args):
        self._expect(args, 0)
        register, self.event_register = self.event_register, 0
        return str(register)

    def _cmd_star_CLS(self, args):
        self._expect(args, 0)
        self.event_register = 0

    def _cmd_star_OPC_query(self, args):
        self._expect(args, 0)
        return "1"

    # inputs
    def _cmd_KRDG_query(self, args):
        return f"{self._kelvin(args):+08.3f}"

    def _cmd_CRDG_query(self, args):
        kelvin = self._kelvin(args)
        return f"{kelvin - 273.15 if kelvin else 0.0:+08.3f}"

    # outputs
    def _cmd_SETP(self, args):
        self._expect(args, 2)
        output = self._output(args[0])
        output.setpoint.target_k = self._number(args[1], 0.0, 1500.0)

    def _cmd_SETP_query(self, args):
        self._expect(args, 1)
        return f"{self._output(args[0]).setpoint.target_k:+08.3f}"

    def _cmd_RAMP(self, args):
        self._expect(args, 3)
        output = self._output(args[0])
        enabled = self._integer(args[1], (0, 1))
        rate = self._number(args[2], 0.0, 100.0)
        ramp = output.setpoint
        if enabled and not ramp.enabled:
            ramp.working_k = ramp.target_k  # a ramp starts from the setpoint in force
        ramp.enabled, ramp.rate_k_per_min = bool(enabled), rate

    def _cmd_RAMP_query(self, args):
        self._expect(args, 1)
        ramp = self._output(args[0]).setpoint
        return f"{int(ramp.enabled)},{ramp.rate_k_per_min:+06.1f}"

    def _cmd_RAMPST_query(self, args):
        self._expect(args, 1)
        return "1" if self._output(args[0]).setpoint.ramping else "0"

    def _cmd_RANGE(self, args):
        self._expect(args, 2)
        number = int(self._number(args[0], 1, 4))
        output = self._output(args[0])
        top = len(RANGE_POWER_W[self.model_number]) - 1 if number <= 2 else 1
        output.heater_range = self._integer(args[1], range(top + 1))

    def _cmd_RANGE_query(self, args):
        self._expect(args, 1)
        return str(self._output(args[0]).heater_range)

    def _cmd_HTR_query(self, args):
        self._expect(args, 1)
        return f"{self._output(args[0]).output_percent:+06.1f}"

    def _cmd_MOUT(self, args):
        self._expect(args, 2)
        self._output(args[0]).manual_percent = self._number(args[1], 0.0, 100.0)

    def _cmd_MOUT_query(self, args):
        self._expect(args, 1)
        return f"{self._output(args[0]).manual_percent:+07.2f}"

    def _cmd_PID(self, args):
        self._expect(args, 4)
        output = self._output(args[0])
        output.pid = (self._number(args[1], 0.1, 1000.0), self._number(args[2], 0.1, 1000.0),
                      self._number(args[3], 0.0, 200.0))

    def _cmd_PID_query(self, args):
        self._expect(args, 1)
        p, i, d = self._output(args[0]).pid
        return f"{p:+07.1f},{i:+07.1f},{d:+04.0f}"

    def _cmd_OUTMODE(self, args):
        self._expect(args, 4)
        output = self._output(args[0])
        output.mode = self._integer(args[1], range(6))
        output.control_input = self._integer(args[2], range(len(_INPUTS[self.model_number]) + 1))
        output.powerup_enable = self._integer(args[3], (0, 1))

    def _cmd_OUTMODE_query(self, args):
        self._expect(args, 1)
        output = self._output(args[0])
        return f"{output.mode},{output.control_input},{output.powerup_enable}"
