"""Lake Shore 335 / 336 / 350 driver: the bytes it exchanges (pymeasure expected_protocol)."""

import pytest
from pymeasure.adapters import ProtocolAdapter
from pymeasure.test import expected_protocol

from anplab.drivers.lakeshore_335_336_350 import (
    EventStatus,
    LakeShore335,
    LakeShore336,
    LakeShore350,
    OutputMode,
    open_lakeshore,
)


def test_readings_reused_from_pymeasure():
    with expected_protocol(LakeShore336, [("KRDG? A", "+077.012"), ("CRDG? B", "-196.100"),
                                          ("HTR? 1", "+045.2")]) as ls:
        assert ls.input_A.kelvin == 77.012
        assert ls.input_B.celsius == -196.1
        assert ls.output_1.output == 45.2


def test_setpoint_get_and_set():
    with expected_protocol(LakeShore336, [("SETP? 1", "+077.000"), ("SETP 1,300.000000", None)]) as ls:
        assert ls.output_1.setpoint == 77.0
        ls.output_1.setpoint = 300


def test_heater_range_of_the_335_and_336():
    with expected_protocol(LakeShore336, [("RANGE 1,2", None), ("RANGE? 1", "3"), ("RANGE 3,1", None),
                                          ("RANGE? 4", "0")]) as ls:
        ls.output_1.range = "medium"
        assert ls.output_1.range == "high"
        ls.output_3.range = "on"
        assert ls.output_4.range == "off"
        with pytest.raises(ValueError):
            ls.output_1.range = 2
        with pytest.raises(ValueError):
            ls.output_3.range = "medium"


def test_the_350_has_five_heater_ranges():
    with expected_protocol(LakeShore350, [("RANGE 1,5", None), ("RANGE? 1", "4")]) as ls:
        ls.output_1.range = 5
        assert ls.output_1.range == 4
        with pytest.raises(ValueError):
            ls.output_1.range = 6
        with pytest.raises(ValueError):
            ls.output_1.range = "high"


def test_ramp_and_ramp_status():
    with expected_protocol(LakeShore336, [("RAMP 1,1,10", None), ("RAMP? 1", "1,+010.0"), ("RAMP 1,0,2.5", None),
                                          ("RAMPST? 1", "1"), ("RAMPST? 1", "0")]) as ls:
        ls.output_1.ramp = (True, 10)
        assert ls.output_1.ramp == (True, 10.0)
        ls.output_1.ramp = (False, 2.5)
        assert ls.output_1.ramping is True
        assert ls.output_1.ramping is False


def test_ramp_rate_out_of_range_never_reaches_the_wire():
    with expected_protocol(LakeShore336, []) as ls:
        with pytest.raises(ValueError):
            ls.output_1.ramp = (True, 150)
        with pytest.raises(ValueError):
            ls.output_1.ramp = (True, -1)


def test_pid_get_set_and_limits():
    with expected_protocol(LakeShore336, [("PID 1,6,50,0", None), ("PID? 1", "+0006.0,+0050.0,+000")]) as ls:
        ls.output_1.pid = (6, 50, 0)
        assert ls.output_1.pid == (6.0, 50.0, 0.0)
        with pytest.raises(ValueError):
            ls.output_1.pid = (0, 50, 0)
        with pytest.raises(ValueError):
            ls.output_1.pid = (6, 50, 300)


def test_output_mode_and_control_input():
    with expected_protocol(LakeShore336, [("OUTMODE 1,1,2,0", None), ("OUTMODE? 1", "1,1,0"),
                                          ("OUTMODE? 2", "0,0,1")]) as ls:
        ls.output_1.mode = (OutputMode.CLOSED_LOOP, "B", False)
        assert ls.output_1.mode == (OutputMode.CLOSED_LOOP, "A", False)
        assert ls.output_2.mode == (OutputMode.OFF, None, True)
        with pytest.raises(ValueError):
            ls.output_1.mode = (OutputMode.CLOSED_LOOP, "E", False)
        with pytest.raises(ValueError):
            ls.output_1.mode = (9, "A", False)


def test_manual_output_reused_from_pymeasure():
    with expected_protocol(LakeShore336, [("MOUT 1,12.500000", None), ("MOUT? 1", "+012.50")]) as ls:
        ls.output_1.mout = 12.5
        assert ls.output_1.mout == 12.5


def test_errors_come_from_the_event_register():
    with expected_protocol(LakeShore336, [("*ESR?", "160"), ("*ESR?", "32"), ("*ESR?", "0")]) as ls:
        assert ls.event_status == EventStatus.COMMAND_ERROR | EventStatus.POWER_ON
        assert ls.check_errors() == ["COMMAND_ERROR"]
        assert ls.check_errors() == []


def test_models_have_their_own_channels():
    assert LakeShore335.input_C is None and LakeShore335.output_3 is None
    with expected_protocol(LakeShore336, [("KRDG? D", "+000.000")]) as ls:
        assert ls.input_D.kelvin == 0.0


@pytest.mark.parametrize("model, cls", [("335", LakeShore335), ("336", LakeShore336), ("350", LakeShore350)])
def test_open_finds_the_model_from_idn(model, cls):
    adapter = ProtocolAdapter([("*IDN?", f"LSCI,MODEL{model},LSA1B2C/#######,2.9"), ("KRDG? A", "+004.100")])
    controller = open_lakeshore(adapter)
    assert type(controller) is cls and controller.model == model
    assert controller.input_A.kelvin == 4.1


def test_open_refuses_other_instruments():
    with pytest.raises(ValueError, match="MODEL372"):
        open_lakeshore(ProtocolAdapter([("*IDN?", "LSCI,MODEL372,LSA1B2C,1.4")]))
