"""A simulated Oxford Instruments Mercury iTC answering its SCPI-like commands (LF terminated).

Fitted boards: the motherboard sensor ``MB1.T1`` on the cold stage (its
control loop drives the heater), a daughter-board sensor ``DB6.T1`` at the
sample, and the motherboard heater ``MB0.H1``.

The loop's heater output is a percentage of the heater voltage limit, as
the iTC drives its heater by voltage: the power is that fraction squared
times the maximum power VLIM^2/RES.  The PID law uses the iTC's units: P is
the proportional band in kelvin (100 % output at P kelvin of error), I and D
are action times in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..faults import FaultPlan
from .base import SimulatedDevice
from .control_loop import ClockedLoop, PIDLoop, SetpointRamp

_STAGE, _SAMPLE, _HEATER = "MB1.T1", "DB6.T1", "MB0.H1"
_SENSORS = {_STAGE: "stage", _SAMPLE: "sample"}
_HOT_LIMIT_K = 500.0

#: Power-up loop settings, tuned for the shared world's cryostat with a 6.4 W
#: heater cap (VLIM 12.65 V into 25 ohm): a 5 K proportional band, 0.3 min integral,
#: no derivative (at the loop's 10 Hz update it only adds ringing here).
_DEFAULT_PID = (5.0, 0.3, 0.0)


@dataclass
class _Loop:
    setpoint: SetpointRamp
    p: float = _DEFAULT_PID[0]
    i: float = _DEFAULT_PID[1]
    d: float = _DEFAULT_PID[2]
    enabled: bool = False
    manual_percent: float = 0.0
    output_percent: float = 0.0
    heater: str = _HEATER
    pid: PIDLoop = field(default_factory=lambda: PIDLoop(0.0))


class SimulatedMercuryITC(SimulatedDevice):
    """Mercury iTC in front of the world's cryostat."""

    model = "Mercury iTC"
    read_termination = "\n"
    write_termination = "\n"

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None, serial_number: str = "232150255"):
        super().__init__(world, name, faults=faults)
        self.serial_number = serial_number
        start = round(world.cryostat.stage_k, 1)
        self.loop = _Loop(SetpointRamp(start, start))
        self.voltage_limit = 0.0  # heater power capped at zero until told otherwise
        if world.cryostat.hold_at_start:
            # Left running: holding the present temperature with the heater at its medium cap.
            self.voltage_limit = 12.65
            self.loop.enabled = True
        self.resistance = 25.0
        self._clock = ClockedLoop()
        world.cryostat.controller = self._control

    @property
    def max_power_w(self) -> float:
        return self.voltage_limit ** 2 / self.resistance

    # -- the control loop, run by the world --------------------------------------------------
    def _control(self, t: float, cryostat) -> None:
        dt = self._clock.dt(t, cryostat.control_period_s)
        loop = self.loop
        working = loop.setpoint.step(dt)
        if loop.enabled:
            pid = loop.pid
            pid.gain_per_k = 1.0 / loop.p if loop.p > 0 else 1e3  # band 0: on-off control
            pid.integral_time_s = loop.i * 60.0
            pid.derivative_time_s = loop.d * 60.0
            loop.output_percent = 100.0 * pid.update(working, cryostat.sensor_k("stage"), dt)
        else:
            loop.pid.reset()
            loop.output_percent = loop.manual_percent
        driven = loop.heater == _HEATER
        cryostat.heater_max_w = self.max_power_w if driven else 0.0
        cryostat.heater_fraction = (loop.output_percent / 100.0) ** 2 if driven else 0.0

    # -- the command set ---------------------------------------------------------------------
    def handle(self, command: str) -> str | None:
        with self.world.lock:
            self.world.sync()  # the past runs with the settings it had
            return self._dispatch(command.strip())

    def _dispatch(self, command: str) -> str:
        if command == "*IDN?":
            return f"IDN:OXFORD INSTRUMENTS:MERCURY ITC:{self.serial_number}:2.6.04.000"
        verb, _, noun = command.partition(":")
        if verb not in ("READ", "SET") or not noun:
            return f"{verb}:INVALID"
        if noun == "SYS:CAT" and verb == "READ":
            return f"STAT:SYS:CAT:DEV:{_STAGE}:TEMP:DEV:{_SAMPLE}:TEMP:DEV:{_HEATER}:HTR"
        terms = noun.split(":")
        if len(terms) < 3 or terms[0] != "DEV":
            return f"STAT:{'SET:' if verb == 'SET' else ''}{terms[0]}:INVALID"
        uid, kind, rest = terms[1], terms[2], terms[3:]
        prefix = f"STAT:{'SET:' if verb == 'SET' else ''}DEV:{uid}:{kind}"
        if (uid in _SENSORS and kind == "TEMP") or (uid == _HEATER and kind == "HTR"):
            handler = self._sensor if kind == "TEMP" else self._heater
            return handler(verb, uid, rest, prefix)
        if uid not in _SENSORS and uid != _HEATER:
            return f"STAT:DEV:{uid}:NOT_FOUND"
        return f"{prefix}:INVALID"

    # sensors and the loop
    def _sensor(self, verb: str, uid: str, rest: list[str], prefix: str) -> str:
        if rest == ["SIG", "TEMP"] and verb == "READ":
            return f"{prefix}:SIG:TEMP:{self.world.cryostat.sensor_k(_SENSORS[uid]):.4f}K"
        if rest[:1] == ["SIG"] and verb == "SET":
            return f"{prefix}:{':'.join(rest)}:INVALID"  # signals are read-only
        if not rest or rest[0] != "LOOP" or len(rest) < 2:
            return f"{prefix}:{':'.join(rest[:2])}:INVALID"
        if uid != _STAGE:
            return f"{prefix}:LOOP:{rest[1]}:N/A"
        key, values = rest[1], rest[2:]
        if verb == "READ":
            reply = self._read_loop(key) if not values else None
            return f"{prefix}:LOOP:{key}:{reply}" if reply is not None else f"{prefix}:LOOP:{key}:INVALID"
        if len(values) != 1:
            return f"{prefix}:LOOP:{key}:INVALID"
        ok = self._set_loop(key, values[0])
        return f"{prefix}:LOOP:{key}:{values[0]}:{'VALID' if ok else 'INVALID'}"

    def _read_loop(self, key: str) -> str | None:
        loop = self.loop
        return {
            "TSET": f"{loop.setpoint.target_k:.4f}K",
            "RSET": f"{loop.setpoint.rate_k_per_min:.4f}K/m",
            "RENA": "ON" if loop.setpoint.enabled else "OFF",
            "ENAB": "ON" if loop.enabled else "OFF",
            "P": f"{loop.p:.4f}", "I": f"{loop.i:.4f}", "D": f"{loop.d:.4f}",
            "HSET": f"{loop.output_percent:.4f}",
            "HTR": loop.heater,
        }.get(key)

    def _set_loop(self, key: str, text: str) -> bool:
        loop = self.loop
        if key in ("RENA", "ENAB"):
            if text not in ("ON", "OFF"):
                return False
            if key == "ENAB":
                loop.enabled = text == "ON"
            else:
                if text == "ON" and not loop.setpoint.enabled:
                    loop.setpoint.working_k = loop.setpoint.target_k  # a ramp starts from the setpoint in force
                loop.setpoint.enabled = text == "ON"
            return True
        if key == "HTR":
            if text not in (_HEATER, "None"):
                return False
            loop.heater = text
            return True
        limits = {"TSET": (0.0, _HOT_LIMIT_K), "RSET": (0.0, 1e5), "P": (0.0, 1000.0), "I": (0.0, 1000.0),
                  "D": (0.0, 1000.0), "HSET": (0.0, 100.0)}
        if key not in limits:
            return False
        try:
            value = float(text)
        except ValueError:
            return False
        low, high = limits[key]
        if not low <= value <= high:
            return False
        if key == "TSET":
            loop.setpoint.target_k = value
        elif key == "RSET":
            loop.setpoint.rate_k_per_min = value
        elif key == "HSET":
            loop.manual_percent = value
        else:
            setattr(loop, key.lower(), value)
        return True

    # the heater
    def _heater(self, verb: str, uid: str, rest: list[str], prefix: str) -> str:
        cryostat = self.world.cryostat
        fraction = cryostat.heater_fraction if self.loop.heater == _HEATER else 0.0
        volts = fraction ** 0.5 * self.voltage_limit
        if verb == "READ":
            readings = {
                ("VLIM",): f"{self.voltage_limit:.4f}",
                ("RES",): f"{self.resistance:.4f}",
                ("PMAX",): f"{self.max_power_w:.4f}",
                ("SIG", "VOLT"): f"{volts:.4f}V",
                ("SIG", "CURR"): f"{volts / self.resistance:.4f}A",
                ("SIG", "POWR"): f"{volts ** 2 / self.resistance:.4f}W",
            }
            reply = readings.get(tuple(rest))
            return f"{prefix}:{':'.join(rest)}:{reply}" if reply is not None else f"{prefix}:{':'.join(rest)}:INVALID"
        if len(rest) != 2 or rest[0] not in ("VLIM", "RES"):
            return f"{prefix}:{':'.join(rest)}:INVALID"
        key, text = rest
        try:
            value = float(text)
        except ValueError:
            return f"{prefix}:{key}:{text}:INVALID"
        low, high = (0.0, 40.0) if key == "VLIM" else (10.0, 2000.0)
        if not low <= value <= high:
            return f"{prefix}:{key}:{text}:INVALID"
        if key == "VLIM":
            self.voltage_limit = value
        else:
            self.resistance = value
        return f"{prefix}:{key}:{text}:VALID"
