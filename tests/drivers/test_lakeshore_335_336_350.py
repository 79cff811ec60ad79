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


# -- inputs: status, set-up, curves ---------------------------------------------------------------
from anplab.drivers.errors import InstrumentReplyError  # noqa: E402
from anplab.drivers.lakeshore_335_336_350 import HeaterError, RelayMode, SensorStatus, SensorType  # noqa: E402


def test_reading_status_and_its_words():
    with expected_protocol(LakeShore336, [("RDGST? A", "000"), ("RDGST? B", "129"),
                                          ("KRDG? C;RDGST? C", "+000.000;065")]) as ls:
        assert ls.input_A.status == SensorStatus(0)
        status = ls.input_B.status
        assert status == SensorStatus.INVALID_READING | SensorStatus.SENSOR_UNITS_OVERRANGE
        assert status.describe() == "invalid reading, sensor units overrange (S.OVER)"
        kelvin, status = ls.input_C.reading()
        assert kelvin == 0.0 and SensorStatus.SENSOR_UNITS_ZERO in status
    assert SensorStatus(0).describe() == "valid reading"


def test_a_garbled_reading_and_status_is_a_reply_error():
    with expected_protocol(LakeShore336, [("KRDG? A;RDGST? A", "+077.0")]) as ls:
        with pytest.raises(InstrumentReplyError):
            ls.input_A.reading()


def test_sensor_units_name_type_curve_and_limit():
    with expected_protocol(LakeShore336, [
        ("SRDG? A", "+1.02032"), ('INNAME A,"Cold stage"', None), ("INNAME? A", "Cold stage     "),
        ("INTYPE A,2,1,0,0,1", None), ("INTYPE? A", "2,1,0,0,1"), ("INCRV A,6", None), ("INCRV? A", "06"),
        ("TLIMIT A,350", None), ("TLIMIT? A", "+0350.0"),
    ]) as ls:
        assert ls.input_A.sensor == 1.02032
        ls.input_A.name = "Cold stage"
        assert ls.input_A.name == "Cold stage"
        ls.input_A.sensor_setup = (SensorType.PLATINUM_RTD, 1, 0, 0, 1)
        assert ls.input_A.sensor_setup == (SensorType.PLATINUM_RTD, 1, 0, 0, 1)
        ls.input_A.curve = 6
        assert ls.input_A.curve == 6
        ls.input_A.temperature_limit = 350
        assert ls.input_A.temperature_limit == 350.0
        with pytest.raises(ValueError):
            ls.input_A.name = "a name far too long"
        with pytest.raises(ValueError):
            ls.input_A.curve = 60


def test_curve_header_alarm_and_relays():
    with expected_protocol(LakeShore336, [
        ("CRVHDR? 1", "DT-470         ,STANDARD  ,2,+475.000,1"),
        ("ALARM A,1,300,10,0.5,1,0,1", None), ("ALARM? A", "1,+300.000,+10.0000,+0.500000,1,0,1"),
        ("ALARMST? A", "1,0"), ("ALMRST", None),
        ("RELAY 1,2,A,1", None), ("RELAY? 1", "2,A,1"), ("RELAYST? 1", "1"),
    ]) as ls:
        assert ls.curve_header(1) == ("DT-470", "STANDARD", 2, 475.0, 1)
        ls.input_A.alarm = (True, 300, 10, 0.5, True, False, True)
        assert ls.input_A.alarm == (True, 300.0, 10.0, 0.5, True, False, True)
        assert ls.input_A.alarm_state == (True, False)
        ls.reset_alarms()
        ls.relay_1.setup = (RelayMode.ALARMS, "A", 1)
        assert ls.relay_1.setup == (RelayMode.ALARMS, "A", 1)
        assert ls.relay_1.state is True


def test_all_inputs_at_once():
    with expected_protocol(LakeShore336, [("KRDG? 0", "+295.000,+294.100,+000.000,+000.000")]) as ls:
        assert ls.kelvin_all == [295.0, 294.1, 0.0, 0.0]
    assert not hasattr(LakeShore335, "kelvin_all")


# -- outputs: heater set-up and status ---------------------------------------------------------------
def test_heater_setup_and_status_of_the_336():
    with expected_protocol(LakeShore336, [
        ("HTRSET 1,1,4,0,2", None), ("HTRSET? 1", "1,4,+0.000,2"), ("HTRST? 1", "0"),
        ("HTR? 1;HTRST? 1", "+045.2;2"), ("AOUT? 3", "+012.50"),
    ]) as ls:
        ls.output_1.heater_setup = (1, 4, 0, 2)
        assert ls.output_1.heater_setup == (1, 4, 0.0, 2)
        assert ls.output_1.heater_status is HeaterError.NO_ERROR
        assert ls.output_1.output_and_status() == (45.2, HeaterError.SHORT)
        assert ls.output_3.analog_output == 12.5


def test_heater_setup_of_the_335_carries_the_output_type():
    with expected_protocol(LakeShore335, [("HTRSET 2,1,1,2,0,1", None), ("HTRSET? 2", "1,1,2,+0.000,1")]) as ls:
        ls.output_2.heater_setup = (1, 1, 2, 0, 1)
        assert ls.output_2.heater_setup == (1, 1, 2, 0.0, 1)


# -- instrument: registers, display, mode ---------------------------------------------------------------
def test_enable_registers_status_byte_and_interface_mode():
    with expected_protocol(LakeShore336, [
        ("*ESE 32", None), ("*ESE?", "32"), ("*SRE 32", None), ("*SRE?", "32"), ("*STB?", "96"),
        ("MODE 1", None), ("MODE?", "1"), ("BRIGT 16", None), ("DISPFLD 2,1,1", None), ("DISPFLD? 2", "1,1"),
        ("*CLS", None), ("*RST", None), ("*OPC?", "1"),
    ]) as ls:
        ls.event_enable = EventStatus.COMMAND_ERROR
        assert ls.event_enable == EventStatus.COMMAND_ERROR
        ls.service_request_enable = 32
        assert ls.service_request_enable == 32
        assert ls.status_byte == 96
        ls.interface_mode = 1
        assert ls.interface_mode == 1
        ls.brightness = 16
        ls.display_field(2, 1, 1)
        assert ls.display_field(2) == (1, 1)
        ls.clear()
        ls.reset()
        assert ls.complete == "1"
        with pytest.raises(ValueError):
            ls.interface_mode = 3
