"""A simulated Toptica iBeam smart diode laser answering its serial command language.

Commands and replies end with CR LF.  Every reply is framed the same way:
the end of the (echoed) command line, any reply lines, then ``[OK]`` when
the laser is ready for the next command, also after an error.  Errors and
warnings are reply lines of the form ``%SYS-<severity>-<code>, <text>``.
Keywords may be shortened to any prefix of two letters or more (``sh pow``
is ``show power``).  Echo is on after power-up; the prompt is not modelled.

Two driver channels add up to the output: channel 1 (bias) and channel 2
(main), each with a power level and an enable; ``laser on`` switches
emission, refused while the interlock is open.  The light is the world's
emitter named after the instrument.
"""

from __future__ import annotations

from ..faults import FaultPlan
from .base import SimulatedDevice

CHANNELS = (1, 2)
_THRESHOLD_MA = 35.0  # diode current at the lasing threshold
_SLOPE_W_PER_A = 0.9
_DIODE_TEMPERATURE_C = 25.0
_BASEPLATE_TEMPERATURE_C = 28.4

_KEYWORDS = ("channel", "current", "disable", "echo", "enable", "external", "gabby", "laser", "level", "micro",
             "off", "on", "power", "prompt", "quiet", "serial", "show", "status", "system", "talk",
             "temperature", "usual", "version")


class _LaserError(Exception):
    """A reply line reporting a problem (the laser still ends with [OK])."""


def _keyword(word: str) -> str:
    """The full keyword for a word of two letters or more that starts one; the word itself otherwise."""
    if len(word) >= 2:
        for keyword in _KEYWORDS:
            if keyword.startswith(word):
                return keyword
    return word


class SimulatedIBeamSmart(SimulatedDevice):
    """iBeam smart laser head; ``max_power_w`` of the world's emitter is its rated power."""

    model = "Toptica iBeam smart"
    read_termination = "\r\n"
    write_termination = "\r\n"

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None,
                 serial_number: str = "iBEAM-SMART-488-S-A3-12345", firmware: str = "iBPs-001A01-05"):
        super().__init__(world, name, faults=faults)
        self.serial_number = serial_number
        self.firmware = firmware
        self.echo = True
        self.prompt = True
        self.talk = "usual"
        self.external = False
        self.level_w = dict.fromkeys(CHANNELS, 0.0)
        self.enabled = dict.fromkeys(CHANNELS, False)

    @property
    def _emitter(self):
        return self.world.lasers[self.name]

    def handle(self, command: str) -> str | None:
        # the echo (when on) completes the command line before the command takes effect
        first = command.strip() if self.echo else ""
        words = [_keyword(word) for word in command.lower().split()]
        try:
            lines = self._execute(words) if words else []
        except _LaserError as error:
            lines = [str(error)]
        return "\r\n".join([first, *lines, "[OK]"])

    # -- commands ----------------------------------------------------------------------
    def _execute(self, words: list[str]) -> list[str]:
        head, args = words[0], words[1:]
        if head in ("echo", "prompt") and args in (["on"], ["off"]):
            setattr(self, head, args == ["on"])
            return []
        if head == "talk" and args in (["usual"], ["quiet"], ["gabby"]):
            self.talk = args[0]
            return []
        if head == "version" and not args:
            return [self.firmware]
        if head == "serial" and not args or words == ["show", "serial"]:
            return [f"SN: {self.serial_number}"]
        if head == "laser" and args in (["on"], ["off"]):
            return self._laser(args == ["on"])
        if head in ("enable", "disable") and len(args) == 1:
            return self._enable(args[0], head == "enable")
        if head == "channel":
            return self._channel_power(args)
        if head == "status":
            return self._status(args)
        if head == "show":
            return self._show(args)
        raise _LaserError("%SYS-W-113, unknown command")

    def _laser(self, on: bool) -> list[str]:
        if not self.world.set_emission(self.name, on):
            raise _LaserError("%SYS-E-030, laser interlock open")
        return []

    def _enable(self, which: str, on: bool) -> list[str]:
        if which in ("external", "x"):
            self.external = on
        elif which == "0":
            self.enabled = dict.fromkeys(CHANNELS, on)
        elif which.isdigit() and int(which) in CHANNELS:
            self.enabled[int(which)] = on
        else:
            raise _LaserError("%SYS-W-112, invalid channel")
        self._update_world()
        return []

    def _channel_power(self, args: list[str]) -> list[str]:
        """``channel [n] power <value> [micro]``: a level in mW, or in uW with ``micro``; no n is channel 2."""
        channel = 2
        if args and args[0].isdigit():
            channel, args = int(args[0]), args[1:]
        if channel not in CHANNELS:
            raise _LaserError("%SYS-W-112, invalid channel")
        if len(args) not in (2, 3) or args[0] != "power" or args[2:] not in ([], ["micro"]):
            raise _LaserError("%SYS-W-113, unknown command")
        try:
            value = float(args[1])
        except ValueError:
            raise _LaserError("%SYS-W-114, invalid parameter") from None
        watts = value * (1e-6 if args[2:] == ["micro"] else 1e-3)
        if not 0.0 <= watts <= self._emitter.max_power_w:
            raise _LaserError("%SYS-W-115, value out of range")
        self.level_w[channel] = watts
        self._update_world()
        return []

    def _status(self, args: list[str]) -> list[str]:
        if args == ["laser"]:
            return ["ON" if self._emitter.emitting else "OFF"]
        if len(args) == 2 and args[0] == "channel" and args[1].isdigit() and int(args[1]) in CHANNELS:
            return ["ON" if self.enabled[int(args[1])] else "OFF"]
        if args == ["external"]:
            return ["ON" if self.external else "OFF"]
        raise _LaserError("%SYS-W-113, unknown command")

    def _show(self, args: list[str]) -> list[str]:
        if args == ["power"]:
            return [f"PIC  = {round(self.world.laser_output_w(self.name) * 1e6):06d} uW  "]
        if args == ["level", "power"]:
            return [f"CH{n}, PWR: {self.level_w[n] * 1e3:.3f} mW" for n in CHANNELS]
        if args == ["current"]:
            output = self.world.laser_output_w(self.name)
            milliamps = _THRESHOLD_MA + output / _SLOPE_W_PER_A * 1e3 if self._emitter.emitting else 0.0
            return [f"LDC = {milliamps:.0f} mA"]
        if args == ["temperature"]:
            return [f"TEMP = {_DIODE_TEMPERATURE_C:05.1f} C"]
        if args == ["temperature", "system"]:
            return [f"TEMP = {_BASEPLATE_TEMPERATURE_C:05.1f} C"]
        raise _LaserError("%SYS-W-113, unknown command")

    def _update_world(self) -> None:
        self.world.set_laser_power(self.name, sum(self.level_w[n] for n in CHANNELS if self.enabled[n]))
