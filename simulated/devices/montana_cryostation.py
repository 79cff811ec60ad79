"""A simulated Montana Instruments Cryostation answering its TCP protocol (length-prefixed, no terminators).

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
from .base import SimulatedDevice
from .control_loop import ClockedLoop, PIDLoop, SetpointRamp
from .length_prefixed import frame, split_frames

PLATFORM_HEATER_MAX_W = 10.0
ROOM_TEMPERATURE_K = 295.0
SETPOINT_RANGE_K = (2.0, 350.0)
#: The platform loop: 0.6 W/K with a 20 s integral time, tuned for the shared world's cryostat.
PID_GAIN_W_PER_K, PID_INTEGRAL_TIME_S = 0.6, 20.0
_STABILITY_WINDOW_S = 60.0
_STABILITY_MIN_SPAN_S = 10.0
_ACTIONS = {"SCD": ("cooldown", "cooldown"), "SWU": ("warmup", "warmup"), "SSB": ("standby", "standby"),
            "STP": ("idle", "stop")}


class SimulatedCryostation(SimulatedDevice):
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
    def handle(self, command: str) -> str | None:
        with self.world.lock:
            self.world.sync()  # the past runs with the settings it had
            return self._dispatch(command.strip())

    def _dispatch(self, command: str) -> str:
        cryostat = self.world.cryostat
        readings = {
            "GPT": lambda: f"{cryostat.stage_k:.3f}",
            "GST": lambda: f"{cryostat.sample_k:.3f}",
            "GUT": lambda: "-0.100",
            "GS1T": lambda: "-0.10",
            "GS2T": lambda: "-0.10",
            "GPS": lambda: self._stability(1),
            "GSS": lambda: self._stability(2),
            "GUS": lambda: "-0.10000",
            "GPHP": lambda: f"{cryostat.heater_power_w:.3f}",
            "GCP": lambda: "-0.1",
            "GAS": lambda: "F",
            "GTSP": lambda: f"{self.setpoint.target_k:.2f}",
        }
        if command in readings:
            return readings[command]()
        if command in _ACTIONS:
            state, verb = _ACTIONS[command]
            if self.state == state:
                return f"System not able to {verb} at this time"
            self.state = state
            return "OK"
        if command.startswith("STSP"):
            return self._set_setpoint(command[4:].strip())
        return "Error: Invalid command."

    def _set_setpoint(self, text: str) -> str:
        try:
            value = float(text)
        except ValueError:
            return "Error: Invalid set point"
        low, high = SETPOINT_RANGE_K
        if not low <= value <= high:
            return "Error: Invalid set point"
        self.setpoint.target_k = round(value, 2)
        return f"OK, Temperature Set Point = {self.setpoint.target_k:.2f}"
