"""anplab's IBeamSmart driver (pymeasure's, with its readings fixed): the bytes it exchanges.

Every reply starts with the empty remainder of the command line and ends
with ``[OK]``; each line is one message.  The driver first switches echo and
the prompt off, discards what they answered, then asks for the usual talk
level.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymeasure.adapters import ProtocolAdapter
from pymeasure.instruments import instrument as instrument_module
from pymeasure.instruments.toptica.ibeamsmart import IBeamSmart as UpstreamIBeamSmart
from pymeasure.test import expected_protocol

from anplab.drivers.errors import InstrumentRefused, InstrumentReplyError
from anplab.drivers.toptica_ibeam_smart import IBeamSmart, IBeamSmartError, IBeamSmartReplyError

INIT = [("echo off", None), ("prom off", None), ("talk usual", ""), (None, "[OK]")]


def ok(command, *lines):
    """A command and its framed reply: the empty line, the reply lines, [OK]."""
    return [(command, ""), *((None, line) for line in lines), (None, "[OK]")]


def test_connection_settings(monkeypatch):
    seen = {}

    class RecordingAdapter(ProtocolAdapter):
        def __init__(self, resource, **kwargs):
            seen.update(kwargs, resource=resource)
            super().__init__(INIT)

    monkeypatch.setattr(instrument_module, "VISAAdapter", RecordingAdapter)
    IBeamSmart("ASRL/dev/ttyUSB0::INSTR")
    assert seen["read_termination"] == "\r\n" and seen["write_termination"] == "\r\n"
    assert seen["asrl"] == {"baud_rate": 115200}


@pytest.mark.parametrize("reading, command, reply, value", [
    ("system_temp", "sh temp sys", "TEMP = 28.4 C", 28.4),
    ("temp", "sh temp", "TEMP = 025.3 C", 25.3),
    ("current", "sh cur", "LDC = 123.4 mA", 123.4),
    ("power", "sh pow", "PIC  = 020000 uW  ", 20000),
])
def test_readings_keep_their_decimals(reading, command, reply, value):
    with expected_protocol(IBeamSmart, INIT + ok(command, reply)) as laser:
        assert getattr(laser, reading) == pytest.approx(value)


def test_the_upstream_driver_drops_the_decimals():
    # The bug this driver fixes, shown on the same bytes: 28.4 C reads 28.
    with expected_protocol(UpstreamIBeamSmart, INIT + ok("sh temp sys", "TEMP = 28.4 C")) as laser:
        assert laser.system_temp == 28


@given(st.decimals(min_value=0, max_value=999, places=2, allow_nan=False))
def test_any_decimal_reading_is_read_whole(value):
    with expected_protocol(IBeamSmart, INIT + ok("sh cur", f"LDC = {value} mA")) as laser:
        assert laser.current == pytest.approx(float(value))


def test_emission_get_and_set():
    with expected_protocol(
        IBeamSmart, INIT + ok("sta la", "OFF") + ok("la on") + ok("sta la", "ON") + ok("la off")
    ) as laser:
        assert laser.emission is False
        laser.emission = True
        assert laser.emission is True
        laser.emission = False


def test_an_error_line_is_a_refusal_not_a_value():
    with expected_protocol(IBeamSmart, INIT + ok("la on", "%SYS-E-030, laser interlock open")
                           + ok("sh temp", "%SYS-W-113, unknown command")) as laser:
        with pytest.raises(IBeamSmartError, match="interlock open") as refused:
            laser.emission = True
        assert isinstance(refused.value, InstrumentRefused) and isinstance(refused.value, ValueError)
        with pytest.raises(IBeamSmartError, match="W-113"):
            laser.temp


def test_an_information_line_is_not_an_error():
    with expected_protocol(IBeamSmart, INIT + ok("la on", "%SYS-I-046, laser on")) as laser:
        laser.emission = True


def test_a_reply_out_of_step_is_a_reply_error():
    # The echo of a command (echo back on) where the empty line belongs: not a refusal, worth asking again.
    with expected_protocol(IBeamSmart, INIT + [("sh temp", "sh temp")]) as laser:
        with pytest.raises(IBeamSmartReplyError) as garbled:
            laser.temp
        assert isinstance(garbled.value, InstrumentReplyError)
        assert not isinstance(garbled.value, InstrumentRefused)


def test_channel_power_is_set_in_microwatts_and_levels_read_back():
    with expected_protocol(IBeamSmart, INIT + ok("ch 2 pow 20000.000000 mic")
                           + ok("sh level pow", "CH1, PWR: 0.500 mW", "CH2, PWR: 20.000 mW")) as laser:
        laser.ch_2.power = 20000
        assert laser.power_level(2) == pytest.approx(20000)


def test_levels_of_every_channel():
    with expected_protocol(IBeamSmart, INIT + ok("sh level pow", "CH1, PWR: 0.500 mW", "CH2, PWR: 12.345 mW")
                           + ok("sh level pow", "CH1, PWR: 0.500 mW")) as laser:
        assert laser.power_levels() == {1: pytest.approx(500.0), 2: pytest.approx(12345.0)}
        with pytest.raises(IBeamSmartReplyError, match="channel 2"):
            laser.power_level(2)


def test_channel_power_out_of_range_never_reaches_the_wire():
    with expected_protocol(IBeamSmart, INIT) as laser:
        with pytest.raises(ValueError):
            laser.ch_2.power = 250000


def test_channel_enable_get_and_set():
    with expected_protocol(
        IBeamSmart, INIT + ok("en 2") + ok("sta ch 2", "ON") + ok("di 2") + ok("sta ch 2", "OFF")
    ) as laser:
        laser.ch_2.enabled = True
        assert laser.ch_2.enabled is True
        laser.ch_2.enabled = False
        assert laser.ch_2.enabled is False


def test_external_modulation_and_fine():
    with expected_protocol(
        IBeamSmart,
        INIT + ok("en ext") + ok("sta ext", "ON") + ok("fine on") + ok("sta fine", "ON") + ok("fine a 12.5")
        + ok("fine b 80") + ok("sh data", "Pmax: 100 mW", "fine a -> 12.5 %", "fine b -> 80.0 %"),
    ) as laser:
        laser.external_enabled = True
        assert laser.external_enabled is True
        laser.fine_enabled = True
        assert laser.fine_enabled is True
        laser.fine_a = 12.5
        laser.fine_b = 80
        assert laser.fine_parameters() == {"a": 12.5, "b": 80.0}


def test_status_identification_and_timers():
    with expected_protocol(
        IBeamSmart,
        INIT + ok("ver", "iBPs-001A01-05") + ok("serial", "SN: iBEAM-SMART-488-S-A3-12345")
        + ok("id", "iBEAM-SMART-488-S-A3-12345") + ok("sta clip", "PASS")
        + ok("sh sat", "Pmax: 100 mW", "CH1 setp: 0.000 mW", "CH2 setp: 20.000 mW")
        + ok("sh tim", "PowerUP: 3600 s", "LaserUP: 120 s"),
    ) as laser:
        assert laser.version == "iBPs-001A01-05"
        assert laser.serial == "SN: iBEAM-SMART-488-S-A3-12345"
        assert laser.identification == "iBEAM-SMART-488-S-A3-12345"
        assert laser.clip_status == "PASS"
        assert laser.max_power == 100.0
        assert laser.timers() == {"PowerUP": 3600.0, "LaserUP": 120.0}


def test_continuous_emission_sequence():
    with expected_protocol(IBeamSmart, INIT + ok("di ext") + ok("la on") + ok("en 2")) as laser:
        laser.enable_continous()


def test_reset_system_is_sent():
    with expected_protocol(IBeamSmart, INIT + [("reset sys", None)]) as laser:
        laser.reset_system()
