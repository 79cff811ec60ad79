"""SRS SR400 driver: the bytes it exchanges (pymeasure expected_protocol)."""

from unittest.mock import MagicMock

import pytest
from pymeasure.test import expected_protocol
from pyvisa.resources import MessageBasedResource

from anplab.drivers.srs_sr400 import (
    SR400,
    CounterInput,
    CountMode,
    DiscriminatorMode,
    GateMode,
    ScanEnd,
    Slope,
    SR400Error,
    SR400SecondaryStatus,
    SR400Status,
    format_one_digit,
    one_significant_digit,
)

OK = ("SS7", "0")  # every set reads back the command-error bit


def test_count_mode():
    with expected_protocol(SR400, [("CM", "3"), ("CM0", None), OK]) as sr400:
        assert sr400.count_mode is CountMode.A_FOR_B
        sr400.count_mode = CountMode.A_B_FOR_T


def test_counter_inputs_and_their_allowed_sources():
    with expected_protocol(
        SR400,
        [("CI0", "1"), ("CI0,0", None), OK, ("CI1", "2"), ("CI1,1", None), OK, ("CI2", "0"), ("CI2,3", None), OK],
    ) as sr400:
        assert sr400.counter_a_input is CounterInput.INPUT_1
        sr400.counter_a_input = CounterInput.CLOCK_10MHZ
        assert sr400.counter_b_input is CounterInput.INPUT_2
        sr400.counter_b_input = CounterInput.INPUT_1
        assert sr400.counter_t_input is CounterInput.CLOCK_10MHZ
        sr400.counter_t_input = CounterInput.TRIGGER
    with expected_protocol(SR400, []) as sr400:
        with pytest.raises(ValueError):
            sr400.counter_a_input = CounterInput.INPUT_2
        with pytest.raises(ValueError):
            sr400.counter_b_input = CounterInput.CLOCK_10MHZ
        with pytest.raises(ValueError):
            sr400.counter_t_input = CounterInput.INPUT_1


def test_presets_keep_one_significant_digit():
    with expected_protocol(
        SR400, [("CP1", "5E3"), ("CP1,2E0", None), OK, ("CP2", "1E7"), ("CP2,9E11", None), OK]
    ) as sr400:
        assert sr400.counter_b_preset == 5000
        sr400.counter_b_preset = 2
        assert sr400.counter_t_preset == 10_000_000
        sr400.counter_t_preset = 9e11
    with expected_protocol(SR400, []) as sr400:
        for bad in (12, 0.5, 1e12, 1.5e3):
            with pytest.raises(ValueError):
                sr400.counter_t_preset = bad


def test_count_period_in_seconds_on_the_time_base():
    with expected_protocol(SR400, [("CP2", "1E6"), ("CP2,3E5", None), OK, ("CP2,1E0", None), OK]) as sr400:
        assert sr400.count_period == pytest.approx(0.1)
        sr400.count_period = 0.03
        sr400.count_period = 1e-7
    with expected_protocol(SR400, []) as sr400:
        for bad in (0.15, 5e-8, 1e5):
            with pytest.raises(ValueError):
                sr400.count_period = bad


def test_periods_and_end_of_scan():
    with expected_protocol(
        SR400, [("NP", "2000"), ("NP100", None), OK, ("NE", "1"), ("NE0", None), OK]
    ) as sr400:
        assert sr400.periods == 2000
        sr400.periods = 100
        assert sr400.end_of_scan_mode is ScanEnd.START
        sr400.end_of_scan_mode = ScanEnd.STOP
    with expected_protocol(SR400, []) as sr400:
        with pytest.raises(ValueError):
            sr400.periods = 2001
        with pytest.raises(ValueError):
            sr400.periods = 0


def test_dwell_time_including_external():
    with expected_protocol(
        SR400, [("DT", "2E-3"), ("DT5E-2", None), OK, ("DT0", None), OK, ("DT", "0")]
    ) as sr400:
        assert sr400.dwell_time == pytest.approx(2e-3)
        sr400.dwell_time = 0.05
        sr400.dwell_time = 0
        assert sr400.dwell_time == 0
    with expected_protocol(SR400, []) as sr400:
        for bad in (1e-3, 0.0025, 61, 70):
            with pytest.raises(ValueError):
                sr400.dwell_time = bad


def test_trigger_input():
    with expected_protocol(
        SR400, [("TS", "1"), ("TS0", None), OK, ("TL", "0.500"), ("TL-1.250", None), OK]
    ) as sr400:
        assert sr400.trigger_slope is Slope.FALL
        sr400.trigger_slope = Slope.RISE
        assert sr400.trigger_level == 0.5
        sr400.trigger_level = -1.25
    with expected_protocol(SR400, []) as sr400:
        with pytest.raises(ValueError):
            sr400.trigger_level = 2.5


def test_discriminators():
    with expected_protocol(
        SR400,
        [
            ("DS0", "0"), ("DS0,1", None), OK,
            ("DL1", "-0.0100"), ("DL1,-0.0120", None), OK,
            ("DM2", "1"), ("DM2,0", None), OK,
        ],
    ) as sr400:
        assert sr400.discriminator_a.slope is Slope.RISE
        sr400.discriminator_a.slope = Slope.FALL
        assert sr400.discriminator_b.level == -0.01
        sr400.discriminator_b.level = -0.012
        assert sr400.discriminator_t.mode is DiscriminatorMode.SCAN
        sr400.discriminator_t.mode = DiscriminatorMode.FIXED
    with expected_protocol(SR400, []) as sr400:
        with pytest.raises(ValueError):
            sr400.discriminator_a.level = 0.4


def test_gates():
    with expected_protocol(
        SR400,
        [
            ("GM0", "2"), ("GM0,0", None), OK,
            ("GD1", "1.2E-06"), ("GD1,1.2e-06", None), OK,
            ("GW0", "5E-09"), ("GW0,0.001", None), OK,
        ],
    ) as sr400:
        assert sr400.gate_a.mode is GateMode.SCAN
        sr400.gate_a.mode = GateMode.CW
        assert sr400.gate_b.delay == 1.2e-6
        sr400.gate_b.delay = 1.2e-6
        assert sr400.gate_a.width == 5e-9
        sr400.gate_a.width = 1e-3
    with expected_protocol(SR400, []) as sr400:
        with pytest.raises(ValueError):
            sr400.gate_a.width = 1e-9
        with pytest.raises(ValueError):
            sr400.gate_b.delay = 1.0


def test_a_refused_set_raises():
    with expected_protocol(SR400, [("NP5", None), ("SS7", "1")]) as sr400:
        with pytest.raises(SR400Error, match="command error"):
            sr400.periods = 5


def test_front_panel_commands():
    with expected_protocol(SR400, [("CS", None), ("CH", None), ("CR", None), ("CL", None)]) as sr400:
        sr400.start()
        sr400.stop()
        sr400.reset()
        sr400.clear()


def test_polled_and_examined_counts():
    with expected_protocol(
        SR400,
        [("NN", "3"), ("QA", "1234"), ("QB", "-1"), ("XA", "17"), ("XB", "0"), ("QA2", "99"), ("QB2000", "-1")],
    ) as sr400:
        assert sr400.completed_periods == 3
        assert sr400.count_a == 1234
        assert sr400.count_b == -1
        assert sr400.current_count_a == 17
        assert sr400.current_count_b == 0
        assert sr400.point_a(2) == 99
        assert sr400.point_b(2000) == -1
    with expected_protocol(SR400, []) as sr400:
        with pytest.raises(ValueError):
            sr400.point_a(0)
        with pytest.raises(ValueError):
            sr400.point_b(2001)


def test_status_bytes():
    with expected_protocol(SR400, [("SS", "134"), ("SI", "4"), ("SS7", "1")]) as sr400:
        assert sr400.status == SR400Status.COMMAND_ERROR | SR400Status.SCAN_FINISHED | SR400Status.DATA_READY
        assert sr400.secondary_status == SR400SecondaryStatus.COUNTING
        assert sr400.command_error is True


def test_buffered_points_one_record_per_read():
    with expected_protocol(SR400, [("EA", "10"), (None, "11"), (None, "12"), ("EB", "0"), (None, "0")]) as sr400:
        assert sr400.buffer_a(3) == [10, 11, 12]
        assert sr400.buffer_b(2) == [0, 0]


def test_streamed_points_several_records_per_read():
    with expected_protocol(SR400, [("FA", "5\r6"), (None, "7"), ("FB", "1\r2")]) as sr400:
        assert sr400.scan_a(3) == [5, 6, 7]
        assert sr400.scan_b(2) == [1, 2]
    with expected_protocol(SR400, []) as sr400:
        with pytest.raises(ValueError):
            sr400.scan_a(2001)


def test_long_waits_lengthen_a_visa_timeout_and_restore_it():
    with expected_protocol(SR400, [("EA", "1")]) as sr400:
        session = MagicMock(spec=MessageBasedResource)
        session.timeout = 3000
        seen = []
        session_read = sr400.read

        def read():
            seen.append(session.timeout)
            return session_read()

        sr400.adapter.connection = session
        sr400.read = read
        assert sr400.buffer_a(1, timeout_s=12.0) == [1]
        assert seen == [12000.0] and session.timeout == 3000


def test_one_significant_digit_helpers():
    assert one_significant_digit(1e7) and one_significant_digit(0.002) and one_significant_digit(9e11)
    assert not one_significant_digit(12) and not one_significant_digit(0) and not one_significant_digit(-1)
    assert format_one_digit(1e7) == "1E7" and format_one_digit(0.002) == "2E-3" and format_one_digit(3) == "3E0"


def test_scanned_discriminator_port_and_gate():
    with expected_protocol(
        SR400,
        [("DY0,-0.0014", None), OK, ("DZ0", "-0.0028"), ("PM1,1", None), OK, ("PM1", "1"), ("PL2,-2.500", None), OK,
         ("PY1,0.050", None), OK, ("PZ1", "0.100"), ("GY1,1.234e-06", None), OK, ("GZ1", "2.468E-06")],
    ) as sr400:
        sr400.discriminator_a.scan_step = -0.0014
        assert sr400.discriminator_a.current_level == -0.0028
        sr400.port_1.mode = DiscriminatorMode.SCAN
        assert sr400.port_1.mode is DiscriminatorMode.SCAN
        sr400.port_2.level = -2.5
        sr400.port_1.scan_step = 0.05
        assert sr400.port_1.current_level == 0.1
        sr400.gate_b.scan_step = 1.234e-6
        assert sr400.gate_b.current_delay == pytest.approx(2.468e-6)


def test_out_of_range_levels_never_reach_the_wire():
    with expected_protocol(SR400, []) as sr400:
        for channel, name, value in ((sr400.discriminator_a, "scan_step", 0.03), (sr400.port_1, "level", 11),
                                     (sr400.port_2, "scan_step", -0.6), (sr400.gate_a, "scan_step", 0.1)):
            with pytest.raises(ValueError):
                setattr(channel, name, value)
        with pytest.raises(ValueError):
            sr400.service_request_mask = 256
        with pytest.raises(ValueError):
            sr400.store_settings(0)
        with pytest.raises(ValueError):
            sr400.set_end_of_record("\r\n\r\n\r")


def test_interface_and_stored_settings():
    with expected_protocol(
        SR400,
        [("SV4", None), OK, ("SW2", None), OK, ("SE13,10", None), OK, ("SE", None), OK, ("ST3", None), OK,
         ("RC0", None), OK],
    ) as sr400:
        sr400.service_request_mask = 4
        sr400.character_wait = 2
        sr400.set_end_of_record("\r\n")
        sr400.set_end_of_record()
        sr400.store_settings(3)
        sr400.recall_settings(0)


def test_both_buffers_come_as_pairs():
    with expected_protocol(SR400, [("ET", "5\r6\r7\r8"), ("FT", "1\r2"), (None, "3\r4")]) as sr400:
        assert sr400.buffer_both(2) == [(5, 6), (7, 8)]
        assert sr400.scan_both(2) == [(1, 2), (3, 4)]
