"""A simulated Oxford Instruments Mercury iTC answering its SCPI-like command set (LF terminated).

Source: Mercury iTC Handbook (59-UMC0071, Issue 01, November 2011), chapter
10 "Command reference guide", and the MercuryiTC Operator's Manual (UMC0071,
Issue 05, February 2015), section 8.3; the reply forms that the manuals show
loosely (``STAT:DEV:MB0 :SIG:VOLT:12.345:mV``) follow what the iTC is
known to send and clients parse: the value with its unit attached
(``...:SIG:VOLT:529.8982mV``), ``STAT:SET:<noun>:<value>:VALID`` after a SET.

Fitted boards: the motherboard sensor ``MB1.T1`` on the cold stage (a
silicon diode, type DDE, 10 uA excitation; its control loop drives the
heater), a daughter-board diode ``DB6.T1`` at the sample, and the
motherboard heater ``MB0.H1``.

The tree (``READ:`` or ``SET:`` then a noun):

* ``SYS``: ``CAT`` (device catalogue), ``TIME``, ``DATE``, ``MAN:HVER|FVER|SERL``,
  ``DISP:BRIG``, ``ALRM`` (the alarm log, empty), ``USER``.
* ``DEV:<UID>:TEMP``: ``NICK``, ``MAN:...``, ``TYPE``, ``EXCT:TYPE|MAG``,
  ``CAL:FILE|INT|SCAL|OFFS|HOTL|COLD``; signals ``SIG:TEMP`` (K), ``SIG:VOLT``
  (mV), ``SIG:CURR`` (uA), ``SIG:POWR`` (uW), ``SIG:RES`` (ohm, unit ``O``);
  ``SIG:SLOP`` (sensitivity of resistive sensors) is INVALID on a diode, as the
  manual says of any signal a sensor type lacks.  The control loop under
  ``LOOP``: ``HTR``, ``AUX``, ``ENAB``, ``TSET``, ``HSET``, ``P``, ``I``, ``D``,
  ``PIDT``, ``RSET``, ``RENA``, ``FSET``, ``FAUT``.  Only sensors with a heater
  board behind them have a loop; the others answer ``N/A``.
* ``DEV:<UID>:HTR``: ``NICK``, ``MAN:...``, ``VLIM`` (0-40 V), ``RES``
  (20-100 ohm), ``PMAX``; signals ``SIG:VOLT`` (V, settable 0..VLIM),
  ``SIG:CURR`` (A), ``SIG:POWR`` (W, settable 0..PMAX).

Refusals (Table 10-1): ``<VERB>:INVALID`` (no such verb), the noun echoed with
``INVALID`` after the term that cannot be interpreted, ``NOT_FOUND`` (no
such UID), ``N/A`` (does not apply to that device); a SET of a read-only
noun or of a value out of range ends ``:INVALID``.  Keywords are
case-sensitive and at most four characters.

The loop's heater output is a percentage of the heater voltage limit, as
the iTC drives its heater by voltage: the power is that fraction squared
times the maximum power VLIM^2/RES.  The PID law uses the iTC's units: P is
the proportional band in kelvin (100 % output at P kelvin of error), I and D
are action times in minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..faults import FaultPlan
from .control_loop import ClockedLoop, PIDLoop, SetpointRamp
from .lakeshore_curves import standard_curves
from .protocol import ProtocolDevice, command

_STAGE, _SAMPLE, _HEATER = "MB1.T1", "DB6.T1", "MB0.H1"
_SENSORS = {_STAGE: "stage", _SAMPLE: "sample"}
_HOT_LIMIT_K, _COLD_LIMIT_K = 500.0, 1.4
_EXCITATION_A = 10e-6
_DIODE = standard_curves()[1]  # a silicon diode's volts against kelvin (see lakeshore_curves)

#: Power-up loop settings, tuned for the shared world's cryostat with a 6.4 W
#: heater cap (VLIM 12.65 V into 25 ohm): a 5 K proportional band, 0.3 min integral,
#: no derivative (at the loop's 10 Hz update it only adds ringing here).
_DEFAULT_PID = (5.0, 0.3, 0.0)
_ON_OFF = ("ON", "OFF")


@dataclass
class _Loop:
    setpoint: SetpointRamp
    p: float = _DEFAULT_PID[0]
    i: float = _DEFAULT_PID[1]
    d: float = _DEFAULT_PID[2]
    enabled: bool = False
    pid_table: bool = False
    manual_percent: float = 0.0
    output_percent: float = 0.0
    heater: str = _HEATER
    aux: str = "None"
    flow_percent: float = 0.0
    flow_auto: bool = False
    pid: PIDLoop = field(default_factory=lambda: PIDLoop(0.0))


@dataclass
class _Sensor:
    uid: str
    nick: str
    sensor_type: str = "DDE"
    excitation_type: str = "UNIP"
    excitation_magnitude: str = "10uA"
    calibration_file: str = "DT-470.dat"
    interpolation: str = "LIN"
    scale: float = 1.0
    offset: float = 0.0


class SimulatedMercuryITC(ProtocolDevice):
    """Mercury iTC in front of the world's cryostat."""

    model = "Mercury iTC"
    read_termination = "\n"
    write_termination = "\n"

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None, serial_number: str = "232150255"):
        super().__init__(world, name, faults=faults)
        self.serial_number = serial_number
        start = round(world.cryostat.stage_k, 1)
        self.loop = _Loop(SetpointRamp(start, start))
        self.sensors = {uid: _Sensor(uid, uid) for uid in _SENSORS}
        self.heater_nick = _HEATER
        self.voltage_limit = 0.0  # heater power capped at zero until told otherwise
        if world.cryostat.hold_at_start:
            # Left running: holding the present temperature with the heater at its medium cap.
            self.voltage_limit = 12.65
            self.loop.enabled = True
        self.resistance = 25.0
        self.brightness = 100.0
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
            loop.output_percent = 100.0 * pid.update(working, self._kelvin(_STAGE), dt)
        else:
            loop.pid.reset()
            loop.output_percent = loop.manual_percent
        driven = loop.heater == _HEATER
        cryostat.heater_max_w = self.max_power_w if driven else 0.0
        cryostat.heater_fraction = (loop.output_percent / 100.0) ** 2 if driven else 0.0

    def _kelvin(self, uid: str) -> float:
        sensor = self.sensors[uid]
        return self.world.cryostat.sensor_k(_SENSORS[uid]) * sensor.scale + sensor.offset

    # -- dispatch ------------------------------------------------------------------------------
    def handle(self, message: str) -> str | None:
        with self.world.lock:
            self.world.sync()  # the past runs with the settings it had
            return super().handle(message)

    @command(r"\*IDN\?", flags=0)
    def identify(self) -> str:
        return f"IDN:OXFORD INSTRUMENTS:MERCURY ITC:{self.serial_number}:2.6.04.000"

    @command(r"(?P<verb>READ|SET):(?P<noun>.+)", flags=0)
    def read_or_set(self, verb: str, noun: str) -> str:
        terms = noun.split(":")
        setting = verb == "SET"
        if any(len(term) > 4 for term in terms[:1]) or not terms[0]:
            return f"{verb}:INVALID"
        if terms[0] == "SYS":
            return self._system(setting, terms[1:])
        if terms[0] != "DEV" or len(terms) < 3:
            return f"STAT:{'SET:' if setting else ''}{terms[0]}:INVALID"
        uid, kind, rest = terms[1], terms[2], terms[3:]
        prefix = f"STAT:{'SET:' if setting else ''}DEV:{uid}:{kind}"
        if uid not in _SENSORS and uid != _HEATER:
            return f"STAT:DEV:{uid}:NOT_FOUND"
        if (uid in _SENSORS and kind == "TEMP") or (uid == _HEATER and kind == "HTR"):
            handler = self._sensor if kind == "TEMP" else self._heater
            return handler(setting, uid, rest, prefix)
        return f"{prefix}:INVALID"

    def unknown(self, message: str) -> str:
        verb = message.split(":", 1)[0]
        return f"{verb}:INVALID"

    # -- replies -------------------------------------------------------------------------------
    @staticmethod
    def _read_reply(prefix: str, path: list[str], value: str | None) -> str:
        return f"{prefix}:{':'.join(path)}:{value if value is not None else 'INVALID'}"

    @staticmethod
    def _set_reply(prefix: str, path: list[str], value: str, ok: bool) -> str:
        return f"{prefix}:{':'.join(path)}:{value}:{'VALID' if ok else 'INVALID'}"

    @staticmethod
    def _float(text: str, low: float, high: float, unit: str = "") -> float | None:
        try:
            value = float(text.removesuffix(unit) if unit else text)
        except ValueError:
            return None
        return value if low <= value <= high else None

    # -- the system --------------------------------------------------------------------------------
    def _system(self, setting: bool, rest: list[str]) -> str:
        prefix = "STAT:SET:SYS" if setting else "STAT:SYS"
        key = ":".join(rest)
        if not setting:
            now = time.localtime()
            readings = {
                "CAT": f"DEV:{_STAGE}:TEMP:DEV:{_SAMPLE}:TEMP:DEV:{_HEATER}:HTR",
                "TIME": time.strftime("%H:%M:%S", now), "DATE": time.strftime("%Y:%m:%d", now),
                "MAN:HVER": "MERCURY ITC MAIN BOARD", "MAN:FVER": "2.6.04.000", "MAN:SERL": self.serial_number,
                "DISP:BRIG": f"{self.brightness:.4f}", "ALRM": "", "USER": "NORM",
            }
            return f"{prefix}:{key}:{readings[key]}" if key in readings else f"{prefix}:{key}:INVALID"
        if rest[:2] == ["DISP", "BRIG"] and len(rest) == 3:
            value = self._float(rest[2], 10.0, 100.0)
            if value is not None:
                self.brightness = value
            return self._set_reply(prefix, rest[:2], rest[2], value is not None)
        return f"{prefix}:{key}:INVALID"

    # -- temperature sensors and the loop ------------------------------------------------------
    def _sensor(self, setting: bool, uid: str, rest: list[str], prefix: str) -> str:
        sensor = self.sensors[uid]
        if not rest:
            return f"{prefix}:INVALID"
        if rest[0] == "LOOP":
            if uid != _STAGE:
                return f"{prefix}:LOOP:{rest[1] if len(rest) > 1 else ''}:N/A"
            return self._loop(setting, rest[1:], prefix)
        if rest[0] == "SIG":
            if setting:  # signals of a sensor are read-only
                return f"{prefix}:{':'.join(rest)}:INVALID"
            return self._read_reply(prefix, rest, self._signal(uid, rest[1:]))
        settings = {
            ("NICK",): ("nick", str), ("TYPE",): ("sensor_type", ("PTC", "NTC", "DDE", "TCE")),
            ("EXCT", "TYPE"): ("excitation_type", ("UNIP", "BIP", "SOFT")),
            ("EXCT", "MAG"): ("excitation_magnitude", str), ("CAL", "FILE"): ("calibration_file", str),
            ("CAL", "INT"): ("interpolation", ("LIN", "SPL", "LAGR")),
            ("CAL", "SCAL"): ("scale", (0.5, 1.5)), ("CAL", "OFFS"): ("offset", (-100.0, 100.0)),
        }
        read_only = {("CAL", "HOTL"): f"{_HOT_LIMIT_K:.4f}K", ("CAL", "COLD"): f"{_COLD_LIMIT_K:.4f}K",
                     ("MAN", "HVER"): "MERCURY TEMPERATURE BOARD", ("MAN", "FVER"): "2.6.04.000",
                     ("MAN", "SERL"): f"{self.serial_number}{uid[-1]}"}
        for path, (attribute, allowed) in settings.items():
            if tuple(rest[:len(path)]) == path:
                if not setting:
                    value = getattr(sensor, attribute)
                    text = f"{value:.4f}" if isinstance(value, float) else value
                    return self._read_reply(prefix, list(path), text) if len(rest) == len(path) else \
                        self._read_reply(prefix, rest, None)
                if len(rest) != len(path) + 1:
                    return self._read_reply(prefix, rest, None)
                return self._set_reply(prefix, list(path), rest[-1], self._assign(sensor, attribute, allowed,
                                                                                   rest[-1]))
        if setting and tuple(rest[:-1]) in read_only:  # a read-only noun cannot be set
            return self._set_reply(prefix, rest[:-1], rest[-1], False)
        if not setting and tuple(rest) in read_only:
            return self._read_reply(prefix, rest, read_only[tuple(rest)])
        return self._read_reply(prefix, rest[:2], None)

    @staticmethod
    def _assign(target, attribute: str, allowed, text: str) -> bool:
        if allowed is str:
            if not text or len(text) > 32:
                return False
            setattr(target, attribute, text)
            return True
        if isinstance(allowed, tuple) and isinstance(allowed[0], str):
            if text not in allowed:
                return False
            setattr(target, attribute, text)
            return True
        try:
            value = float(text)
        except ValueError:
            return False
        if not allowed[0] <= value <= allowed[1]:
            return False
        setattr(target, attribute, value)
        return True

    def _signal(self, uid: str, rest: list[str]) -> str | None:
        kelvin = self._kelvin(uid)
        volts = _DIODE.sensor_units(kelvin)
        signals = {
            "TEMP": f"{kelvin:.4f}K",
            "VOLT": f"{volts * 1e3:.4f}mV",
            "CURR": f"{_EXCITATION_A * 1e6:.4f}uA",
            "POWR": f"{volts * _EXCITATION_A * 1e6:.4f}uW",
            "RES": f"{volts / _EXCITATION_A:.4f}O",
        }
        return signals.get(rest[0]) if len(rest) == 1 else None

    def _loop(self, setting: bool, rest: list[str], prefix: str) -> str:
        loop = self.loop
        path = f"{prefix}:LOOP"
        if not rest:
            return f"{path}:INVALID"
        key, values = rest[0], rest[1:]
        readings = {
            "TSET": f"{loop.setpoint.target_k:.4f}K", "RSET": f"{loop.setpoint.rate_k_per_min:.4f}K/m",
            "RENA": _ON_OFF[not loop.setpoint.enabled], "ENAB": _ON_OFF[not loop.enabled],
            "PIDT": _ON_OFF[not loop.pid_table], "FAUT": _ON_OFF[not loop.flow_auto],
            "P": f"{loop.p:.4f}", "I": f"{loop.i:.4f}", "D": f"{loop.d:.4f}",
            # Under PID the heater percentage is the loop's output; in manual, the percentage set.
            "HSET": f"{loop.output_percent if loop.enabled else loop.manual_percent:.4f}",
            "FSET": f"{loop.flow_percent:.4f}",
            "HTR": loop.heater, "AUX": loop.aux,
        }
        if key not in readings:
            return f"{path}:{key}:INVALID"
        if not setting:
            return f"{path}:{key}:{readings[key]}" if not values else f"{path}:{key}:INVALID"
        if len(values) != 1:
            return f"{path}:{key}:INVALID"
        return f"{path}:{key}:{values[0]}:{'VALID' if self._set_loop(key, values[0]) else 'INVALID'}"

    def _set_loop(self, key: str, text: str) -> bool:
        loop = self.loop
        if key in ("RENA", "ENAB", "PIDT", "FAUT"):
            if text not in _ON_OFF:
                return False
            on = text == "ON"
            if key == "RENA" and on and not loop.setpoint.enabled:
                loop.setpoint.working_k = loop.setpoint.target_k  # a ramp starts from the setpoint in force
            if key == "RENA":
                loop.setpoint.enabled = on
            else:
                setattr(loop, {"ENAB": "enabled", "PIDT": "pid_table", "FAUT": "flow_auto"}[key], on)
            return True
        if key in ("HTR", "AUX"):
            allowed = (_HEATER, "None") if key == "HTR" else ("None",)
            if text not in allowed:
                return False
            setattr(loop, key.lower() if key == "AUX" else "heater", text)
            return True
        limits = {"TSET": (0.0, _HOT_LIMIT_K, "K"), "RSET": (0.0, 1e5, "K/m"), "P": (0.0, 1000.0, ""),
                  "I": (0.0, 1000.0, ""), "D": (0.0, 1000.0, ""), "HSET": (0.0, 100.0, ""),
                  "FSET": (0.0, 100.0, "")}
        low, high, unit = limits[key]
        value = self._float(text, low, high, unit)
        if value is None:
            return False
        if key == "TSET":
            loop.setpoint.target_k = value
        elif key == "RSET":
            loop.setpoint.rate_k_per_min = value
        elif key == "HSET":
            loop.manual_percent = value
        elif key == "FSET":
            loop.flow_percent = value
        else:
            setattr(loop, key.lower(), value)
        return True

    # -- the heater -------------------------------------------------------------------------------
    def _heater(self, setting: bool, uid: str, rest: list[str], prefix: str) -> str:
        cryostat = self.world.cryostat
        fraction = cryostat.heater_fraction if self.loop.heater == _HEATER else 0.0
        volts = fraction ** 0.5 * self.voltage_limit
        if not setting:
            readings = {
                ("VLIM",): f"{self.voltage_limit:.4f}", ("RES",): f"{self.resistance:.4f}",
                ("PMAX",): f"{self.max_power_w:.4f}", ("NICK",): self.heater_nick,
                ("MAN", "HVER"): "MERCURY HEATER BOARD", ("MAN", "FVER"): "2.6.04.000",
                ("MAN", "SERL"): f"{self.serial_number}H",
                ("SIG", "VOLT"): f"{volts:.4f}V", ("SIG", "CURR"): f"{volts / self.resistance:.4f}A",
                ("SIG", "POWR"): f"{volts ** 2 / self.resistance:.4f}W",
            }
            return self._read_reply(prefix, rest, readings.get(tuple(rest)))
        if len(rest) < 2:
            return self._read_reply(prefix, rest, None)
        *path, text = rest
        ok = self._set_heater(tuple(path), text)
        return self._set_reply(prefix, path, text, ok)

    def _set_heater(self, path: tuple[str, ...], text: str) -> bool:
        if path == ("NICK",):
            if not text or len(text) > 32:
                return False
            self.heater_nick = text
            return True
        limits = {("VLIM",): (0.0, 40.0, ""), ("RES",): (20.0, 100.0, ""),
                  ("SIG", "VOLT"): (0.0, self.voltage_limit, "V"), ("SIG", "POWR"): (0.0, self.max_power_w, "W")}
        if path not in limits:
            return False
        low, high, unit = limits[path]
        value = self._float(text, low, high, unit)
        if value is None:
            return False
        if path == ("VLIM",):
            self.voltage_limit = value
        elif path == ("RES",):
            self.resistance = value
        else:
            # Setting the heater's own output is manual operation of the loop driving it.
            volts = value if path == ("SIG", "VOLT") else (value * self.resistance) ** 0.5
            self.loop.manual_percent = 100.0 * volts / self.voltage_limit if self.voltage_limit else 0.0
        return True
