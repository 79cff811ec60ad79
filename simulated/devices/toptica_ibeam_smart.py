"""A simulated Toptica iBeam smart diode laser answering its serial command language.

**Sources.**  Toptica's iBeam smart manual could not be read for this
simulation; the command set and the reply lines follow what published
clients of the real laser send and parse, cross-checked against each other:
pymeasure's ``IBeamSmart``, Micro-Manager's ``iBeam-smart`` and
``Toptica_iBeamSmartCW`` adapters, the ``microscope`` package (which quotes
the manual on the serial settings: 115200 8N1, no handshake) and pyLabLib's
``TopticaIBeam``.  Where they disagree or say nothing, the choice is named
below.

**Framing.**  A command ends with CR (CR LF is accepted: the LF is ignored).
The laser answers with the command line completed (the echo of the command
when echo is on, nothing otherwise) and CR LF, the reply lines each ended by
CR LF, then ``[OK]`` CR LF, also after an error.  With the prompt on, the
reply ends with ``CMD> `` (no CR LF) instead of ``[OK]``, which is why every
client switches the prompt off first.  Echo and prompt are on after power-up
(Micro-Manager turns the prompt back on when it lets go, for Toptica's own
software).  An empty command line is answered by the bare frame.

**Errors** are reply lines ``%SYS-<L>-<NNN>, <text>`` with level I
(information), W (warning), E (error) or F (fatal).  The level letters and
the format are as published clients parse them; the numbers used here (113
unknown command, 112 invalid channel, 114 invalid parameter, 115 value out of
range, 030 interlock open) are this simulation's, not confirmed.

**Keywords** may be shortened to any prefix of two letters or more that
starts one keyword (``sh lev pow`` is ``show level power``; ``x`` stands for
``external``).  **Talk levels**: ``usual`` as above; ``quiet`` leaves out the
identification replies (``serial``, ``show serial``, ``id``: the microscope
package reports that quiet does not answer ``show serial``) and information
lines; ``gabby`` is accepted and answered as ``usual``: what it adds is not
documented in any source we could read.

**Channels**: channel 1 is the bias level, channel 2 the main level (the
channel of ``ch pow`` without a number); their levels add up to the output
while enabled.  ``laser on`` switches the driver on, refused while the
interlock is open; the interlock opening switches it off and it stays off.
FINE (``fine on``/``off``, ``fine a``/``b`` in per cent, ``status fine``) is
kept as settings; its effect on the light is not modelled.  The light is
the world's emitter named after the instrument.
"""

from __future__ import annotations

import re

from ..faults import FaultPlan
from .protocol import ProtocolDevice, backdoor, command
from .serial_line import SerialLine

CHANNELS = (1, 2)
_THRESHOLD_MA = 35.0  # diode current at the lasing threshold
_SLOPE_W_PER_A = 0.9
_DIODE_TEMPERATURE_C = 25.0
_BASEPLATE_TEMPERATURE_C = 28.4
_CURRENT_LIMIT_MA = 250.0

_KEYWORDS = ("a", "b", "channel", "clip", "current", "data", "disable", "echo", "enable", "external", "fine",
             "gabby", "id", "laser", "level", "limit", "micro", "off", "on", "power", "prompt", "quiet", "reset",
             "satellite", "serial", "show", "status", "system", "talk", "temperature", "timers", "uptime",
             "usual", "version")
_ALIASES = {"x": "external", "ext": "external", "ver": "version"}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _keyword(word: str) -> str:
    """The full keyword for a word of two letters or more that starts one; the word itself otherwise."""
    if word in _ALIASES:
        return _ALIASES[word]
    if len(word) >= 2:
        for keyword in _KEYWORDS:
            if keyword.startswith(word):
                return keyword
    return word


class _LaserError(Exception):
    """A reply line reporting a problem (the laser still ends its reply as usual)."""


class SimulatedIBeamSmart(ProtocolDevice):
    """iBeam smart laser head; ``max_power_w`` of the world's emitter is its rated power."""

    model = "Toptica iBeam smart"
    read_termination = "\r\n"
    write_termination = "\r\n"
    serial_line = SerialLine(115200)
    session_note = ("every reply is several lines: the command's echo (empty once 'echo off' is sent), the reply "
                    "lines, then '[OK]'; after power-up the prompt 'CMD> ' (no line end) replaces '[OK]' until "
                    "'prompt off' is sent: send 'prompt off', then read lines up to '[OK]'")

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None,
                 serial_number: str = "iBEAM-SMART-488-S-A3-12345", firmware: str = "iBPs-001A01-05"):
        super().__init__(world, name, faults=faults)
        self.serial_number = serial_number
        self.firmware = firmware
        self._power_on()
        self._powered_since_s = world.now()
        self._laser_on_s = 0.0
        self._laser_on_since_s: float | None = None

    def _power_on(self) -> None:
        """Interface and driver state after power-up (or ``reset system``)."""
        self.echo = True
        self.prompt = True
        self.talk = "usual"
        self.external = False
        self.fine = False
        self.fine_percent = {"a": 0.0, "b": 10.0}
        self.level_w = dict.fromkeys(CHANNELS, 0.0)
        self.enabled = dict.fromkeys(CHANNELS, False)

    @property
    def _emitter(self):
        return self.world.lasers[self.name]

    # -- framing ----------------------------------------------------------------------
    def split_frames(self, buffer: bytes) -> tuple[list[str | None], bytes]:
        """A command line ends at CR; the LF of a CR LF is ignored."""
        *lines, rest = buffer.split(b"\r")
        return [line.decode(self.encoding, errors="replace").lstrip("\n") for line in lines], rest

    def frame(self, reply: str) -> bytes:
        # The reply is complete as built by handle(): it ends with CR LF, or with the prompt.
        return reply.encode(self.encoding)

    def handle(self, message: str) -> str:
        # The echo (when on) completes the command line before the command takes effect.
        first = message.strip() if self.echo else ""
        try:
            lines = self.dispatch(message)
        except _LaserError as error:
            lines = [str(error)]
        if self.talk == "quiet":
            lines = [line for line in lines if not line.startswith("%SYS-I")]
        end = "CMD> " if self.prompt else "[OK]\r\n"
        return first + "\r\n" + "".join(line + "\r\n" for line in lines) + end

    def normalise(self, message: str) -> str:
        return " ".join(_keyword(word) for word in message.lower().split())

    def empty(self) -> list[str]:
        return []

    def unknown(self, message: str) -> list[str]:
        raise _LaserError("%SYS-W-113, unknown command")

    # -- interface ----------------------------------------------------------------------
    @command(r"(?P<what>echo|prompt) (?P<state>on|off)")
    def set_interface(self, what: str, state: str) -> list[str]:
        setattr(self, what, state == "on")
        return []

    @command(r"talk (?P<level>usual|quiet|gabby)")
    def set_talk(self, level: str) -> list[str]:
        self.talk = level
        return []

    @command(r"reset system")
    def reset_system(self) -> list[str]:
        """Reboot: the driver goes off and the interface returns to its power-up state."""
        self._laser(False)
        self._power_on()
        self._update_world()
        return []

    # -- identification -------------------------------------------------------------------
    @command(r"version")
    def version(self) -> list[str]:
        return [self.firmware]

    @command(r"serial|show serial")
    def serial(self) -> list[str]:
        return [] if self.talk == "quiet" else [f"SN: {self.serial_number}"]

    @command(r"id")
    def identify(self) -> list[str]:
        return [] if self.talk == "quiet" else [self.serial_number]

    # -- emission and channels ----------------------------------------------------------------
    @command(r"laser (?P<state>on|off)")
    def laser(self, state: str) -> list[str]:
        if not self._laser(state == "on"):
            raise _LaserError("%SYS-E-030, laser interlock open")
        return []

    def _laser(self, on: bool) -> bool:
        self._account_laser_time()
        accepted = self.world.set_emission(self.name, on)
        self._account_laser_time()  # starts (or stops) the laser-on clock
        return accepted

    @command(r"status laser")
    def status_laser(self) -> list[str]:
        return ["ON" if self._emitter.emitting else "OFF"]

    @command(r"(?P<verb>enable|disable) (?P<which>\S+)")
    def enable(self, verb: str, which: str) -> list[str]:
        on = verb == "enable"
        if which == "external":
            self.external = on
        elif which == "0":
            self.enabled = dict.fromkeys(CHANNELS, on)
        elif which.isdigit() and int(which) in CHANNELS:
            self.enabled[int(which)] = on
        else:
            raise _LaserError("%SYS-W-112, invalid channel")
        self._update_world()
        return []

    @command(r"status channel (?P<which>\S+)")
    def status_channel(self, which: str) -> list[str]:
        if not (which.isdigit() and int(which) in CHANNELS):
            raise _LaserError("%SYS-W-112, invalid channel")
        return ["ON" if self.enabled[int(which)] else "OFF"]

    @command(r"status external")
    def status_external(self) -> list[str]:
        return ["ON" if self.external else "OFF"]

    @command(r"channel(?: (?P<which>\S+))? power (?P<value>\S+)(?P<micro> micro)?")
    def channel_power(self, value: str, which: str = "2", micro: str = "") -> list[str]:
        """``channel [n] power <value> [micro]``: a level in mW, or in uW with ``micro``; no n is channel 2."""
        if not (which.isdigit() and int(which) in CHANNELS):
            raise _LaserError("%SYS-W-112, invalid channel")
        if not re.fullmatch(_NUMBER, value):
            raise _LaserError("%SYS-W-114, invalid parameter")
        watts = float(value) * (1e-6 if micro else 1e-3)
        if not 0.0 <= watts <= self._emitter.max_power_w:
            raise _LaserError("%SYS-W-115, value out of range")
        self.level_w[int(which)] = watts
        self._update_world()
        return []

    # -- FINE ---------------------------------------------------------------------------
    @command(r"fine (?P<state>on|off)")
    def set_fine(self, state: str) -> list[str]:
        self.fine = state == "on"
        return []

    @command(r"fine (?P<which>a|b) (?P<value>\S+)")
    def set_fine_percent(self, which: str, value: str) -> list[str]:
        if not re.fullmatch(_NUMBER, value):
            raise _LaserError("%SYS-W-114, invalid parameter")
        if not 0.0 <= float(value) <= 100.0:
            raise _LaserError("%SYS-W-115, value out of range")
        self.fine_percent[which] = float(value)
        return []

    @command(r"status fine")
    def status_fine(self) -> list[str]:
        return ["ON" if self.fine else "OFF"]

    @command(r"status clip")
    def status_clip(self) -> list[str]:
        return ["PASS"]  # the clipping detector of the real laser; nothing here clips

    # -- readings -----------------------------------------------------------------------
    @command(r"show power")
    def show_power(self) -> list[str]:
        return [f"PIC  = {round(self.world.laser_output_w(self.name) * 1e6):06d} uW  "]

    @command(r"show level power")
    def show_level_power(self) -> list[str]:
        return [f"CH{n}, PWR: {self.level_w[n] * 1e3:.3f} mW" for n in CHANNELS]

    @command(r"show current")
    def show_current(self) -> list[str]:
        output = self.world.laser_output_w(self.name)
        milliamps = _THRESHOLD_MA + output / _SLOPE_W_PER_A * 1e3 if self._emitter.emitting else 0.0
        return [f"LDC = {milliamps:.1f} mA"]

    @command(r"show temperature")
    def show_temperature(self) -> list[str]:
        return [f"TEMP = {_DIODE_TEMPERATURE_C:.1f} C"]

    @command(r"show temperature system")
    def show_temperature_system(self) -> list[str]:
        return [f"TEMP = {_BASEPLATE_TEMPERATURE_C:.1f} C"]

    @command(r"show limit")
    def show_limit(self) -> list[str]:
        return [f"LDC limit: {_CURRENT_LIMIT_MA:.0f} mA"]

    @command(r"show satellite")
    def show_satellite(self) -> list[str]:
        return [f"Pmax: {self._emitter.max_power_w * 1e3:.0f} mW",
                *(f"CH{n} setp: {self.level_w[n] * 1e3:.3f} mW" for n in CHANNELS)]

    @command(r"show data")
    def show_data(self) -> list[str]:
        return [f"Pmax: {self._emitter.max_power_w * 1e3:.0f} mW",
                *(f"fine {which} -> {self.fine_percent[which]:.1f} %" for which in ("a", "b"))]

    @command(r"show timers")
    def show_timers(self) -> list[str]:
        """Power-on time and laser-on time in whole seconds of bench time (the lines qudi's driver parses)."""
        powered, lasing = self._times()
        return [f"PowerUP: {powered:.0f} s", f"LaserUP: {lasing:.0f} s"]

    @command(r"status uptime")
    def status_uptime(self) -> list[str]:
        """The same times as hours plus seconds (the lines pyLabLib's driver parses)."""
        return [f"{name}: {int(t // 3600)}h + {int(t % 3600)}s" for name, t in zip(("PowerUp", "LaserOn"),
                                                                                    self._times())]

    def _times(self) -> tuple[float, float]:
        """Seconds since power-up, and seconds of emission so far (a trip is noticed at the next command)."""
        self._account_laser_time()
        return self.world.now() - self._powered_since_s, self._laser_on_s

    # -- internals ------------------------------------------------------------------------
    def _account_laser_time(self) -> None:
        """Add the time emission was on since the last look (an interlock trip ends it too)."""
        now = self.world.now()
        if self._laser_on_since_s is not None:
            self._laser_on_s += now - self._laser_on_since_s
        self._laser_on_since_s = now if self._emitter.emitting else None

    def _update_world(self) -> None:
        self.world.set_laser_power(self.name, sum(self.level_w[n] for n in CHANNELS if self.enabled[n]))

    @backdoor
    def power_cycle(self) -> None:
        """Switch the laser off and on again at the mains (everything not saved is lost)."""
        self.world.set_emission(self.name, False)
        self._power_on()
        self._update_world()
        self._powered_since_s = self.world.now()
