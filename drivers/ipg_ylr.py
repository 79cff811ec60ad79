"""IPG Photonics YLR-series CW fiber laser (e.g. YLR-10-1064-LP), RS-232 or Ethernet.

The laser's text protocol: ASCII commands terminated by carriage return; RS-232
at 57600 baud, 8 data bits, no parity, 1 stop bit, or a TCP socket (port
10001).  Every command is answered with its mnemonic, a colon and the value
("RCS: 25.0"), or the bare mnemonic for actions ("EMON").  A command the
laser does not know is answered "BCMD"; a refused or out-of-range one
"ERR: <reason>".  Diode current is set in per cent of the maximum; the output
power reads "Off" with emission off and "Low" below the measurable range.

What the status word can tell about faults (see
:mod:`anplab.simulated.devices.ipg_ylr` for the sources and what is
uncertain): the error bits (:data:`LATCHED_ERRORS`) stay set until
:meth:`IPGYLR.reset_errors`, so a fault that came and went between two
looks is still seen; the interlock bit is set only while the circuit is
open, and emission stays off after a trip, so a trip that has cleared shows
as emission off that was not asked for.
"""

from __future__ import annotations

import logging
import re
from enum import IntFlag

from pymeasure.instruments import Instrument
from pymeasure.instruments.validators import strict_range

from .errors import InstrumentRefused, InstrumentReplyError

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


class IPGLaserError(InstrumentReplyError):
    """The laser answered BCMD (a command it did not understand) or something unexpected."""


class IPGLaserRefused(IPGLaserError, InstrumentRefused):
    """The laser answered ERR: it understood and refused."""


def _raise_for(mnemonic: str, reply: str):
    if reply.upper().startswith("ERR"):
        raise IPGLaserRefused(f"{mnemonic}: laser answered {reply!r}")
    raise IPGLaserError(f"{mnemonic}: laser answered {reply!r}")


class YLRStatus(IntFlag):
    """Bits of the STA status word."""

    OVERTEMPERATURE = 1 << 1
    EMISSION = 1 << 2
    HIGH_BACKREFLECTION = 1 << 3
    ANALOG_CONTROL = 1 << 4
    MODULE_DISCONNECTED = 1 << 6
    MODULE_FAILED = 1 << 7
    AIMING_BEAM = 1 << 8
    INTERLOCK_OPEN = 1 << 10
    POWER_SUPPLY_OFF = 1 << 11
    MODULATION = 1 << 12
    LASER_ENABLE = 1 << 14
    EMISSION_STARTUP = 1 << 15
    UNEXPECTED_EMISSION = 1 << 17
    KEYSWITCH_REMOTE = 1 << 21


#: Fault bits that stay set (and keep emission off) until RERR.
LATCHED_ERRORS = (YLRStatus.OVERTEMPERATURE | YLRStatus.HIGH_BACKREFLECTION | YLRStatus.MODULE_FAILED
                  | YLRStatus.POWER_SUPPLY_OFF | YLRStatus.UNEXPECTED_EMISSION)


def _payload(mnemonic: str):
    """Preprocess a reply "MNEMONIC: value" to "value", raising on BCMD / ERR."""

    def strip(reply: str) -> str:
        reply = reply.strip()
        if reply == "BCMD" or reply.upper().startswith("ERR"):
            _raise_for(mnemonic, reply)
        prefix = f"{mnemonic}:"
        if not reply.upper().startswith(prefix):
            raise IPGLaserError(f"{mnemonic}: unexpected reply {reply!r}")
        return reply[len(prefix):].strip()

    return strip


_DECIMAL = re.compile(r"^\d+\.\d+$")  # the laser's numbers: unsigned, with a fractional part


def _decimal(value: str) -> float:
    """A numeric payload; anything else was cut short or garbled on the line (a bare "2" was "25.0")."""
    if not _DECIMAL.match(value):
        raise IPGLaserError(f"not a reading the laser sends: {value!r}")
    return float(value)


def _power(value):
    """ROP value: watts, with "Off" and "Low" read as zero output."""
    return 0.0 if value in ("Off", "Low") else _decimal(value)


class IPGYLR(Instrument):
    """IPG Photonics YLR-series fiber laser.

    .. code-block:: python

        laser = IPGYLR("ASRL/dev/ttyUSB0::INSTR")     # or "TCPIP::192.168.0.10::10001::SOCKET"
        laser.current_setpoint = 20                    # per cent of maximum diode current
        laser.emission_on()
        print(laser.output_power)                      # W
        laser.emission_off()
    """

    def __init__(self, adapter, name="IPG YLR fiber laser", **kwargs):
        kwargs.setdefault("read_termination", "\r")
        kwargs.setdefault("write_termination", "\r")
        kwargs.setdefault("timeout", 2000)
        super().__init__(adapter, name, includeSCPI=False, asrl={"baud_rate": 57600}, **kwargs)

    current_setpoint = Instrument.control(
        "RCS", "SDC %.1f",
        """Control the diode current setpoint in per cent of the maximum current (float 0 to 100).""",
        validator=strict_range,
        values=[0, 100],
        preprocess_reply=_payload("RCS"),
        cast=str,
        get_process=_decimal,
        check_set_errors=True,
    )

    minimum_current_setpoint = Instrument.measurement(
        "RNC",
        """Get the lowest diode current setpoint that gives emission, in per cent.""",
        preprocess_reply=_payload("RNC"),
        cast=str,
        get_process=_decimal,
    )

    diode_current = Instrument.measurement(
        "RDC",
        """Measure the actual diode current in amperes.""",
        preprocess_reply=_payload("RDC"),
        cast=str,
        get_process=_decimal,
    )

    output_power = Instrument.measurement(
        "ROP",
        """Measure the output power in watts (0 when the laser reports Off or Low).""",
        preprocess_reply=_payload("ROP"),
        cast=str,
        get_process=_power,
    )

    case_temperature = Instrument.measurement(
        "RCT",
        """Measure the case temperature in degrees Celsius.""",
        preprocess_reply=_payload("RCT"),
        cast=str,
        get_process=_decimal,
    )

    status = Instrument.measurement(
        "STA",
        """Get the status word as :class:`YLRStatus` flags.""",
        preprocess_reply=_payload("STA"),
        cast=int,
        get_process=YLRStatus,
    )

    firmware_version = Instrument.measurement(
        "RFV",
        """Get the firmware version.""",
        preprocess_reply=_payload("RFV"),
        cast=str,
    )

    serial_number = Instrument.measurement(
        "RSN",
        """Get the serial number.""",
        preprocess_reply=_payload("RSN"),
        cast=str,
    )

    emission_time = Instrument.measurement(
        "RET",
        """Get the accumulated emission time in hours.""",
        preprocess_reply=_payload("RET"),
        cast=str,
        get_process=_decimal,
    )

    @property
    def emission_enabled(self) -> bool:
        """Get whether the laser is emitting (status bit 2)."""
        return YLRStatus.EMISSION in self.status

    @property
    def interlock_open(self) -> bool:
        """Get whether the interlock circuit is open (status bit 10)."""
        return YLRStatus.INTERLOCK_OPEN in self.status

    @property
    def latched_errors(self) -> YLRStatus:
        """Get the fault bits now set (:data:`LATCHED_ERRORS`); they stay set until :meth:`reset_errors`."""
        return self.status & LATCHED_ERRORS

    @property
    def aiming_beam_enabled(self) -> bool:
        """Get whether the guide laser is on (status bit 8)."""
        return YLRStatus.AIMING_BEAM in self.status

    @property
    def keyswitch_remote(self) -> bool:
        """Get whether the keyswitch is in REMOTE, which remote control needs (status bit 21)."""
        return YLRStatus.KEYSWITCH_REMOTE in self.status

    @property
    def identification(self) -> str:
        """Get the identification: serial number and firmware version."""
        return f"IPG YLR s/n {self.serial_number}, firmware {self.firmware_version}"

    def _command(self, mnemonic: str) -> None:
        reply = self.ask(mnemonic).strip()
        if reply != mnemonic:
            _raise_for(mnemonic, reply)

    def emission_on(self) -> None:
        """Start emission (EMON); raises IPGLaserError if the laser refuses."""
        self._command("EMON")

    def emission_off(self) -> None:
        """Stop emission (EMOFF)."""
        self._command("EMOFF")

    def aiming_beam_on(self) -> None:
        """Switch the guide laser on (ABN)."""
        self._command("ABN")

    def aiming_beam_off(self) -> None:
        """Switch the guide laser off (ABF)."""
        self._command("ABF")

    def reset_errors(self) -> None:
        """Clear latched errors (RERR)."""
        self._command("RERR")

    def external_control(self, on: bool) -> None:
        """Let the analog input set the power (EEC), or the serial setpoint (DEC)."""
        self._command("EEC" if on else "DEC")

    def modulation(self, on: bool) -> None:
        """Enable (EMOD) or disable (DMOD) modulation through the modulation input."""
        self._command("EMOD" if on else "DMOD")

    def hardware_emission_control(self, on: bool) -> None:
        """Let the hardware enable input control emission (ELE), or the serial commands (DLE)."""
        self._command("ELE" if on else "DLE")

    def check_set_errors(self) -> list:
        """Read the echo of a set command; raise IPGLaserError on BCMD or ERR."""
        reply = self.read().strip()
        if reply == "BCMD" or reply.upper().startswith("ERR"):
            _raise_for("set", reply)
        return []
