"""Montana Cryostation driver: length-prefixed messages, byte for byte (expected_protocol)."""

import math

import pytest
from pymeasure.test import expected_protocol

from anplab.drivers.montana_cryostation import Cryostation, CryostationError, frame


def test_frame_prefixes_two_digit_length():
    assert frame("GPT") == "03GPT"
    assert frame("STSP77.00") == "09STSP77.00"
    assert frame("") == "00"
    with pytest.raises(ValueError):
        frame("X" * 100)


def test_temperatures_and_not_available_readings():
    with expected_protocol(Cryostation, [
        ("03GPT", "07289.904"),
        ("03GPT", "06-0.100"),
        ("03GST", "053.498"),
        ("03GUT", "06-0.100"),
        ("04GS1T", "0643.120"),
        ("04GS2T", "05-0.10"),
    ]) as cryo:
        assert cryo.platform_temperature == 289.904
        assert math.isnan(cryo.platform_temperature)
        assert cryo.sample_temperature == 3.498
        assert math.isnan(cryo.user_temperature)
        assert cryo.stage_1_temperature == 43.12
        assert math.isnan(cryo.stage_2_temperature)


def test_stability_heater_pressure_and_alarm():
    with expected_protocol(Cryostation, [
        ("03GPS", "070.00900"),
        ("03GSS", "08-0.10000"),
        ("04GPHP", "054.904"),
        ("03GCP", "04-0.1"),
        ("03GAS", "01F"),
        ("03GAS", "01T"),
    ]) as cryo:
        assert cryo.platform_stability == 0.009
        assert math.isnan(cryo.sample_stability)
        assert cryo.platform_heater_power == 4.904
        assert math.isnan(cryo.chamber_pressure)
        assert cryo.alarm is False
        assert cryo.alarm is True


def test_setpoint_get_set_and_refusal():
    with expected_protocol(Cryostation, [
        ("04GTSP", "0577.00"),
        ("09STSP10.00", frame("OK, Temperature Set Point = 10.00")),
        ("10STSP350.00", frame("Error: Invalid set point")),
    ]) as cryo:
        assert cryo.temperature_setpoint == 77.0
        cryo.temperature_setpoint = 10
        with pytest.raises(CryostationError, match="Invalid set point"):
            cryo.temperature_setpoint = 350


def test_setpoint_out_of_range_never_reaches_the_wire():
    with expected_protocol(Cryostation, []) as cryo:
        with pytest.raises(ValueError):
            cryo.temperature_setpoint = 1.5
        with pytest.raises(ValueError):
            cryo.temperature_setpoint = 351


def test_actions_expect_ok():
    with expected_protocol(Cryostation, [
        ("03SCD", "02OK"), ("03SSB", "02OK"), ("03SWU", "02OK"), ("03STP", "02OK"),
        ("03SCD", frame("System not able to cooldown at this time")),
    ]) as cryo:
        cryo.start_cooldown()
        cryo.start_standby()
        cryo.start_warmup()
        cryo.stop()
        with pytest.raises(CryostationError, match="not able to cooldown"):
            cryo.start_cooldown()


def test_error_replies_raise():
    with expected_protocol(Cryostation, [("03GPT", frame("Error: Invalid command."))]) as cryo:
        with pytest.raises(CryostationError, match="Invalid command"):
            cryo.platform_temperature


def test_a_reply_without_length_raises():
    with expected_protocol(Cryostation, [("03GPT", "OK")]) as cryo:
        with pytest.raises(CryostationError, match="length"):
            cryo.platform_temperature


def test_stage_1_heater_and_user_stability():
    with expected_protocol(Cryostation, [("05GS1HP", "051.250"), ("03GUS", "08-0.10000")]) as cryo:
        assert cryo.stage_1_heater_power == 1.25
        assert math.isnan(cryo.user_stability)
