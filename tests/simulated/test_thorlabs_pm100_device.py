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


def scpi_errors(device):
    found = []
    while (reply := device.handle("SYST:ERR?")) != '0,"No error"':
        found.append(reply)
    return found


def test_measurement_paths_agree(bench):
    laser, device = bench.laser("pump_1064"), bench.devices["power_meter"]
    laser.set_power(1.0)
    laser.emission_on()
    device.handle("SENS:CORR:WAV 1064;:SENS:AVER 1000")
    power = float(device.handle("MEAS:POW?"))
    assert float(device.handle("READ?")) == pytest.approx(power, rel=0.01)
    assert device.handle("FETC?") is not None
    device.handle("CONF:CURR")
    assert device.handle("CONF?") == "CURR"
    assert device.handle("FETC?") is None and scpi_errors(device) == ['-230,"Data corrupt or stale"']
    device.handle("INIT")
    assert int(device.handle("STAT:OPER:COND?")) & 512  # a reading waits to be fetched
    response = float(device.handle("SENS:CORR:POW:PDI:RESP?"))
    assert float(device.handle("FETC?")) == pytest.approx(power * response, rel=0.01)
    assert float(device.handle("MEAS:CURR?")) == pytest.approx(power * response, rel=0.01)
    device.handle("ABOR")
    assert device.handle("STAT:OPER:COND?") == "0"
    area = 3.14159265 * (float(device.handle("CORR:BEAM?")) / 20) ** 2
    assert float(device.handle("MEAS:PDEN?")) == pytest.approx(power / area, rel=0.01)
    assert float(device.handle("MEAS:FREQ?")) == 0.0
    assert 20 < float(device.handle("MEAS:TEMP?")) < 30
    assert device.handle("MEAS:VOLT?") is None and device.handle("MEAS:ENER?") is None  # not this head
    assert scpi_errors(device) == ['-221,"Settings conflict"'] * 2


def test_corrections_change_what_is_read(bench):
    laser, device = bench.laser("pump_1064"), bench.devices["power_meter"]
    laser.set_power(1.0)
    laser.emission_on()
    device.handle("SENS:CORR:WAV 1064;:SENS:AVER 1000")
    power = float(device.handle("MEAS:POW?"))
    device.handle("SENS:CORR:LOSS:INP:MAGN 10")
    assert device.handle("CORR?") == "1.000000E+01"  # the optional nodes: CORRection[:LOSS[:INPut[:MAGNitude]]]
    assert float(device.handle("MEAS:POW?")) == pytest.approx(10 * power, rel=0.01)
    device.handle("CORR 0")
    response = float(device.handle("SENS:CORR:POW:PDI:RESP?"))
    device.handle(f"SENS:CORR:POW:PDI:RESP {response / 2}")
    assert float(device.handle("MEAS:POW?")) == pytest.approx(2 * power, rel=0.01)
    device.handle("SENS:CORR:WAV 1064")  # the calibrated response returns with the wavelength
    assert float(device.handle("SENS:CORR:POW:PDI:RESP?")) == pytest.approx(response)
    device.handle("SENS:POW:REF 1E-3;REF:STAT ON")
    assert float(device.handle("MEAS:POW?")) == pytest.approx(power - 1e-3, rel=0.02)
    device.handle("SENS:POW:REF:STAT OFF;:SENS:POW:UNIT DBM")
    assert float(device.handle("MEAS:POW?")) == pytest.approx(10 * __import__("math").log10(power / 1e-3), abs=0.05)
    assert scpi_errors(device) == []


def test_a_fixed_range_clips_and_flags_the_reading(bench):
    laser, device = bench.laser("pump_1064"), bench.devices["power_meter"]
    device.handle("SENS:CORR:WAV 1064")
    device.handle("SENS:POW:RANG:UPP 1E-5")  # a fixed range: auto-ranging goes off
    assert device.handle("SENS:POW:RANG:AUTO?") == "0"
    top = float(device.handle("SENS:POW:RANG?"))
    assert 1e-5 <= top < 1e-4
    assert device.handle("STAT:QUES:COND?") == "0"
    laser.set_power(1.0)
    laser.emission_on()
    assert float(device.handle("MEAS:POW?")) == pytest.approx(top)
    assert device.handle("STAT:QUES:COND?") == "8"
    device.handle("SENS:POW:RANG:AUTO 1")
    assert float(device.handle("MEAS:POW?")) > top
    assert device.handle("STAT:QUES:COND?;EVEN?;EVEN?") == "0;8;0"  # the event latched once


def test_zero_adjustment_runs_for_a_while_and_opc_waits_for_it(bench):
    device = bench.devices["power_meter"]
    assert device.handle("SENS:CORR:COLL:ZERO:STAT?") == "0"
    device.handle("SENS:CORR:COLL:ZERO:INIT")
    assert device.handle("SENS:CORR:COLL:ZERO:STAT?") == "1"
    assert int(device.handle("STAT:OPER:COND?")) & 256
    before = bench.world.now()
    assert device.handle("*OPC?") == "1"
    assert bench.world.now() - before == pytest.approx(1.0, abs=0.01)
    assert device.handle("CORR:COLL:ZERO:STAT?") == "0"
    assert float(device.handle("CORR:COLL:ZERO:MAGN?")) > 0  # the dark offset of the head
    assert abs(float(device.handle("MEAS:POW?"))) < 1e-8
    assert device.handle("*ESR?") == "128"  # power on, never read before
    device.handle("*OPC")
    assert device.handle("*ESR?") == "1"


def test_writes_change_what_queries_read(bench):
    device = bench.devices["power_meter"]
    for setting, query, expected in [
        ("SENS:CORR:BEAM 2.5MM", "SENS:CORR:BEAM?", "2.500000E+00"),
        ("SENS:CORR:WAV 1.31UM", "SENS:CORR:WAV?", "1.310000E+03"),
        ("SENS:AVER:COUN 300", "SENS:AVER?", "300"),
        ("SENS:CURR:RANG 5E-6", "SENS:CURR:RANG?", "5.000000E-06"),
        ("INP:PDI:FILT:LPAS:STAT ON", "INP:FILT?", "1"),
        ("INP:ADAP PYR", "INP:ADAP:TYPE?", "PYR"),
        ("SENS:PEAK:THR 20", "SENS:PEAK:THR?", "2.000000E+01"),
        ("SYST:LFR 60", "SYST:LFR?", "60"),
        ("SYST:BEEP:STAT OFF", "SYST:BEEP:STAT?", "0"),
        ("SYST:TIME 10, 34, 48", "SYST:TIME?", "10,34,48"),
        ("DISP:BRIG 0.4", "DISP:BRIG?", "4.000000E-01"),
        ("STAT:OPER:PTR 512", "STAT:OPER:PTR?", "512"),
    ]:
        assert device.handle(setting) is None, setting
        assert device.handle(query) == expected, setting
    assert scpi_errors(device) == []
    device.handle("SYST:LFR 55")
    device.handle("SENS:CORR:BEAM 5V")
    device.handle("SENS:AVER 0")
    device.handle("INP:ADAP LASER")
    assert scpi_errors(device) == ['-224,"Illegal parameter value"', '-131,"Invalid suffix"',
                                   '-222,"Data out of range"', '-224,"Illegal parameter value"']
    assert int(device.handle("*ESR?")) & 0x30 == 0x30  # command and execution errors
    device.handle("*RST")
    assert device.handle("SENS:CORR:BEAM?;:SENS:AVER?;:INP:FILT?;:SYST:LFR?") == "9.500000E+00;1;0;60"


def test_an_unplugged_head_reports_no_sensor(bench):
    device = bench.devices["power_meter"]
    device.backdoor_call("unplug_sensor")
    assert device.handle("SYST:SENS:IDN?") == '"no sensor","","",0,0,0'
    assert device.handle("MEAS:POW?") is None
    assert scpi_errors(device) == ['-241,"Hardware missing"']
    with pytest.raises(OSError, match="No sensor"):
        ThorlabsPM100(SimulatedAdapter(device))


def test_the_real_driver_reads_every_new_property_from_the_simulated_console(bench):
    meter = ThorlabsPM100(SimulatedAdapter(bench.devices["power_meter"]))
    meter.beam_diameter = 3.0
    meter.attenuation = 3.0
    meter.power_reference = 1e-6
    meter.power_reference_enabled = True
    meter.bandwidth_limited = True
    meter.line_frequency = 60
    assert (meter.beam_diameter, meter.attenuation, meter.power_reference) == (3.0, 3.0, 1e-6)
    assert meter.power_reference_enabled and meter.bandwidth_limited and meter.line_frequency == 60
    meter.power_range = 1e-3
    assert meter.auto_range is False and meter.power_range >= 1e-3
    meter.configure("current")
    meter.initiate()
    assert meter.configuration == "CURR" and meter.fetch() == pytest.approx(meter.current, abs=1e-9)
    assert meter.read_new() == pytest.approx(meter.current, abs=1e-9)
    assert meter.zero_and_wait() > 0 and not meter.zeroing
    assert meter.calibration.startswith("Cal.")
    assert meter.error_count == 0 and meter.check_errors() == []
    with pytest.raises(ThorlabsPMError, match="-221"):
        meter.voltage_range = 1.0  # a thermal head's range: the console refuses it for a photodiode


def test_an_energy_head_answers_energy_commands_and_refuses_power(bench):
    device = SimulatedThorlabsPM100(bench.world, "power_meter", sensor="pyroelectric")
    assert device.handle("SYST:SENS:IDN?").startswith('"ES111C"')
    device.handle("SENS:ENER:RANG 5E-5;:SENS:ENER:REF 1E-6;REF:STAT ON;:SENS:CORR:ENER:PYRO:RESP 120")
    assert device.handle("SENS:ENER:RANG?;:SENS:ENER:REF?;REF:STAT?;:CORR:ENER?") == \
        "1.000000E-04;1.000000E-06;1;1.200000E+02"
    assert float(device.handle("MEAS:ENER?")) == pytest.approx(-1e-6)  # CW light: no pulse, less the reference
    assert device.handle("MEAS:POW?") is None
    assert device.handle("SYST:ERR?") == '-221,"Settings conflict"'
    photodiode = bench.devices["power_meter"]
    assert photodiode.handle("SENS:ENER:RANG?") is None and photodiode.handle("SYST:ERR?") == '-221,"Settings conflict"'
