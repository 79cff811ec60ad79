"""The simulated 2936-R answers the meter's protocol, and reads the pick-off through the shared world."""

import pytest

from anplab.drivers.newport_2936r import Newport2936R, Newport2936RError
from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import InstrumentFault, LimitError
from anplab.simulated.adapter import SimulatedAdapter
from anplab.simulated.devices.newport_2936r import NO_DETECTOR_READING, SimulatedNewport2936R

BENCH = """
name: pick-off test bench
optics:
  numerical_aperture: 1.4
  spot: airy
simulation:
  clock: virtual
  seed: 7
  sample:
    kind: particle_field
    material: tm-1064
    particles: 4
    extent_um: [5.0, 5.0]
instruments:
  pump_1064:
    role: laser
    driver: ipg_ylr
    address: sim
    wavelength_nm: 1064
    settings: {max_output_w: 10.0}
    limits: {max_power_w: 2.0}
    calibration: {transmission: 1.0e-4, pickoff_ratio: 0.01}
  power_meter:
    role: power_meter
    driver: newport_2936r
    address: sim
    settings: {channel: 1, wavelength_nm: 1064}
    limits: {min_wavelength_nm: 400, max_wavelength_nm: 1800, max_averages: 10000}
    calibration: {pickoff_ratio: 0.01, sensor: photodiode}
"""


@pytest.fixture
def bench():
    with Bench.open(parse_bench(BENCH)) as b:
        yield b


def test_device_speaks_the_protocol(bench):
    device = bench.devices["power_meter"]
    assert device.handle("*IDN?") == "NEWPORT 2936-R v1.2.4 06/19/14 SN20417"
    assert device.handle("ERR?") == "0"
    assert device.handle("PM:L?") == "1064"
    assert device.handle("pm:lambda 1310") is None  # long form, any case
    assert device.handle("PM:Lambda?;PM:UNITS?;PM:CHAN?;ERR?") == "1310,2,1,0"
    assert device.handle("PM:MIN:L?;PM:MAX:Lambda?") == "780,1800"
    assert device.handle("PM:DETMODEL?;PM:DETSN?") == "918D-IR-OD3R,12345"
    assert float(device.handle("PM:P?")) < 1e-6  # laser off: only the sensor offset


def test_bad_commands_get_no_reply_and_record_error_codes(bench):
    device = bench.devices["power_meter"]
    assert device.handle("SYST:ERR?") is None
    assert device.handle("PM:Lambda 500") is None
    assert device.handle("PM:CHAN three") is None
    assert device.handle("PM:FILT") is None
    assert device.handle("ERR?") == "100,102,101,103"
    assert device.handle("ERR?") == "0"
    device.handle("PM:UNITS 4")  # joules: not for a CW photodiode
    assert device.handle("ERRSTR?") == "104, NOT SUPPORTED BY DETECTOR"
    assert device.handle("ERRSTR?") == "0, NO ERROR"


def test_the_second_channel_has_no_detector(bench):
    device = bench.devices["power_meter"]
    device.handle("PM:CHAN 2")
    assert float(device.handle("PM:P?")) == pytest.approx(NO_DETECTOR_READING, rel=1e-6)
    assert device.handle("PM:Lambda 1064") is None and device.handle("ERR?") == "104"
    device.handle("*RST")
    assert device.handle("PM:CHAN?") == "1"


def test_a_single_channel_meter_refuses_channel_b(bench):
    device = SimulatedNewport2936R(bench.world, "power_meter", meter="1936-R")
    assert device.handle("PM:CHAN 2") is None and device.handle("ERR?") == "102"


def test_the_real_driver_runs_against_the_simulated_meter(bench):
    device = bench.devices["power_meter"]
    meter = Newport2936R(SimulatedAdapter(device))
    assert meter.id.startswith("NEWPORT 2936-R")
    meter.channel = 1
    assert meter.channel == 1
    meter.units = "dBm"
    assert meter.units == "dBm"
    meter.wavelength = 1550
    assert meter.wavelength == 1550
    assert (meter.wavelength_min, meter.wavelength_max) == (780, 1800)
    meter.digital_filter = 200
    meter.filter_mode = "digital"
    assert (meter.digital_filter, meter.filter_mode) == (200, "digital")
    meter.analog_filter = "1 kHz"
    assert meter.analog_filter == "1 kHz"
    meter.auto_range = False
    assert meter.auto_range is False
    assert meter.detector_model == "918D-IR-OD3R" and meter.detector_serial == "12345"
    assert meter.check_errors() == []
    with pytest.raises(Newport2936RError) as refused:
        meter.wavelength = 500  # outside the detector: the meter itself refuses
    assert refused.value.codes == [102]
    assert meter.error_text == "0, NO ERROR"


def test_the_meter_role_reads_the_pickoff_through_the_bench(bench):
    laser, meter = bench.laser("pump_1064"), bench.power_meter("power_meter")
    assert meter.wavelength_nm == 1064.0  # from the bench settings
    laser.set_power(1.5)
    laser.emission_on()
    output_w = bench.world.laser_output_w("pump_1064")
    assert meter.power_w == pytest.approx(0.01 * output_w, rel=0.01)
    meter.averages = 400
    assert meter.averages == 400
    assert meter.beam_power_w() == pytest.approx(output_w, rel=0.002)
    meter.averages = 1
    assert meter.averages == 1 and meter.driver.filter_mode == "none"
    assert "918D-IR-OD3R" in bench.snapshot()["instruments"]["power_meter"]["identification"]
    assert bench.safe_state() == []  # the meter has nothing to make safe, and says so without error


def test_a_wrong_wavelength_setting_reads_wrong_by_the_responsivity_ratio(bench):
    laser, meter = bench.laser(), bench.power_meter()
    laser.set_power(1.0)
    laser.emission_on()
    meter.averages = 400
    at_laser = meter.power_w
    meter.wavelength_nm = 900
    sensor = bench.world.power_sensors["power_meter"]
    ratio = float(sensor.responsivity_a_per_w(1064) / sensor.responsivity_a_per_w(900))
    assert ratio > 2
    assert meter.power_w == pytest.approx(at_laser * ratio, rel=0.003)


def test_a_channel_without_detector_is_a_fault_not_a_reading(bench):
    meter = bench.power_meter()
    meter.driver.channel = 2
    with pytest.raises(InstrumentFault, match="no detector"):
        meter.power_w


@pytest.mark.parametrize("change", [
    lambda m: setattr(m, "wavelength_nm", 2000),  # beyond the bench limits
    lambda m: setattr(m, "wavelength_nm", 350),
    lambda m: setattr(m, "wavelength_nm", 500),  # within the bench, outside the 918D-IR detector
    lambda m: setattr(m, "wavelength_nm", "red"),
    lambda m: setattr(m, "averages", 0),
    lambda m: setattr(m, "averages", 10001),
])
def test_out_of_limit_settings_never_reach_the_device(bench, change):
    device = bench.devices["power_meter"]
    before = device.commands_handled
    with pytest.raises(LimitError):
        change(bench.power_meter())
    assert device.commands_handled == before


def test_writes_change_what_queries_read(bench):
    device = bench.devices["power_meter"]
    for setting, query, expected in [
        ("PM:RAN 4", "PM:RANGE?", "4"), ("PM:MODE 7", "PM:MODE?", "7"), ("PM:ATT 0", "PM:ATT?", "0"),
        ("PM:REF:VAL 0.002", "PM:REF:VALUE?", "2.000000E-03"), ("PM:SPOTSIZE 0.5", "PM:SPOTSIZE?", "5.000000E-01"),
        ("PM:MEAS:TIMEOUT 500", "PM:MEAS:TIMEOUT?", "500"), ("BEEP 0", "BEEP?", "0"), ("ECHO 1", "ECHO?", "1"),
        ("PM:DS:SIZE 50", "PM:DS:SIZE?", "50"), ("PM:DS:INT 10", "PM:DS:INTERVAL?", "10"),
        ("PM:DS:BUF 1", "PM:DS:BUFFER?", "1"), ("PM:ZEROVAL 1E-9", "PM:ZEROVALUE?", "1.000000E-09"),
    ]:
        assert device.handle(setting) is None, setting
        assert device.handle(query) == expected, setting
    assert device.handle("ERR?") == "0"
    device.handle("*RST")
    assert device.handle("PM:RAN?;PM:MODE?;PM:ATT?;PM:DS:SIZE?") == "0,0,1,10000"


def test_the_attenuator_setting_must_match_what_is_mounted(bench):
    laser, device = bench.laser("pump_1064"), bench.devices["power_meter"]
    laser.set_power(1.0)
    laser.emission_on()
    device.handle("PM:DIGITALFILTER 1000;PM:FILT 2")
    right = float(device.handle("PM:P?"))
    device.handle("PM:ATT 0")  # the meter told there is no attenuator, while the OD3 is on the detector
    assert float(device.handle("PM:P?")) == pytest.approx(right / 1000, rel=0.01)
    device.handle("PM:ATT 1")
    assert float(device.handle("PM:RESP?")) == pytest.approx(
        float(bench.world.power_sensors["power_meter"].responsivity_a_per_w(1064)) / 1000)


def test_the_data_store_fills_as_bench_time_passes(bench):
    laser, device = bench.laser("pump_1064"), bench.devices["power_meter"]
    laser.set_power(1.0)
    laser.emission_on()
    device.handle("PM:DS:SIZE 100;PM:DS:INT 10;PM:DS:EN 1")
    assert device.handle("PM:DS:C?") == "0"
    bench.world.clock.sleep(0.005)  # 50 readings every 1 ms
    assert device.handle("PM:DS:C?") == "5"
    bench.world.clock.sleep(1.0)
    assert device.handle("PM:DS:C?") == "100"  # full, fixed buffer: it stops
    values = device.handle("PM:DS:GET? 1-3").split("\r\n")
    power = float(device.handle("PM:P?"))
    assert len(values) == 3 and all(float(v) == pytest.approx(power, rel=0.05) for v in values)
    assert len(device.handle("PM:DS:GET? -4").split("\r\n")) == 4
    assert device.handle("PM:DS:GET? 101") is None and device.handle("ERR?") == "102"
    device.handle("PM:DS:CL")
    assert device.handle("PM:DS:C?") == "0"
    assert device.handle("PM:DS:GET? 1") is None and device.handle("ERR?") == "105"


def test_channel_status_and_save_recall(bench):
    device = bench.devices["power_meter"]
    power, status, other, other_status = device.handle("PM:PWS?").split(",")
    assert int(status, 16) & 0x8 and not int(other_status, 16) & 0x8  # only channel A has a detector
    assert (int(status, 16) >> 7) & 0x7 == 2  # watts
    device.handle("PM:L 1310;*SAV 1;PM:L 1550")
    device.handle("*RCL 1")
    assert device.handle("PM:L?") == "1310"


def test_the_real_driver_uses_the_new_features(bench):
    device = bench.devices["power_meter"]
    meter = Newport2936R(SimulatedAdapter(device))
    meter.data_store_size = 20
    meter.data_store_interval = 1
    meter.data_store_enabled = True
    bench.world.clock.sleep(0.01)
    assert meter.data_store_count == 20
    assert len(meter.data_store_values()) == 20
    assert meter.channel_status[0].detector_present
    meter.mode = "RMS"
    assert meter.mode == "RMS"
    meter.zero()
    assert meter.zero_value > 0
    assert meter.attenuator is True and meter.attenuator_serial == "A12345"
    assert meter.detector_size == pytest.approx(0.0707) and meter.calibration_date
    meter.range = 7
    assert meter.range == 7
    with pytest.raises(Newport2936RError) as refused:
        meter.units = "J"  # joules: the CW photodiode refuses
    assert refused.value.codes == [104]
