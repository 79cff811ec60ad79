"""Montana Instruments Cryostation (classic control software), over its TCP communication port.

The Cryostation software on the system's control computer listens on TCP
port 7773 once remote control is enabled in its user interface.  Messages in
both directions are ASCII, prefixed by their length as two decimal digits
and not terminated: ``03GPT`` asks for the platform temperature, ``07289.904``
is the answer.  Commands are mnemonics (``GPT``, ``GTSP``, ``STSP<kelvin>``,
``SCD``...); there are no IEEE 488.2 common commands (``*IDN?`` is answered
``Error: Invalid command.``), so the driver identifies the system by name.
Readings come back as plain numbers in K, W or mTorr, with
-0.1 (printed -0.10, -0.100 or -0.10000) when the value is not available;
actions answer ``OK``, or a sentence such as ``System not able to cooldown
at this time``; a set point out of range is answered ``Error: Invalid set
point`` and an unknown command ``Error: Invalid command.``.

VISA address: ``TCPIP::<host>::7773::SOCKET``.
"""

from __future__ import annotations

import logging
import math

from pymeasure.instruments import Instrument
from pymeasure.instruments.validators import strict_range

from .errors import InstrumentRefused, InstrumentReplyError

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

PORT = 7773
_MAX_MESSAGE = 99  # two decimal digits of length


class CryostationError(InstrumentReplyError):
    """The Cryostation's reply was not what the protocol promises."""


class CryostationRefused(CryostationError, InstrumentRefused):
    """The Cryostation answered with an Error message."""


def frame(message: str) -> str:
    """``message`` with its two-digit length prefix."""
    if len(message) > _MAX_MESSAGE:
        raise ValueError(f"a Cryostation message is at most {_MAX_MESSAGE} characters: {message!r}")
    return f"{len(message):02d}{message}"


def _available(value: float) -> float:
    """Reading in its unit, NaN where the Cryostation reports -0.1 (not available)."""
    return math.nan if abs(value + 0.1) < 1e-9 else value


def _reading(command: str, docs: str):
    return Instrument.measurement(command, docs, get_process=_available)


class Cryostation(Instrument):
    """Montana Instruments Cryostation.

    .. code-block:: python

        cryo = Cryostation("TCPIP::192.168.1.100::7773::SOCKET")
        cryo.temperature_setpoint = 10.0     # K
        print(cryo.platform_temperature, cryo.platform_stability)
        cryo.start_cooldown()
    """

    def __init__(self, adapter, name="Montana Instruments Cryostation", **kwargs):
        # No termination characters: the length prefix frames every message.
        kwargs.setdefault("read_termination", "")
        kwargs.setdefault("write_termination", "")
        kwargs.setdefault("timeout", 5000)  # the software answers within a few seconds
        super().__init__(adapter, name, includeSCPI=False, **kwargs)

    # -- framing ---------------------------------------------------------------------
    def write(self, command: str, **kwargs) -> None:
        """Write ``command`` with its two-digit length prefix."""
        super().write(frame(command), **kwargs)

    def read(self, **kwargs) -> str:
        """Read one length-prefixed reply; return it without the prefix.

        Raises CryostationError if the reply is an error ("Error: ...").
        """
        header = self.read_bytes(2).decode("ascii")
        try:
            length = int(header)
        except ValueError:
            raise CryostationError(f"Cryostation reply does not start with a length: {header!r}") from None
        reply = self.read_bytes(length).decode("ascii") if length else ""
        if reply.startswith("Error"):
            raise CryostationRefused(f"Cryostation answered {reply!r}")
        return reply

    def check_set_errors(self) -> list:
        """Read the reply to a set command; raise CryostationError unless it starts with OK."""
        reply = self.read()
        if reply.startswith("Error"):
            raise CryostationRefused(f"Cryostation refused: {reply!r}")
        if not reply.startswith("OK"):
            raise CryostationError(f"Cryostation did not confirm: {reply!r}")
        return []

    def _action(self, mnemonic: str) -> None:
        reply = self.ask(mnemonic)
        if reply != "OK":
            raise CryostationError(f"{mnemonic}: Cryostation answered {reply!r}")

    # -- temperatures and stability ----------------------------------------------------
    platform_temperature = _reading("GPT", """Measure the platform temperature in K (NaN if not available).""")
    sample_temperature = _reading("GST", """Measure the sample temperature in K (NaN if not available).""")
    user_temperature = _reading("GUT", """Measure the user thermometer in K (NaN if not available).""")
    stage_1_temperature = _reading("GS1T", """Measure the cold head's first stage in K (NaN if not available).""")
    stage_2_temperature = _reading("GS2T", """Measure the cold head's second stage in K (NaN if not available).""")
    platform_stability = _reading("GPS", """Measure the platform temperature stability in K (NaN if not available).""")
    sample_stability = _reading("GSS", """Measure the sample temperature stability in K (NaN if not available).""")
    user_stability = _reading("GUS", """Measure the user thermometer's stability in K (NaN if not available).""")
    platform_heater_power = _reading("GPHP", """Measure the platform heater power in W (NaN if not available).""")
    stage_1_heater_power = _reading("GS1HP", """Measure the stage 1 heater power in W (NaN if not available).""")
    chamber_pressure = _reading("GCP", """Measure the sample chamber pressure in mTorr (NaN if not available).""")

    alarm = Instrument.measurement(
        "GAS",
        """Get whether a system error (alarm) is present.""",
        cast=str,
        values={True: "T", False: "F"},
        map_values=True,
    )

    temperature_setpoint = Instrument.control(
        "GTSP", "STSP%.2f",
        """Control the platform temperature setpoint in K (float strictly from 2 to 350).""",
        validator=strict_range,
        values=[2.0, 350.0],
        check_set_errors=True,
    )

    # -- system actions ----------------------------------------------------------------
    def start_cooldown(self) -> None:
        """Start a cooldown to the temperature setpoint (SCD)."""
        self._action("SCD")

    def start_warmup(self) -> None:
        """Start warming the system up to room temperature (SWU)."""
        self._action("SWU")

    def start_standby(self) -> None:
        """Put the system in standby (SSB)."""
        self._action("SSB")

    def stop(self) -> None:
        """Stop the cooldown, standby or warmup in progress (STP)."""
        self._action("STP")
