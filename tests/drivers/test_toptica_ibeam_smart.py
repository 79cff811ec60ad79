"""pymeasure's IBeamSmart driver, the parts the Laser role uses: the bytes it exchanges.

Every reply starts with the empty remainder of the command line and ends
with ``[OK]``; each line is one message.  The driver first switches echo and
the prompt off, discards what they answered, then asks for the usual talk
level.
"""

import pytest
from pymeasure.adapters import ProtocolAdapter
from pymeasure.instruments import instrument as instrument_module
from pymeasure.instruments.toptica.ibeamsmart import IBeamSmart
from pymeasure.test import expected_protocol

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


def test_init_sequence():
    with expected_protocol(IBeamSmart, INIT):
        pass


def test_emission_get_and_set():
    with expected_protocol(
        IBeamSmart, INIT + ok("sta la", "OFF") + ok("la on") + ok("sta la", "ON") + ok("la off")
    ) as laser:
        assert laser.emission is False
        laser.emission = True
        assert laser.emission is True
        laser.emission = False


def test_refused_emission_raises():
    with expected_protocol(IBeamSmart, INIT + ok("la on", "%SYS-E-030, laser interlock open")) as laser:
        with pytest.raises(ValueError, match="interlock open"):
            laser.emission = True


def test_channel_power_is_set_in_microwatts():
    with expected_protocol(IBeamSmart, INIT + ok("ch 2 pow 20000.000000 mic")) as laser:
        laser.ch_2.power = 20000


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


def test_output_power_in_microwatts():
    with expected_protocol(IBeamSmart, INIT + ok("sh pow", "PIC  = 020000 uW  ")) as laser:
        assert laser.power == 20000


def test_identification():
    with expected_protocol(
        IBeamSmart, INIT + ok("ver", "iBPs-001A01-05") + ok("serial", "SN: iBEAM-SMART-488-S-A3-12345")
    ) as laser:
        assert laser.version == "iBPs-001A01-05"
        assert laser.serial == "SN: iBEAM-SMART-488-S-A3-12345"


def test_level_listing_comes_back_as_lines():
    with expected_protocol(
        IBeamSmart, INIT + ok("sh level pow", "CH1, PWR: 0.000 mW", "CH2, PWR: 20.000 mW")
    ) as laser:
        assert laser.ask("sh level pow") == "CH1, PWR: 0.000 mW\nCH2, PWR: 20.000 mW"


def test_continuous_emission_sequence():
    with expected_protocol(IBeamSmart, INIT + ok("di ext") + ok("la on") + ok("en 2")) as laser:
        laser.enable_continous()


def test_unknown_command_error_line_is_returned():
    with expected_protocol(IBeamSmart, INIT + ok("xyz", "%SYS-W-113, unknown command")) as laser:
        assert laser.ask("xyz") == "%SYS-W-113, unknown command"
