"""The simulated PM100 answers the console's SCPI, and reads the pick-off through the shared world."""

import pytest

from anplab.drivers.thorlabs_pm100 import ThorlabsPM100, ThorlabsPMError
from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import LimitError
from anplab.simulated.adapter import SimulatedAdapter
from anplab.simulated.devices.thorlabs_pm100 import SimulatedThorlabsPM100

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
    driver: thorlabs_pm100
    address: sim
    settings: {wavelength_nm: 1064, sensor_idn_style: quoted}
    limits: {min_wavelength_nm: 400, max_wavelength_nm: 1800, max_averages: 10000}
    calibration: {pickoff_ratio: 0.01, sensor: photodiode}
"""


@pytest.fixture
def bench():
    with Bench.open(parse_bench(BENCH)) as b:
        yield b


def test_device_speaks_the_protocol(bench):
    device = bench.devices["power_meter"]
    assert device.handle("*IDN?") == "Thorlabs,PM100D,P0012345,2.8.0"
    assert device.handle("SYST:SENS:IDN?") == '"S122C","190311203","18-Mar-2019",1,18,289'
    assert device.handle("SYST:ERR?") == '0,"No error"'
    assert device.handle("SENS:CORR:WAV? MIN") == "7.000000E+02"
    assert device.handle("sense:correction:wavelength 1550") is None  # long form, any case
    assert device.handle("CORR:WAV?") == "1.550000E+03"  # SENSe is optional
    assert device.handle("SENS:AVER:COUN 10;:SENS:AVER?") == "10"
    assert device.handle("SENS:POW:UNIT?;RANG:AUTO?") == "W;1"  # the second continues at SENS:POW:
    assert float(device.handle("MEAS:POW?")) < 1e-6  # laser off: only the sensor offset


def test_bad_commands_get_no_reply_and_queue_scpi_errors(bench):
    device = bench.devices["power_meter"]
    assert device.handle("SENS:CORR:WAVE?") is None
    assert device.handle("SENS:CORR:WAV 500") is None
    assert device.handle("SENS:CORR:WAV lots") is None
    assert device.handle("SENS:AVER:COUN") is None
    assert device.handle("SENS:POW:UNIT MW") is None
    assert device.handle("*IDN? now") is None
    assert device.handle("SYST:ERR:COUN?") == "6"
    assert [device.handle("SYST:ERR?") for _ in range(7)] == [
        '-113,"Undefined header"', '-222,"Data out of range"', '-104,"Data type error"',
        '-109,"Missing parameter"', '-224,"Illegal parameter value"', '-108,"Parameter not allowed"',
        '0,"No error"']
    device.handle("BOGUS")
    device.handle("*CLS")
    assert device.handle("SYST:ERR?") == '0,"No error"'


def test_reset_restores_defaults(bench):
    device = bench.devices["power_meter"]
    device.handle("SENS:CORR:WAV 900;:SENS:AVER 50;:SENS:POW:UNIT DBM")
    device.handle("*RST")
    assert device.handle("SENS:CORR:WAV?;:SENS:AVER?;:SENS:POW:UNIT?") == "1.550000E+03;1;W"


@pytest.mark.parametrize("style, flags, expected", [
    ("quoted", "classic", '"S122C","190311203","18-Mar-2019",1,18,289'),
    ("plain", "classic", "S122C,190311203,18-Mar-2019,1,18,289"),
    ("quoted", "extended", '"S122C","190311203","18-Mar-2019",1,18,2147488165'),
])
def test_the_real_driver_reads_every_sensor_idn_style(bench, style, flags, expected):
    device = SimulatedThorlabsPM100(bench.world, "power_meter", sensor_idn_style=style, sensor_flag_format=flags)
    assert device.handle("SYST:SENS:IDN?") == expected
    meter = ThorlabsPM100(SimulatedAdapter(device))
    assert (meter.sensor_name, meter.sensor_sn) == ("S122C", "190311203")
    assert meter.is_power_sensor and meter.wavelength_settable and meter.has_temperature_sensor
    assert meter.wavelength_range == (700.0, 1800.0)


def test_the_real_driver_runs_against_the_simulated_console(bench):
    device = bench.devices["power_meter"]
    meter = ThorlabsPM100(SimulatedAdapter(device))
    meter.wavelength = 1310
    assert meter.wavelength == 1310.0
    meter.averaging_count = 25
    assert meter.averaging_count == 25
    meter.power_unit = "DBM"
    assert meter.power_unit == "DBM"
    meter.auto_range = False
    assert meter.auto_range is False
    assert meter.id == "Thorlabs,PM100D,P0012345,2.8.0"
    meter.zero()
    assert meter.check_errors() == []
    # The driver's range check bypassed: the console itself refuses, and the driver raises.
    meter.wavelength_values = (100.0, 5000.0)
    with pytest.raises(ThorlabsPMError, match="-222"):
        meter.wavelength = 500
    assert device.wavelength_nm == 1310.0


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
    assert meter.status()["power_w"] == pytest.approx(0.01 * output_w, rel=0.002)
    assert "S122C" in bench.snapshot()["instruments"]["power_meter"]["identification"]
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


@pytest.mark.parametrize("change", [
    lambda m: setattr(m, "wavelength_nm", 2000),  # beyond the bench limits
    lambda m: setattr(m, "wavelength_nm", 350),
    lambda m: setattr(m, "wavelength_nm", 500),  # within the bench, outside the S122C head
    lambda m: setattr(m, "wavelength_nm", float("nan")),
    lambda m: setattr(m, "averages", 0),
    lambda m: setattr(m, "averages", 10001),
])
def test_out_of_limit_settings_never_reach_the_device(bench, change):
    device = bench.devices["power_meter"]
    before = device.commands_handled
    with pytest.raises(LimitError):
        change(bench.power_meter())
    assert device.commands_handled == before
