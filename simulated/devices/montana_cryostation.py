"""A simulated Montana Instruments Cryostation answering its TCP protocol (length-prefixed, no terminators).

Source: the commands of the Cryostation's (classic software) communication
port as Montana Instruments' remote-control notes list them, and as the
clients that were tested against real systems send them (qcodes-contrib's
driver, tested on an s50).  The manual itself was not at hand: the reply
forms here are those the clients parse.  The command set is mnemonics only:
``GAS`` (alarm T/F), ``GCP`` (chamber pressure, mTorr), ``GPHP`` (platform
heater power, W), ``GS1HP`` (stage 1 heater power, W), ``GPS``/``GSS``/``GUS``
(platform/sample/user stability, K), ``GPT``/``GST``/``GUT``/``GS1T``/``GS2T``
(temperatures, K), ``GTSP`` (setpoint), ``STSP<K>``, and the actions ``SCD``,
``SWU``, ``SSB``, ``STP``.  It is not an IEEE 488.2 interface: ``*IDN?`` is
not among its commands, and the software answers it as any unknown command,
``Error: Invalid command.``; qcodes-contrib's driver, which asks ``*IDN?``
on connecting, gets that answer (and copes with it).

``handle`` sees and returns messages without their two-digit length prefix;
``frame`` and ``split_frames`` put it on and take it off, for the transports
in :mod:`.length_prefixed`.

The platform is the world cryostat's cold stage and the sample thermometer
its sample; the cold head itself, the user thermometer and the vacuum gauge
are not modelled, so they read "not available" (-0.1) as they do on a
system without them.  The Cryostation's platform PID holds the platform at
the setpoint while the system is cooling down (or in standby); warming up
drives it to room temperature; after stop the heater is off.  Stability is
the peak-to-peak platform (sample) temperature over the last minute.
"""

from __future__ import annotations

from collections import deque

from ..faults import FaultPlan
from .control_loop import ClockedLoop, PIDLoop, SetpointRamp
from .length_prefixed import frame, split_frames
from .protocol import ProtocolDevice, command

PLATFORM_HEATER_MAX_W = 10.0
ROOM_TEMPERATURE_K = 295.0
SETPOINT_RANGE_K = (2.0, 350.0)
#: The platform loop: 0.6 W/K with a 20 s integral time, tuned for the shared world's cryostat.
PID_GAIN_W_PER_K, PID_INTEGRAL_TIME_S = 0.6, 20.0
_STABILITY_WINDOW_S = 60.0
_STABILITY_MIN_SPAN_S = 10.0
_ACTIONS = {"SCD": ("cooldown", "cooldown"), "SWU": ("warmup", "warmup"), "SSB": ("standby", "standby"),
            "STP": ("idle", "stop")}


class SimulatedCryostation(ProtocolDevice):
    """Cryostation whose platform is the world's cold stage; the system starts cooling down."""

    model = "Montana Cryostation"
    read_termination = ""
    write_termination = ""

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None):
        super().__init__(world, name, faults=faults)
        start = round(world.cryostat.stage_k, 2)
        self.setpoint = SetpointRamp(start, start)  # the Cryostation does not ramp: rate stays 0
        self.state = "cooldown"
        self.pid = PIDLoop(PID_GAIN_W_PER_K / PLATFORM_HEATER_MAX_W, PID_INTEGRAL_TIME_S)
        self._history: deque[tuple[float, float, float]] = deque()
        self._clock = ClockedLoop()
        world.cryostat.controller = self._control

    # -- framing ---------------------------------------------------------------------------
    def frame(self, reply: str) -> bytes:
        return frame(reply, self.encoding)

    def split_frames(self, buffer: bytes) -> tuple[list[str | None], bytes]:
        return split_frames(buffer, self.encoding)

    def terminations(self) -> None:
        return None  # no termination character: a VISA session cannot frame these messages

    def framing(self) -> str:
        return ("every message, both ways, starts with its length as two decimal digits and has no termination "
                "character (a raw TCP client, as the Cryostation's own examples use)")

    # -- the platform loop, run by the world ---------------------------------------------------
    def _control(self, t: float, cryostat) -> None:
        dt = self._clock.dt(t, cryostat.control_period_s)
        cryostat.heater_max_w = PLATFORM_HEATER_MAX_W
        if self.state == "idle":
            self.pid.reset()
            cryostat.heater_fraction = 0.0
        else:
            target = ROOM_TEMPERATURE_K if self.state == "warmup" else self.setpoint.step(dt)
            cryostat.heater_fraction = self.pid.update(target, cryostat.stage_k, dt)
        if not self._history or t - self._history[-1][0] >= 1.0:
            self._history.append((t, cryostat.stage_k, cryostat.sample_k))
            while self._history and t - self._history[0][0] > _STABILITY_WINDOW_S:
                self._history.popleft()

    def _stability(self, column: int) -> str:
        if len(self._history) < 2 or self._history[-1][0] - self._history[0][0] < _STABILITY_MIN_SPAN_S:
            return "-0.10000"
        values = [entry[column] for entry in self._history]
        return f"{max(values) - min(values):.5f}"

    # -- the command set ---------------------------------------------------------------------
    def handle(self, command_text: str) -> str | None:
        with self.world.lock:
            self.world.sync()  # the past runs with the settings it had
            return super().handle(command_text)

    def empty(self) -> str:
        return "Error: Invalid command."

    def unknown(self, message: str) -> str:
        return "Error: Invalid command."

    @command(r"GPT", flags=0)
    def platform_temperature(self) -> str:
        return f"{self.world.cryostat.stage_k:.3f}"

    @command(r"GST", flags=0)
    def sample_temperature(self) -> str:
        return f"{self.world.cryostat.sample_k:.3f}"

    @command(r"GUT", flags=0)
    def user_temperature(self) -> str:
        return "-0.100"  # no user thermometer fitted

    @command(r"GS1T", flags=0)
    @command(r"GS2T", flags=0)
    def stage_temperature(self) -> str:
        return "-0.10"  # the cold head's stages are not modelled

    @command(r"GS1HP", flags=0)
    def stage_1_heater_power(self) -> str:
        return "-0.100"  # nor the stage 1 heater

    @command(r"GPS", flags=0)
    def platform_stability(self) -> str:
        return self._stability(1)

    @command(r"GSS", flags=0)
    def sample_stability(self) -> str:
        return self._stability(2)

    @command(r"GUS", flags=0)
    def user_stability(self) -> str:
        return "-0.10000"

    @command(r"GPHP", flags=0)
    def platform_heater_power(self) -> str:
        return f"{self.world.cryostat.heater_power_w:.3f}"

    @command(r"GCP", flags=0)
    def chamber_pressure(self) -> str:
        return "-0.1"  # no vacuum gauge modelled

    @command(r"GAS", flags=0)
    def alarm_state(self) -> str:
        return "F"

    @command(r"GTSP", flags=0)
    def get_setpoint(self) -> str:
        return f"{self.setpoint.target_k:.2f}"

    @command(r"(?P<mnemonic>SCD|SWU|SSB|STP)", flags=0)
    def action(self, mnemonic: str) -> str:
        state, verb = _ACTIONS[mnemonic]
        if self.state == state:
            return f"System not able to {verb} at this time"
        self.state = state
        return "OK"

    @command(r"STSP(?P<text>.*)", flags=0)
    def set_setpoint(self, text: str) -> str:
        try:
            value = float(text.strip())
        except ValueError:
            return "Error: Invalid set point"
        low, high = SETPOINT_RANGE_K
        if not low <= value <= high:
            return "Error: Invalid set point"
        self.setpoint.target_k = round(value, 2)
        return f"OK, Temperature Set Point = {self.setpoint.target_k:.2f}"
