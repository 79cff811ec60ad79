"""IPG YLR driver: the bytes it exchanges (pymeasure expected_protocol)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymeasure.test import expected_protocol

from anplab.drivers.ipg_ylr import IPGYLR, LATCHED_ERRORS, IPGLaserError, YLRStatus


def test_current_setpoint_get_and_set():
    with expected_protocol(IPGYLR, [("RCS", "RCS: 25.0"), ("SDC 42.5", "SDC: 42.5")]) as laser:
        assert laser.current_setpoint == 25.0
        laser.current_setpoint = 42.5


def test_current_setpoint_out_of_range_never_reaches_the_wire():
    with expected_protocol(IPGYLR, []) as laser:
        with pytest.raises(ValueError):
            laser.current_setpoint = 120


def test_refused_set_raises():
    with expected_protocol(IPGYLR, [("SDC 50.0", "ERR: Out of Range")]) as laser:
        with pytest.raises(IPGLaserError, match="Out of Range"):
            laser.current_setpoint = 50


def test_measurements():
    with expected_protocol(
        IPGYLR,
        [
            ("RNC", "RNC: 10.0"),
            ("RDC", "RDC: 3.21"),
            ("ROP", "ROP: 4.56"),
            ("ROP", "ROP: Off"),
            ("ROP", "ROP: Low"),
            ("RCT", "RCT: 24.8"),
            ("RFV", "RFV: 3.2.5"),
            ("RSN", "RSN: PLMR1234567"),
        ],
    ) as laser:
        assert laser.minimum_current_setpoint == 10.0
        assert laser.diode_current == 3.21
        assert laser.output_power == 4.56
        assert laser.output_power == 0.0
        assert laser.output_power == 0.0
        assert laser.case_temperature == 24.8
        assert laser.firmware_version == "3.2.5"
        assert laser.serial_number == "PLMR1234567"


def test_status_word_and_derived_flags():
    with expected_protocol(
        IPGYLR, [("STA", "STA: 2097156"), ("STA", "STA: 2097156"), ("STA", "STA: 2098176")]
    ) as laser:
        assert laser.status == YLRStatus.EMISSION | YLRStatus.KEYSWITCH_REMOTE
        assert laser.emission_enabled is True
        assert laser.interlock_open is True


def test_actions_expect_their_echo():
    with expected_protocol(
        IPGYLR,
        [("EMON", "EMON"), ("EMOFF", "EMOFF"), ("ABN", "ABN"), ("ABF", "ABF"), ("RERR", "RERR")],
    ) as laser:
        laser.emission_on()
        laser.emission_off()
        laser.aiming_beam_on()
        laser.aiming_beam_off()
        laser.reset_errors()


def test_refused_emission_and_unknown_command_raise():
    with expected_protocol(IPGYLR, [("EMON", "ERR: Emission not allowed"), ("RCT", "BCMD")]) as laser:
        with pytest.raises(IPGLaserError):
            laser.emission_on()
        with pytest.raises(IPGLaserError, match="BCMD"):
            laser.case_temperature


@pytest.mark.parametrize("reply", ["RCS: 2", "RCS: 25.", "RCS: -.0", "RCS: 2!.0"])
def test_a_reading_cut_short_or_garbled_is_refused_not_misread(reply):
    # "RCS: 2" is "RCS: 25.0" cut short; "-.0" is "1.0" with a digit lost to line noise.
    with expected_protocol(IPGYLR, [("RCS", reply)]) as laser:
        with pytest.raises(IPGLaserError, match="not a reading the laser sends"):
            laser.current_setpoint


def test_emission_time_and_identification():
    with expected_protocol(IPGYLR, [("RET", "RET: 12.3"), ("RSN", "RSN: PLMR1234567"), ("RFV", "RFV: 3.2.5")]) as laser:
        assert laser.emission_time == 12.3
        assert laser.identification == "IPG YLR s/n PLMR1234567, firmware 3.2.5"


def test_latched_errors_are_the_fault_bits_of_the_status_word():
    # 2 (emission) | 8 (back reflection) | 2048 (power supply) | 2097152 (keyswitch)
    word = (1 << 2) | (1 << 3) | (1 << 11) | (1 << 21)
    with expected_protocol(IPGYLR, [("STA", f"STA: {word}"), ("STA", "STA: 2097152"), ("RERR", "RERR")]) as laser:
        assert laser.latched_errors == YLRStatus.HIGH_BACKREFLECTION | YLRStatus.POWER_SUPPLY_OFF
        assert not laser.latched_errors
        laser.reset_errors()


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_latched_errors_never_include_state_bits(word):
    with expected_protocol(IPGYLR, [("STA", f"STA: {word}")]) as laser:
        errors = laser.latched_errors
    assert errors & ~LATCHED_ERRORS == 0 and errors == YLRStatus(word) & LATCHED_ERRORS


def test_status_flags_for_aiming_beam_and_keyswitch():
    with expected_protocol(IPGYLR, [("STA", "STA: 256"), ("STA", "STA: 256")]) as laser:
        assert laser.aiming_beam_enabled is True
        assert laser.keyswitch_remote is False


def test_mode_commands_expect_their_echo():
    with expected_protocol(IPGYLR, [("EEC", "EEC"), ("DEC", "DEC"), ("EMOD", "EMOD"), ("DMOD", "DMOD"),
                                    ("ELE", "ELE"), ("DLE", "DLE"), ("EEC", "BCMD")]) as laser:
        laser.external_control(True)
        laser.external_control(False)
        laser.modulation(True)
        laser.modulation(False)
        laser.hardware_emission_control(True)
        laser.hardware_emission_control(False)
        with pytest.raises(IPGLaserError, match="BCMD"):
            laser.external_control(True)
