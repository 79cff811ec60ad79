"""The simulated SR400 answers the SR400 protocol, keeps its scan timing on the bench clock,
and counts what the world's particles emit."""

import numpy as np
import pytest

from anplab.drivers.srs_sr400 import SR400, CounterInput, SR400Status
from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import LimitError
from anplab.simulated.adapter import SimulatedAdapter

DARK_RATE_S = 200.0
THRESHOLD_KW_CM2 = 6.7  # avalanche threshold of the default material at the sample

BENCH = f"""
name: SR400 test bench
optics:
  numerical_aperture: 1.4
  spot: airy
simulation:
  clock: virtual
  seed: 3
  sample:
    kind: particle_field
    material: tm-1064
    particles: 1
    extent_um: [4.0, 4.0]
instruments:
  pump_1064:
    role: laser
    driver: ipg_ylr
    address: sim
    wavelength_nm: 1064
    settings: {{max_output_w: 10.0}}
    limits: {{max_power_w: 2.0}}
    calibration: {{transmission: 1.0e-4, pickoff_ratio: 0.01}}
  pmt:
    role: photon_counter
    driver: srs_sr400
    address: sim
    band: 800nm
    calibration: {{dark_count_rate_s: {DARK_RATE_S}}}
"""


@pytest.fixture
def bench():
    with Bench.open(parse_bench(BENCH)) as b:
        b.world.sample.sample.positions_um[0] = (0.0, 0.0)  # the particle sits under the beam
        yield b


@pytest.fixture
def device(bench):
    return bench.devices["pmt"]


def power_for(bench, laser, intensity_kw_cm2):
    """Laser power giving a peak intensity at the sample (the beam path is linear)."""
    laser.set_power(1.0)
    laser.emission_on()
    per_watt = bench.world.intensity_at_sample_kw_cm2("pump_1064")
    laser.emission_off()
    return intensity_kw_cm2 / per_watt


def ask(device, command):
    return device.handle(command)


# -- the protocol -----------------------------------------------------------------------------
def test_settings_round_trip_as_the_sr400_stores_them(device):
    assert ask(device, "CM1") is None and ask(device, "CM") == "1"
    assert ask(device, "ci 1, 1") is None and ask(device, "CI1") == "1"  # case and spaces do not matter
    assert ask(device, "CP2,12") is None and ask(device, "CP2") == "1E1"  # only the leading digit is kept
    assert ask(device, "CP2,0.1E2") is None and ask(device, "CP2") == "1E1"
    assert ask(device, "CP1,5E3") is None and ask(device, "CP1") == "5E3"
    assert ask(device, "NP 5E2") is None and ask(device, "NP") == "500"
    assert ask(device, "NE1") is None and ask(device, "NE") == "1"
    assert ask(device, "DT5.5E-2") is None and ask(device, "DT") == "5E-2"
    assert ask(device, "DT0") is None and ask(device, "DT") == "0"
    assert ask(device, "DS2,1") is None and ask(device, "DS2") == "1"
    assert ask(device, "DM0,1") is None and ask(device, "DM0") == "1"
    assert ask(device, "DL1,-0.01") is None and ask(device, "DL1") == "-0.0100"
    assert ask(device, "GM1,2") is None and ask(device, "GM1") == "2"
    assert ask(device, "GD0,12.34E-6") is None and ask(device, "GD0") == "1.234E-05"
    assert ask(device, "GW1,9.99E-6") is None and ask(device, "GW1") == "9.992E-06"  # 8-step resolution
    assert ask(device, "GW0,5E-9") is None and ask(device, "GW0") == "5E-09"
    assert ask(device, "TS1") is None and ask(device, "TS") == "1"
    assert ask(device, "TL-0.5") is None and ask(device, "TL") == "-0.500"
    assert ask(device, "NP3;NP;CM") == "3\r1"  # several commands on one line, one record each
    assert ask(device, "SS7") == "0"


@pytest.mark.parametrize(
    "bad",
    ["ZZ", "C", "NP2001", "NP0", "NP2.5", "CM4", "CI0,2", "CI1,0", "CI2,1", "CI3", "CP0,5", "CP2,0.5", "CP2,1E12",
     "DT1E-3", "DT70", "DL0,0.4", "GM2,0", "GD0,1", "GW0,1E-9", "TL3", "SS8", "SI3", "QA0", "QA2001", "NN1",
     "CS1", "CPX,1", "DT1E9999", "DY0,0.03", "DZ3", "DZ", "PM0,1", "PM1,2", "PL1,11", "PY2,0.6", "PZ3",
     "GY0,0.1", "GZ2", "SV256", "SW26", "SE128", "SE1,2,3,4,5", "ST0", "ST10", "RC10", "SVX"],
)
def test_bad_commands_get_no_reply_and_set_the_error_bit(device, bad):
    before = device.commands_handled
    assert device.exchange(bad) is None
    assert device.commands_handled == before + 1
    assert ask(device, "SS7") == "1" and ask(device, "SS7") == "0"  # reading the bit clears it


def test_an_error_drops_the_rest_of_the_line(device):
    assert ask(device, "NP7;XX;NP9;NP") is None
    assert ask(device, "NP") == "7"
    assert int(ask(device, "SS")) & SR400Status.COMMAND_ERROR


def test_blank_lines_are_harmless(device):
    assert ask(device, "") is None and ask(device, " ;; ") is None
    assert ask(device, "SS") == "0"


def test_a_line_ends_at_cr_lf_or_both(device):
    assert device.split_frames(b"NP5\r\nNP\nCM\rCP2") == (["NP5", "NP", "CM"], b"CP2")
    assert device.frame("3") == b"3\r"  # the RS-232 end-of-record: a carriage return


def test_scanned_levels_ports_and_gates_round_trip_and_step_with_the_periods(bench, device):
    for command, query, value in (("DY0,-0.00141", "DY0", "-0.0014"), ("DL0,0.0100", "DL0", "0.0100"),
                                  ("PL1,2.3456", "PL1", "2.345"), ("PY1,0.05", "PY1", "0.050"),
                                  ("PM1,1", "PM1", "1"), ("GY0,1.2345E-6", "GY0", "1.234E-06"),
                                  ("GD0,1E-6", "GD0", "1E-06"), ("SV16", None, None)):
        assert ask(device, command) is None
        if query:
            assert ask(device, query) == value
    assert ask(device, "DZ0") == "0.0100" and ask(device, "PZ1") == "2.345"  # reset: the start values
    for command in ("DM0,1", "GM0,2", "CI0,0", "CP2,1E5", "NP4", "DT2E-3", "CR", "CS"):
        ask(device, command)
    bench.clock.sleep(0.010 + 0.002 + 0.010 + 0.001)  # two 10 ms periods done, into the second dwell
    assert ask(device, "NN") == "2"
    assert ask(device, "DZ0") == f"{0.0100 - 2 * 0.0014:.4f}"
    assert ask(device, "PZ1") == f"{2.345 + 2 * 0.05:.3f}"
    assert ask(device, "GZ0") == f"{1e-6 + 2 * 1.234e-6:.4G}"
    assert ask(device, "DZ1") == ask(device, "DL1")  # discriminator B is fixed: no steps
    assert ask(device, "SS7") == "0"


def test_store_and_recall_settings(device):
    for command in ("NP17", "CP2,3E4", "ST3", "NP5", "CP2,1E7"):
        assert ask(device, command) is None
    assert ask(device, "RC3") is None and ask(device, "NP") == "17" and ask(device, "CP2") == "3E4"
    assert ask(device, "RC0") is None and ask(device, "NP") == "1" and ask(device, "CP2") == "1E7"  # defaults


def test_et_and_ft_send_both_counters_pointwise(bench, device):
    for command in ("CI0,0", "CI1,1", "CP2,1E4", "NP3", "CR"):
        ask(device, command)
    points = ask(device, "FT").split("\r")
    assert len(points) == 6 and points[0::2] == ["10000"] * 3  # A counts the 10 MHz base: 1 ms of ticks
    assert ask(device, "ET").split("\r") == points
    ask(device, "CM3")  # A FOR B PRESET: counter B has no data
    assert ask(device, "ET") is None and ask(device, "SS7") == "1"


def test_se_changes_the_end_of_record_and_sw_sets_the_wait(device):
    assert ask(device, "SE13,10") is None and device.read_termination == "\r\n"
    assert device.frame("3") == b"3\r\n"
    assert ask(device, "SE") is None and device.read_termination == "\r"
    assert ask(device, "SW3") is None and device.character_wait == 3
    device.backdoor_call("connect_by", interface="gpib")  # SE and SW are RS-232 commands
    assert ask(device, "SE10") is None and ask(device, "SS7") == "1" and device.read_termination == "\r"


# -- the scan in time ---------------------------------------------------------------------------
def test_a_scan_runs_on_the_bench_clock(bench, device):
    """CS starts NP periods of T SET x 100 ns separated by the dwell; queries see what is done so far."""
    clock = bench.clock
    for command in ("CI0,0", "CP2,1E6", "NP5", "DT2E-3", "CR"):  # A counts the 10 MHz base: exact ticks
        assert ask(device, command) is None
    t0 = clock.now()
    assert ask(device, "CS") is None
    assert ask(device, "NN") == "0" and ask(device, "QA") == "-1" and ask(device, "SI") == "4"
    clock.sleep(0.05)
    assert ask(device, "XA") == "500000"  # half a period of 100 ns ticks
    clock.sleep(0.051)  # in the first dwell
    assert ask(device, "NN") == "1" and ask(device, "XA") == "0" and ask(device, "SI") == "0"
    assert ask(device, "QA") == "1000000" and ask(device, "QA1") == "1000000" and ask(device, "QA2") == "-1"
    assert int(ask(device, "SS")) == SR400Status.DATA_READY and ask(device, "SS") == "0"
    clock.sleep(0.21)  # periods end at 0.1, 0.202, 0.304 s
    assert ask(device, "NN") == "3"
    assert ask(device, "EA") == "\r".join(["1000000"] * 5)  # waits for the last two periods
    assert clock.now() == pytest.approx(t0 + 5 * 0.1 + 4 * 0.002)
    assert int(ask(device, "SS")) & SR400Status.SCAN_FINISHED
    assert ask(device, "CS") is None and ask(device, "NN") == "5"  # a finished scan needs a reset
    assert ask(device, "CR") is None and ask(device, "NN") == "0" and ask(device, "QA") == "-1"


def test_fa_starts_a_scan_and_streams_it(bench, device):
    clock = bench.clock
    for command in ("CP2,2E5", "NP4", "DT5E-3", "CR"):
        ask(device, command)
    t0 = clock.now()
    points = ask(device, "FA").split("\r")
    assert len(points) == 4 and all(p.isdigit() for p in points)
    assert clock.now() == pytest.approx(t0 + 4 * 0.02 + 3 * 0.005)
    assert ask(device, "NN") == "4" and ask(device, "QA4") == points[3]
    assert ask(device, "EA").split("\r") == points
    assert ask(device, "QB") == "0"  # counter B looks at INPUT 2, where nothing is wired
    assert ask(device, "FA") is None and ask(device, "SS7") == "1"  # F only from reset


def test_pause_resume_and_reset(bench, device):
    clock = bench.clock
    for command in ("CI0,0", "CP2,1E5", "NP4", "CR", "CS"):
        ask(device, command)
    clock.sleep(0.015)  # in period 2
    assert ask(device, "CH") is None  # pause: period 2 is dropped
    clock.sleep(1.0)
    assert ask(device, "NN") == "1" and ask(device, "XA") == "0"
    t_resume = clock.now()
    assert ask(device, "CS") is None  # resume
    assert ask(device, "EA") == "\r".join(["100000"] * 4)
    assert clock.now() == pytest.approx(t_resume + 3 * 0.01 + 2 * 0.002)
    assert ask(device, "CH") is None and ask(device, "NN") == "0"  # STOP when paused resets


def test_a_new_preset_pauses_the_counters(bench, device):
    clock = bench.clock
    for command in ("CI0,0", "CP2,1E5", "NP3", "CR", "CS"):
        ask(device, command)
    clock.sleep(0.011)
    ask(device, "CP2,2E5")
    clock.sleep(1.0)
    assert ask(device, "NN") == "1" and ask(device, "SI") == "0"
    ask(device, "CS")
    assert ask(device, "EA") == "100000\r200000\r200000"


def test_nothing_times_periods_without_the_time_base(bench, device):
    for command in ("CI2,3", "CR", "CS"):  # T counts TRIG pulses; nothing drives TRIG on this bench
        ask(device, command)
    bench.clock.sleep(5.0)
    assert ask(device, "NN") == "0" and ask(device, "SI") == "4"
    assert ask(device, "EA") is None  # the host would wait in vain


def test_an_external_dwell_waits_for_a_start_pulse_after_the_first_period(bench, device):
    for command in ("CI0,0", "CP2,1E5", "NP3", "DT0", "CR", "CS"):
        ask(device, command)
    bench.clock.sleep(1.0)
    assert ask(device, "NN") == "1" and ask(device, "SI") == "0"  # nothing pulses the external start input
    assert ask(device, "EA") == "100000"


def test_fewer_periods_during_a_scan_end_it(bench, device):
    for command in ("CI0,0", "CP2,1E5", "NP5", "CR", "CS"):
        ask(device, command)
    bench.clock.sleep(0.025)  # two periods done
    assert ask(device, "NP2") is None
    assert int(ask(device, "SS")) & SR400Status.SCAN_FINISHED and ask(device, "NN") == "2"
    assert ask(device, "EA") == "100000\r100000"


def bright(bench):
    """Pump at four times the threshold and let the avalanche settle."""
    laser = bench.laser()
    laser.set_power(power_for(bench, laser, 4.0 * THRESHOLD_KW_CM2))
    laser.emission_on()
    bench.clock.sleep(1.0)
    return bench.world.expected_count_rate("pmt")


def test_values_polled_while_the_scan_runs_are_the_expected_count(bench, device):
    """The world hands over a recording only once it has closed; until then QA reports the expectation."""
    rate = bright(bench)
    for command in ("CP2,1E6", "NP3", "CR", "CS"):
        ask(device, command)
    bench.clock.sleep(0.15)
    assert ask(device, "QA") == str(round(bench.world.expected_count_rate("pmt") * 0.1))
    counts = np.array([int(c) for c in ask(device, "EA").split("\r")])  # from the world's recording
    assert len(counts) == 3 and np.all(np.abs(counts / (rate * 0.1) - 1) < 0.15)


def test_a_long_scan_is_recorded_on_a_coarser_grid_without_losing_counting_time(bench, device):
    """1 s periods with 2 ms dwells would need 50k sub-bins; the period starts snap to a 6.25 ms grid."""
    rate = bright(bench)
    for command in ("CP2,1E7", "NP100", "CR", "CS"):
        ask(device, command)
    t0 = bench.clock.now()
    bench.clock.sleep(0.5)  # bench time passes: the counts come from the world's recording
    counts = np.array([int(c) for c in ask(device, "EA").split("\r")])
    assert bench.clock.now() - t0 == pytest.approx(100 * 1.0 + 99 * 0.002, abs=0.01)
    assert len(counts) == 100
    # Every period counts a whole second: none is short, none overlaps its neighbour (the sample drifts slowly).
    assert np.all(np.abs(counts / rate - 1) < 0.1) and abs(counts[:5].mean() / rate - 1) < 0.03
    assert np.all(np.abs(np.diff(counts)) < 0.05 * rate)


# -- the real driver, unchanged ------------------------------------------------------------------
def test_the_real_driver_runs_against_the_simulated_counter(bench, device):
    sr400 = SR400(SimulatedAdapter(device))
    sr400.counter_a_input = CounterInput.INPUT_1
    sr400.count_period = 0.1
    sr400.periods = 3
    sr400.dwell_time = 0.002
    assert sr400.count_period == pytest.approx(0.1) and sr400.periods == 3 and sr400.dwell_time == 0.002
    sr400.reset()
    counts = sr400.scan_a(3)
    assert len(counts) == 3 and sr400.completed_periods == 3
    assert sr400.buffer_a(3) == counts and sr400.point_a(2) == counts[1] and sr400.count_a == counts[2]
    assert SR400Status.SCAN_FINISHED in sr400.status
    sr400.reset()
    sr400.start()
    assert len(sr400.buffer_a(3)) == 3
    assert sr400.current_count_a == 0 and sr400.count_b == 0 and sr400.buffer_b(3) == [0, 0, 0]
    assert sr400.command_error is False


# -- the counter on the bench ----------------------------------------------------------------------
def test_the_role_carries_the_bench_calibration(bench):
    pmt = bench.photon_counter("pmt")
    assert pmt.band == "800nm" and pmt.dark_count_rate_s == DARK_RATE_S and pmt.dead_time_s == 22e-9
    assert pmt.limits.max_bins == 2000 and pmt.status() == {"band": "800nm", "dwell_s": 0.002, "last_rate_s": None,
                                                            "max_count_rate_s": pmt.limits.max_count_rate_s}
    counts = pmt.count(1.0)
    assert pmt.status()["last_rate_s"] == counts / 1.0  # what the last gate counted
    assert "SR400" in pmt.identification


def test_dark_counts_match_the_calibrated_dark_rate(bench):
    pmt = bench.photon_counter("pmt")
    counts = pmt.count(10.0)
    assert abs(counts - DARK_RATE_S * 10.0) < 5 * np.sqrt(DARK_RATE_S * 10.0)


def test_a_gate_of_several_digits_is_split_into_periods(bench):
    pmt, device = bench.photon_counter("pmt"), bench.devices["pmt"]
    t0 = bench.clock.now()
    counts = pmt.count(0.25)  # five periods of 50 ms
    assert device.handle("NP") == "5" and device.handle("CP2") == "5E5"
    assert bench.clock.now() - t0 == pytest.approx(0.25 + 4 * 0.002, abs=1e-9)
    assert 0 <= counts < 200


def test_counts_rise_steeply_across_the_avalanche_threshold(bench):
    pmt, laser = bench.photon_counter("pmt"), bench.laser()
    signal = {}
    for factor in (0.8, 1.6, 3.2):
        laser.set_power(power_for(bench, laser, factor * THRESHOLD_KW_CM2))
        laser.emission_on()
        assert bench.world.intensity_at_sample_kw_cm2("pump_1064") == pytest.approx(factor * THRESHOLD_KW_CM2, rel=0.02)
        bench.clock.sleep(3.0)  # past the slow avalanche rise
        signal[factor] = pmt.count(1.0) - DARK_RATE_S
        laser.emission_off()
        bench.clock.sleep(3.0)
    assert signal[0.8] < 5 * np.sqrt(DARK_RATE_S)  # below threshold: dark counts only
    assert signal[1.6] > 100 * max(signal[0.8], np.sqrt(DARK_RATE_S))  # doubling the pump: orders of magnitude
    assert signal[3.2] > signal[1.6]


def rise(bench, pmt, laser, factor, bin_s, bins):
    """Trace armed before emission_on; the time the counts take to reach half their final level."""
    laser.set_power(power_for(bench, laser, factor * THRESHOLD_KW_CM2))
    pmt.start_trace(bin_s, bins)
    laser.emission_on()
    trace = pmt.read_trace().astype(float)
    laser.emission_off()
    bench.clock.sleep(5.0)
    final = trace[-bins // 5:].mean()
    smooth = np.convolve(trace, np.ones(3) / 3, mode="same")
    return trace, pmt.bin_starts_s(bin_s, bins)[np.argmax(smooth > final / 2)], final


def test_a_trace_shows_the_slow_avalanche_rise_near_threshold(bench):
    pmt, laser = bench.photon_counter("pmt"), bench.laser()
    near_trace, near_half, near_final = rise(bench, pmt, laser, 1.4, 0.01, 150)
    far_trace, far_half, far_final = rise(bench, pmt, laser, 4.0, 0.001, 80)
    for trace, bin_s, final in ((near_trace, 0.01, near_final), (far_trace, 0.001, far_final)):
        dark = DARK_RATE_S * bin_s
        assert trace[:2].mean() < dark + 3 * np.sqrt(dark) + 1  # dark at first: the particle starts unexcited
        assert final > 3 * dark
    assert near_half > 0.05 and near_half > 3 * far_half  # critical slowing down near threshold


def test_a_trace_records_a_laser_switched_on_while_it_runs(bench):
    pmt, laser = bench.photon_counter("pmt"), bench.laser()
    laser.set_power(power_for(bench, laser, 4.0 * THRESHOLD_KW_CM2))
    pmt.start_trace(0.01, 100)  # bins start every 12 ms
    bench.clock.sleep(0.2)
    laser.emission_on()  # during bin 16
    trace = pmt.read_trace()
    lit = trace[-20:].mean()
    assert trace[:16].max() < 0.2 * lit  # dark counts only before the pump
    assert 16 <= np.argmax(trace > lit / 2) <= 19


def test_out_of_range_requests_never_reach_the_counter(bench):
    pmt, device = bench.photon_counter("pmt"), bench.devices["pmt"]
    before = device.commands_handled
    for gate in (0.0, 1e-8, -1.0, float("nan"), 1e3):
        with pytest.raises(LimitError):
            pmt.count(gate)
    with pytest.raises(LimitError):
        pmt.start_trace(1e-8, 10)
    with pytest.raises(LimitError):
        pmt.start_trace(0.01, 2001)
    with pytest.raises(LimitError):
        pmt.start_trace(0.01, 0)
    with pytest.raises(ValueError, match="significant digit"):
        pmt.start_trace(0.015, 10)  # T SET keeps one digit: not a bin the SR400 can time
    with pytest.raises(ValueError, match="100 ns"):
        pmt.count(1.23456789e-3)
    assert device.commands_handled == before
