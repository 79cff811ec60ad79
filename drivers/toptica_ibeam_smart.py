"""Toptica iBeam smart CW diode laser (RS-232 / USB serial): pymeasure's ``IBeamSmart``, its readings fixed.

pymeasure 0.16's ``IBeamSmart`` reads a value out of a reply line
``NAME = value unit`` with the pattern ``\\w+\\s+=\\s+(\\w+)``, which stops at
the decimal point: ``TEMP = 28.4 C`` reads 28, ``LDC = 123.4 mA`` reads 123.
:class:`IBeamSmart` here is the same driver with the value pattern taking the
whole number, reply framing checked, and the laser's error lines raised as
errors instead of handed back as values, plus the parts of the command set
pymeasure leaves out (channel levels, FINE, external modulation, clip
status, rated power, timers, identification).

Reply framing (see :mod:`anplab.simulated.devices.toptica_ibeam_smart` for
the sources): the remainder of the command line (empty with echo off), the
reply lines, then ``[OK]``; each line ends with CR LF.  The driver switches
echo and the prompt off and sets the usual talk level when it connects, as
pymeasure's does.
"""

from __future__ import annotations

import re

from pymeasure.instruments import Instrument
from pymeasure.instruments.toptica.ibeamsmart import IBeamSmart as _UpstreamIBeamSmart
from pymeasure.instruments.validators import strict_discrete_set, strict_range
from pyvisa.errors import VisaIOError

from .errors import InstrumentRefused, InstrumentReplyError

#: ``NAME = value``: the value a number with its decimals (or a word, as pymeasure reads it).
_VALUE = re.compile(r"\w+\s+=\s+([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\w+)")
_LEVEL = re.compile(r"CH(\d+),\s*PWR:\s*([-+]?[\d.]+)\s*(mW|uW)", re.IGNORECASE)
_PMAX = re.compile(r"Pmax:\s*([\d.]+)\s*mW", re.IGNORECASE)
_FINE = re.compile(r"fine\s+([ab])\s*->\s*([-+]?[\d.]+)\s*%", re.IGNORECASE)
_TIMER = re.compile(r"(\w+):\s*(\d+)\s*s\b")
_ERROR = re.compile(r"%SYS-([WEF])-(\d+)")


class IBeamSmartReplyError(InstrumentReplyError, ValueError):
    """A reply not framed as the laser frames its replies (garbled, cut short, out of step)."""


class IBeamSmartError(InstrumentRefused, ValueError):
    """The laser answered with an error line ``%SYS-W/E/F-NNN, text``.

    A ValueError as well, as pymeasure's driver raises for a refused setting.
    """


class IBeamSmart(_UpstreamIBeamSmart):
    """Toptica iBeam smart laser.

    .. code-block:: python

        laser = IBeamSmart("ASRL/dev/ttyUSB0::INSTR")
        laser.ch_2.power = 20000            # uW
        laser.enable_continous()            # external modulation off, emission on, channel 2 on
        print(laser.power, laser.system_temp)
        laser.shutdown()
    """

    _reg_value = _VALUE

    def read(self) -> str:
        """Read one framed reply: its lines joined by newlines, or the value of a ``NAME = value`` line.

        Raises :class:`IBeamSmartError` when the laser reports a warning,
        error or fatal error, :class:`IBeamSmartReplyError` when the reply is
        not framed as the laser frames replies.
        """
        first = Instrument.read(self)
        if first != "":
            self._flush()  # the rest of an out-of-step reply is of no use
            raise IBeamSmartReplyError(f"expected the end of the command line, got {first!r}")
        lines = []
        try:
            while (line := Instrument.read(self)) != "[OK]":
                lines.append(line)
        except VisaIOError:
            self._flush()
            raise IBeamSmartReplyError(f"reply not ended by [OK] after {lines!r}") from None
        for line in lines:
            if _ERROR.match(line):
                raise IBeamSmartError(f"{self.name}: {line}")
        reply = "\n".join(line for line in lines if not line.startswith("%SYS-I"))
        value = self._reg_value.search(reply)
        return value.group(1) if value else reply

    def check_set_errors(self) -> list:
        """Read the reply to a setting; raise :class:`IBeamSmartError` if the laser reported an error."""
        reply = self.read()
        if reply:
            raise IBeamSmartReplyError(f"{self.name}: a setting was answered with {reply!r}")
        return []

    def _flush(self) -> None:
        try:
            self.adapter.flush_read_buffer()
        except AttributeError:  # adapters without a read buffer have nothing to flush
            pass

    # -- channel levels --------------------------------------------------------------------
    def power_levels(self) -> dict[int, float]:
        """Get every driver channel's power level in uW (``show level power``)."""
        reply = self.ask("sh level pow")
        levels = {int(number): float(value) * (1e3 if unit.lower() == "mw" else 1.0)
                  for number, value, unit in _LEVEL.findall(reply)}
        if not levels:
            raise IBeamSmartReplyError(f"{self.name}: no channel levels in {reply!r}")
        return levels

    def power_level(self, channel: int) -> float:
        """Get the power level of driver channel ``channel`` in uW."""
        levels = self.power_levels()
        if channel not in levels:
            raise IBeamSmartReplyError(f"{self.name}: the laser reported no level for channel {channel}")
        return levels[channel]

    # -- modulation and FINE -----------------------------------------------------------------
    external_enabled = Instrument.control(
        "sta ext", "%s ext",
        """Control whether the digital modulation input drives the laser (bool).""",
        validator=strict_discrete_set,
        values=[True, False],
        get_process=lambda s: s == "ON",
        set_process=lambda v: "en" if v else "di",
        check_set_errors=True,
    )

    fine_enabled = Instrument.control(
        "sta fine", "fine %s",
        """Control the FINE function (bool).""",
        validator=strict_discrete_set,
        values=[True, False],
        get_process=lambda s: s == "ON",
        set_process=lambda v: "on" if v else "off",
        check_set_errors=True,
    )

    fine_a = Instrument.setting(
        "fine a %g",
        """Set the FINE parameter A in per cent (float 0 to 100).""",
        validator=strict_range,
        values=[0, 100],
        check_set_errors=True,
    )

    fine_b = Instrument.setting(
        "fine b %g",
        """Set the FINE parameter B in per cent (float 0 to 100).""",
        validator=strict_range,
        values=[0, 100],
        check_set_errors=True,
    )

    def fine_parameters(self) -> dict[str, float]:
        """Get the FINE parameters A and B in per cent, from ``show data``."""
        found = dict((which.lower(), float(value)) for which, value in _FINE.findall(self.ask("sh data")))
        if set(found) != {"a", "b"}:
            raise IBeamSmartReplyError(f"{self.name}: FINE parameters missing from show data")
        return found

    # -- status and identification -------------------------------------------------------------
    clip_status = Instrument.measurement(
        "sta clip",
        """Get the clipping detector's status (PASS, GOOD or FAIL).""",
        cast=str,
    )

    @property
    def max_power(self) -> float:
        """Get the rated output power in mW (``Pmax`` of ``show satellite``)."""
        reply = self.ask("sh sat")
        found = _PMAX.search(reply)
        if found is None:
            raise IBeamSmartReplyError(f"{self.name}: no Pmax in {reply!r}")
        return float(found.group(1))

    def timers(self) -> dict[str, float]:
        """Get the power-on and laser-on times in seconds (``show timers``), by the laser's names."""
        return {name: float(seconds) for name, seconds in _TIMER.findall(self.ask("sh tim"))}

    identification = Instrument.measurement(
        "id",
        """Get the laser's identification (its serial number, e.g. iBEAM-SMART-488-S-A3-12345).""",
        cast=str,
    )

    def reset_system(self) -> None:
        """Reboot the laser (emission off; echo and prompt back on, so reconnect afterwards)."""
        self.write("reset sys")
