"""IPG YLR driver: the bytes it exchanges (pymeasure expected_protocol)."""

import pytest
from pymeasure.test import expected_protocol

from anplab.drivers.ipg_ylr import IPGYLR, IPGLaserError, YLRStatus


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
