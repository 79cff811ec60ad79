"""Oxford Instruments Mercury iTC in its SCPI-like command set, with replies checked.

pymeasure's :class:`~pymeasure.instruments.oxfordinstruments.mercuryitc.MercuryiTC`
has the temperature sensor and heater channels (reading, loop setpoint, PID,
ramp, heater voltage limit and power).  It reads the reply to every SET but
never looks at it, and parses READ replies by their last field, so an
``INVALID`` answer becomes a silent string (and the sensor voltage a
TypeError).  This module adds that check on every reply, the rest of the
sensor's signals (current, power, resistance) and set-up (nickname, sensor
type, calibration file, limits), the loop's heater assignment, PID table and
gas-flow mode, the heater's nickname, and the system catalogue.

Protocol facts relied on: commands and replies end in LF; keywords are
case-sensitive and at most four characters.  ``READ:<noun>`` is answered
``STAT:<noun>:<value>`` (units appended: ``K``, ``K/m``, ``W``, ``V``, ``A``);
``SET:<noun>:<value>`` is answered ``STAT:SET:<noun>:<value>:VALID`` or
``...:INVALID``.  A term the iTC cannot interpret is answered with
``INVALID`` right after it; ``NOT_FOUND`` (no such UID), ``N/A`` (does not
apply to that device) and ``DENIED`` (no permission) are the other refusals.
"""

from __future__ import annotations

import logging

from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.oxfordinstruments.mercuryitc import Heater, MercuryiTC, TemperatureSensor
from pymeasure.instruments.validators import strict_discrete_set

from .errors import InstrumentRefused, InstrumentReplyError

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

_REFUSALS = ("INVALID", "NOT_FOUND", "N/A", "DENIED")


class MercuryITCError(InstrumentReplyError):
    """The iTC's reply was not what the protocol promises."""


class MercuryITCRefused(MercuryITCError, InstrumentRefused):
    """The Mercury iTC answered INVALID or N/A: it understood and refused."""


def check_reply(reply: str) -> str:
    """Return ``reply`` unless one of its fields is a refusal; raise MercuryITCError then."""
    fields = reply.strip().split(":")
    refused = [field for field in fields if field in _REFUSALS]
    if refused:
        raise MercuryITCRefused(f"Mercury iTC refused: {reply.strip()!r}")
    return reply


class _CheckedReplies:
    """Mixed into the channels: every reply passes :func:`check_reply`."""

    def read(self, **kwargs) -> str:
        return check_reply(super().read(**kwargs))

    def check_set_errors(self) -> list:
        """Read the ``STAT:SET:...`` echo of a SET; raise MercuryITCError unless it is VALID."""
        reply = self.read().strip()
        if reply.startswith("STAT:SET:") and reply.endswith(":INVALID"):
            raise MercuryITCRefused(f"Mercury iTC refused the setting: {reply!r}")
        if not reply.startswith("STAT:SET:") or not reply.endswith(":VALID"):
            raise MercuryITCError(f"Mercury iTC did not confirm the setting: {reply!r}")
        return []


def _last(reply: str) -> str:
    return reply.split(":")[-1]


def _signal(unit: str, scale: float = 1.0):
    """A reply's last field as a number in SI units, its unit (with any SI prefix) removed."""
    prefixes = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6}

    def parse(reply: str) -> float:
        text = _last(reply)
        if not text.endswith(unit):
            raise MercuryITCError(f"Mercury iTC reply {reply.strip()!r} is not in {unit}")
        number = text[:-len(unit)]
        factor = 1.0
        if number and number[-1] in prefixes:
            number, factor = number[:-1], prefixes[number[-1]]
        return float(number) * factor * scale

    return parse


class MercuryTemperatureSensor(_CheckedReplies, TemperatureSensor):
    """A temperature sensor and its control loop, replies checked."""

    current = Channel.measurement(
        "READ:DEV:{ch}:TEMP:SIG:CURR", """Measure the sensor's excitation current in A.""",
        preprocess_reply=lambda v: str(_signal("A")(v)))

    power = Channel.measurement(
        "READ:DEV:{ch}:TEMP:SIG:POWR", """Measure the power dissipated in the sensor in W.""",
        preprocess_reply=lambda v: str(_signal("W")(v)))

    resistance = Channel.measurement(
        "READ:DEV:{ch}:TEMP:SIG:RES", """Measure the sensor's resistance in ohm.""",
        preprocess_reply=lambda v: str(_signal("O")(v)))

    nickname = Channel.control(
        "READ:DEV:{ch}:TEMP:NICK", "SET:DEV:{ch}:TEMP:NICK:%s",
        """Control the sensor's nickname (text without colons).""",
        check_set_errors=True, preprocess_reply=_last, cast=str,
        validator=lambda value, values: _no_colon(value))

    sensor_type = Channel.control(
        "READ:DEV:{ch}:TEMP:TYPE", "SET:DEV:{ch}:TEMP:TYPE:%s",
        """Control the sensor type: "PTC", "NTC", "DDE" (diode) or "TCE" (thermocouple).""",
        check_set_errors=True, preprocess_reply=_last, cast=str,
        validator=strict_discrete_set, values=("PTC", "NTC", "DDE", "TCE"))

    calibration_file = Channel.control(
        "READ:DEV:{ch}:TEMP:CAL:FILE", "SET:DEV:{ch}:TEMP:CAL:FILE:%s",
        """Control the calibration file the sensor converts with.""",
        check_set_errors=True, preprocess_reply=_last, cast=str,
        validator=lambda value, values: _no_colon(value))

    limits = Channel.measurement(
        "READ:DEV:{ch}:TEMP:CAL:HOTL", """Get the calibration's hot limit in K.""",
        preprocess_reply=lambda v: _last(v).removesuffix("K"))

    control_loop_PID_table = Channel.control(
        "READ:DEV:{ch}:TEMP:LOOP:PIDT", "SET:DEV:{ch}:TEMP:LOOP:PIDT:%s",
        """Control whether the loop takes its PID from the PID table (zone control).""",
        check_set_errors=True, preprocess_reply=_last, validator=strict_discrete_set,
        values={True: "ON", False: "OFF"}, map_values=True)

    control_loop_flow_auto = Channel.control(
        "READ:DEV:{ch}:TEMP:LOOP:FAUT", "SET:DEV:{ch}:TEMP:LOOP:FAUT:%s",
        """Control whether the loop controls the gas flow (needle valve) automatically.""",
        check_set_errors=True, preprocess_reply=_last, validator=strict_discrete_set,
        values={True: "ON", False: "OFF"}, map_values=True)

    control_loop_heater = Channel.control(
        "READ:DEV:{ch}:TEMP:LOOP:HTR", "SET:DEV:{ch}:TEMP:LOOP:HTR:%s",
        """Control the UID of the heater the control loop drives (e.g. "MB0.H1"; "None" unset).""",
        check_set_errors=True,
        preprocess_reply=lambda v: v.split(":")[-1],
        cast=str,
    )


def _no_colon(value) -> str:
    text = str(value)
    if not text or ":" in text or len(text) > 32:
        raise ValueError(f"{text!r}: 1 to 32 characters, no colon (the iTC's separator)")
    return text


class MercuryHeater(_CheckedReplies, Heater):
    """A heater, replies checked."""

    nickname = Channel.control(
        "READ:DEV:{ch}:HTR:NICK", "SET:DEV:{ch}:HTR:NICK:%s",
        """Control the heater's nickname (text without colons).""",
        check_set_errors=True, preprocess_reply=_last, cast=str,
        validator=lambda value, values: _no_colon(value))


class MercuryITC(MercuryiTC):
    """Mercury iTC whose every reply is checked for refusals.

    .. code-block:: python

        itc = MercuryITC("TCPIP::192.168.0.20::7020::SOCKET")
        itc.HTR_MB.voltage_limit = 12.6                # caps the heater power
        itc.TS_MB.control_loop_ramp_rate = 5           # K/min
        itc.TS_MB.control_loop_ramp_enabled = True
        itc.TS_MB.control_loop_PID_enabled = True
        itc.TS_MB.control_loop_temperature_setpoint = 77
    """

    TS_MB = Instrument.ChannelCreator(MercuryTemperatureSensor, "MB1.T1", prefix="TS", collection="TS")
    HTR_MB = Instrument.ChannelCreator(MercuryHeater, "MB0.H1", prefix="HTR", collection="HTR")

    def __init__(self, adapter, name="Oxford Instruments Mercury iTC", **kwargs):
        # pymeasure fixes the LF terminations; the iTC answers within a second.
        kwargs.setdefault("timeout", 2000)
        super().__init__(adapter, name, **kwargs)

    catalogue = Instrument.measurement(
        "READ:SYS:CAT",
        """Get the devices fitted, as a list of (UID, kind) pairs, e.g. [("MB1.T1", "TEMP"), ("MB0.H1", "HTR")].""",
        preprocess_reply=lambda v: check_reply(v).strip().removeprefix("STAT:SYS:CAT:"),
        separator=":",
        cast=str,
        get_process_list=lambda v: [(v[i + 1], v[i + 2]) for i in range(0, len(v) - 2, 3) if v[i] == "DEV"],
    )

    def add_temperature_sensor(self, id, prefix="TS", **kwargs):
        """Add a temperature sensor with unique identifier ``id`` as ``.TS[id]``, replies checked."""
        self.add_child(MercuryTemperatureSensor, id, collection="TS", prefix=prefix, **kwargs)

    def add_heater(self, id, prefix="HTR", **kwargs):
        """Add a heater with unique identifier ``id`` as ``.HTR[id]``, replies checked."""
        self.add_child(MercuryHeater, id, collection="HTR", prefix=prefix, **kwargs)
