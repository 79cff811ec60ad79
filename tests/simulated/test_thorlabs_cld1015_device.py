"""The simulated CLD1015 answers the controller's SCPI and drives the shared world."""

import pytest

from anplab.drivers.thorlabs_cld1015 import ThorlabsCLD1015
from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import InstrumentFault, LimitError
from anplab.simulated.adapter import SimulatedAdapter
from anplab.simulated.devices.thorlabs_cld1015 import ButterflyDiode

BENCH = """
name: two butterfly diodes
simulation:
  clock: virtual
  seed: 7
instruments:
  pump_1450:
    role: laser
    driver: thorlabs_cld1015
    address: sim
    wavelength_nm: 1450
    settings: {threshold_a: 0.06, slope_w_per_a: 0.35, current_limit_a: 1.2, tec_setpoint_c: 25.0}
    limits: {max_power_w: 0.3}
  write_852:
    role: laser
    driver: thorlabs_cld1015
    address: sim
    wavelength_nm: 852
    settings: {threshold_a: 0.03, slope_w_per_a: 0.5, current_limit_a: 0.18}
    limits: {max_power_w: 0.06}
"""


@pytest.fixture
def bench():
    with Bench.open(parse_bench(BENCH)) as b:
        yield b


@pytest.fixture
def device(bench):
    return bench.devices["pump_1450"]


def errors(device):
    out = []
    while (reply := device.handle("SYST:ERR?")) != '+0,"No error"':
        out.append(reply)
    return out


def test_identification_and_header_forms(device):
    assert device.handle("*IDN?") == "THORLABS,CLD1015,M00123456,1.3.0"
    device.handle("SOUR1:CURR 0.25")
    for query in ("SOUR:CURR?", "sour1:curr?", ":SOURCE1:CURRENT:LEVEL:IMMEDIATE:AMPLITUDE?", "source:curr:ampl?"):
        assert device.handle(query) == "2.500000E-01"
    assert device.handle("SOUR:CURR:LIM?") == "1.200000E+00"
    assert device.handle("SOUR:CURR? MAX") == "1.200000E+00"
    assert device.handle("SOUR2:TEMP?") == device.handle("SOURCE2:TEMPERATURE:SPOINT?") == "2.500000E+01"
    assert device.handle("OUTP1:STAT?;:OUTP2:STAT?") == "0;1"  # the bench switched the TEC on when it opened
    assert errors(device) == []


def test_bad_commands_answer_nothing_and_queue_errors(device):
    assert device.handle("SYST:ERR?") == '+0,"No error"'
    assert device.handle("SOUR:VOLT 3") is None
    assert device.handle("SOUR1:CURR 1.3") is None  # above the 1.2 A limit
    assert device.handle("SOUR1:CURR:LIM 2") is None  # above the CLD1015's 1.5 A
    assert device.handle("SOUR2:TEMP:SPO 60") is None
    assert device.handle("SOUR1:CURR lots") is None
    assert device.handle("OUTP2 maybe") is None
    assert device.handle("OUTP2") is None
    assert device.handle("*IDN? please") is None
    assert errors(device) == [
        '-113,"Undefined header"',
        '-222,"Data out of range"',
        '-222,"Data out of range"',
        '-222,"Data out of range"',
        '-104,"Data type error"',
        '-224,"Illegal parameter value"',
        '-109,"Missing parameter"',
        '-108,"Parameter not allowed"',
    ]
    assert device.handle("SOUR1:CURR?") == "0.000000E+00"


def test_the_error_queue_holds_ten_and_reports_overflow(device):
    for _ in range(12):
        device.handle("NOPE")
    assert errors(device) == ['-113,"Undefined header"'] * 9 + ['-350,"Error queue overflow"']
    device.handle("NOPE")
    device.handle("*CLS")
    assert errors(device) == []


def test_the_laser_needs_the_key_and_a_running_tec(device):
    device.handle("OUTP2 OFF")
    device.handle("OUTP1 ON")
    assert device.handle("OUTP1?") == "0"
    device.handle("OUTP2 ON")
    device.key_on = False
    device.handle("OUTP1 ON")
    assert device.handle("OUTP1?") == "0" and device.handle("OUTP:PROT:KEYL:TRIP?") == "1"
    assert errors(device) == ['-221,"Settings conflict"'] * 2
    device.key_on = True
    device.handle("OUTP1 ON")
    assert device.handle("OUTP1?") == "1" and errors(device) == []
    device.handle("OUTP2 OFF")  # the laser must not run without temperature control
    assert device.handle("OUTP1?") == "0"


def test_the_tec_settles_over_seconds_of_bench_time(bench, device):
    assert float(device.handle("MEAS:TEMP?")) == pytest.approx(22.0)
    device.handle("SOUR2:TEMP 30;:OUTP2 ON")
    bench.world.clock.sleep(3.0)  # one time constant
    assert float(device.handle("SENS2:TEMP:DATA?")) == pytest.approx(30 - 8 / 2.718281828, abs=0.05)
    bench.world.clock.sleep(30.0)
    assert float(device.handle("MEAS:TEMP?")) == pytest.approx(30.0, abs=1e-3)
    device.handle("OUTP2 OFF")
    bench.world.clock.sleep(300.0)
    assert float(device.handle("MEAS:TEMP?")) == pytest.approx(22.0, abs=0.01)


def test_output_follows_the_diode_l_i_curve(bench, device):
    device.handle("OUTP2 ON;:SOUR1:CURR 0.63")
    bench.world.clock.sleep(30.0)
    assert bench.world.laser_output_w("pump_1450") == 0.0
    device.handle("OUTP1 ON")
    assert bench.world.laser_output_w("pump_1450") == pytest.approx(0.35 * (0.63 - 0.06), rel=0.01)
    assert float(device.handle("MEAS:CURR?")) == pytest.approx(0.63)
    assert float(device.handle("SENS3:CURR:DC:DATA?")) == pytest.approx(0.63)
    assert float(device.handle("MEAS:VOLT?")) == pytest.approx(0.85 + 1.2 * 0.63)
    assert float(device.handle("MEAS:POW2?")) == pytest.approx(0.35 * 0.57, rel=0.01)
    assert float(device.handle("MEAS:CURR2?")) == pytest.approx(2e-3 * 0.35 * 0.57, rel=0.01)
    device.handle("SOUR1:CURR 0.05")  # below threshold: no light
    assert bench.world.laser_output_w("pump_1450") == 0.0
    device.handle("SOUR1:CURR:LIM 0.02")  # a lower limit pulls the setpoint down with it
    assert device.handle("SOUR1:CURR?") == "2.000000E-02"


def test_the_real_driver_runs_against_the_simulated_controller(bench):
    cld = ThorlabsCLD1015(SimulatedAdapter(bench.devices["write_852"]))
    assert cld.id.startswith("THORLABS,CLD1015,")
    cld.temperature_setpoint = 25.0
    cld.tec_enabled = True
    cld.current_limit = 0.15
    cld.current_setpoint = 0.13
    bench.world.clock.sleep(20.0)
    cld.laser_enabled = True
    assert cld.laser_enabled and cld.tec_enabled
    assert cld.current_limit == 0.15 and cld.current_setpoint == 0.13
    assert cld.temperature_setpoint == 25.0 and cld.temperature == pytest.approx(25.0, abs=0.01)
    assert cld.laser_current == pytest.approx(0.13)
    assert cld.laser_voltage == pytest.approx(1.5 + 3.0 * 0.13)
    assert cld.photodiode_power == pytest.approx(0.05, rel=0.01)
    assert cld.photodiode_current == pytest.approx(0.01 * 0.05, rel=0.01)
    assert bench.world.laser_output_w("write_852") == pytest.approx(0.05, rel=0.01)
    assert not (cld.keylock_tripped or cld.interlock_tripped or cld.overtemperature_tripped)
    assert cld.check_errors() == []
    cld.laser_enabled = False
    assert not bench.world.lasers["write_852"].emitting


def test_setting_the_laser_role_power_sets_the_world_output(bench):
    pump, writer = bench.laser("pump_1450"), bench.laser("write_852")
    pump.set_power(0.2)
    writer.set_power(0.04)
    pump.emission_on()
    writer.emission_on()
    bench.world.clock.sleep(20.0)
    assert bench.world.lasers["pump_1450"].output_power_w() == pytest.approx(0.2, rel=0.02)
    assert bench.world.lasers["write_852"].output_power_w() == pytest.approx(0.04, rel=0.02)
    assert pump.power_setpoint_w == pytest.approx(0.2, rel=1e-4)
    assert pump.power_w == pytest.approx(0.2, rel=1e-4)
    assert pump.status()["interlock_ok"] and "CLD1015" in pump.identification
    pump.emission_off()
    assert bench.world.lasers["pump_1450"].output_power_w() == 0.0 and pump.power_w == 0.0


def test_out_of_limit_power_never_reaches_the_controller(bench):
    device = bench.devices["pump_1450"]
    before = device.commands_handled
    with pytest.raises(LimitError):
        bench.laser("pump_1450").set_power(0.31)
    with pytest.raises(LimitError):
        bench.laser("pump_1450").set_power(float("nan"))
    assert device.commands_handled == before


def test_power_beyond_the_current_limit_is_refused_before_the_wire(bench):
    # 0.18 A at 0.5 W/A above 0.03 A allows 75 mW; a bench limit above that must not reach the diode
    laser = bench.laser("write_852")
    laser.limits = type(laser.limits)(0.1)
    device = bench.devices["write_852"]
    before = device.commands_handled
    with pytest.raises(LimitError):
        laser.set_power(0.08)
    assert device.commands_handled == before


def test_an_open_interlock_refuses_emission(bench):
    laser = bench.laser("pump_1450")
    laser.set_power(0.1)
    laser.emission_on()
    bench.world.trip_interlock("pump_1450")
    assert not laser.emission and not laser.interlock_ok and laser.power_w == 0.0
    with pytest.raises(InstrumentFault, match="Settings conflict"):
        laser.emission_on()
    assert bench.world.laser_output_w("pump_1450") == 0.0


def test_the_calibration_is_required():
    text = BENCH.replace("threshold_a: 0.06, slope_w_per_a: 0.35, ", "")
    with pytest.raises(ValueError, match="settings.threshold_a: is required by thorlabs_cld1015"):
        Bench.open(parse_bench(text))


def test_typical_diodes_and_rated_power():
    pump = ButterflyDiode.for_spec(1450, {})
    writer = ButterflyDiode.for_spec(852, {"slope_w_per_a": 0.6})
    assert pump.rated_power_w == pytest.approx(0.35 * (1.5 - 0.06))
    assert writer.slope_w_per_a == 0.6 and writer.max_current_a == 0.2
    assert pump.threshold_at(35.0) > pump.threshold_a > pump.threshold_at(15.0)


def test_the_power_read_back_is_what_the_diode_emits_even_before_its_tec_has_settled(bench):
    writer = bench.laser("write_852")
    bench.devices["write_852"].handle("SOUR2:TEMP 30")  # a new TEC setpoint: the diode is 8 K off for seconds
    writer.set_power(0.004)  # a few mA above threshold, where temperature matters most
    writer.emission_on()
    emitted = bench.world.laser_output_w("write_852")
    assert abs(emitted / 0.004 - 1) > 0.05  # the nominal L-I curve is off...
    assert writer.power_w == pytest.approx(emitted, rel=1e-3)  # ...the monitor photodiode is not


def test_the_protection_register_tells_why_the_laser_is_off(bench, device):
    device.handle("STAT:MEAS?")  # clear what the bench's opening latched
    assert device.handle("STAT:MEAS:COND?") == "0"
    device.backdoor_call("turn_key", on=False)
    assert int(device.handle("STAT:MEAS:COND?")) == 1
    device.backdoor_call("turn_key", on=True)
    bench.world.trip_interlock("pump_1450")
    assert int(device.handle("STAT:MEAS:COND?")) == 4
    assert device.handle("OUTP:PROT:INTL:TRIP?") == "1"
    assert int(device.handle("STAT:MEAS?")) == 1 | 4  # both latched, read once
    assert device.handle("STAT:MEAS?") == "4" or device.handle("STAT:MEAS?") == "0"


def test_an_open_ld_circuit_and_over_temperature_switch_the_output_off(bench, device):
    device.handle("SOUR1:CURR 0.3;:OUTP1 ON")
    assert device.handle("OUTP1?") == "1"
    device.backdoor_call("open_ld_circuit")
    assert device.handle("OUTP1?;:OUTP:PROT:VOLT:TRIP?;:STAT:MEAS:COND?") == "0;1;2"
    device.handle("OUTP1 ON")
    assert errors(device) == ['-221,"Settings conflict"']
    device.backdoor_call("open_ld_circuit", open_=False)
    device.backdoor_call("overheat")
    assert device.handle("OUTP:PROT:OTEM:TRIP?;:STAT:MEAS:COND?") == "1;16384"
    assert bench.world.laser_output_w("pump_1450") == 0.0


def test_constant_power_mode_holds_the_monitor_power(bench, device):
    device.handle("SOUR1:FUNC:MODE POW;:SOUR1:POW 0.1")
    assert device.handle("SOUR1:FUNC:MODE?;:SOUR1:POW?") == "POW;1.000000E-01"
    bench.world.clock.sleep(30.0)
    device.handle("OUTP1 ON")
    assert float(device.handle("MEAS:POW2?")) == pytest.approx(0.1, rel=1e-3)
    device.handle("SOUR1:FUNC:MODE CURR")  # not while the laser is on
    assert errors(device) == ['-221,"Settings conflict"']
    device.handle("SOUR1:POW 1")  # more than the 1.2 A limit can give: out of range
    assert errors(device) == ['-222,"Data out of range"']


def test_current_limit_reached_in_power_mode(bench, device):
    device.handle("SOUR1:CURR:LIM 0.2;:SOUR1:FUNC POW;:SOUR1:POW 0.04")
    bench.world.clock.sleep(30.0)
    device.handle("OUTP1 ON")
    assert device.handle("SOUR1:CURR:LIM:TRIP?") == "0"
    device.handle("SOUR1:CURR:LIM 0.1")  # the limit now below what 40 mW needs
    assert device.handle("SOUR1:CURR:LIM:TRIP?;:STAT:MEAS:COND?") == "1;8"
    assert float(device.handle("MEAS:CURR?")) == pytest.approx(0.1)


def test_writes_change_what_queries_read(device):
    for setting, query, expected in [
        ("SOUR:AM:STAT ON", "SOUR:AM?", "1"),
        ("SOUR:AM:SOUR EXT", "SOUR:AM:SOUR?", "EXT"),
        ("SOUR:AM:INT 30PCT", "SOUR:AM:INT:DEPT?", "3.000000E+01"),
        ("SOUR:AM:INT:FREQ 2KHZ", "SOUR:AM:INT:FREQ?", "2.000000E+03"),
        ("SOUR:AM:INT:SHAP TRI", "SOUR:AM:INT:SHAP?", "TRI"),
        ("OUTP:POL AG", "OUTP:POL?", "AG"),
        ("SOUR2:TEMP:LIM:LOW 20", "SOUR2:TEMP:LIM:LOW?", "2.000000E+01"),
        ("SOUR2:TEMP:LIM:HIGH 30", "SOUR2:TEMP:LIM:HIGH?", "3.000000E+01"),
        ("SOUR1:CURR 300 MA", "SOUR1:CURR?", "3.000000E-01"),
        ("SENS1:CORR:POW:PDI:RESP 4E-3", "CORR:POW?", "4.000000E-03"),
        ("SYST:BEEP:STAT 0", "SYST:BEEP:STAT?", "0"),
    ]:
        assert device.handle(setting) is None, setting
        assert device.handle(query) == expected, setting
    assert errors(device) == []
    device.handle("SOUR2:TEMP 35")  # above the new high limit
    device.handle("SOUR2:TEMP:LIM:LOW 40")  # above the high limit
    assert errors(device) == ['-222,"Data out of range"', '-221,"Settings conflict"']
    device.handle("UNIT:TEMP K")
    assert float(device.handle("SOUR2:TEMP?")) == pytest.approx(298.15)
    device.handle("SOUR2:TEMP 300")
    device.handle("UNIT:TEMP CEL")
    assert float(device.handle("SOUR2:TEMP?")) == pytest.approx(26.85)
    device.handle("*RST")
    assert device.handle("OUTP1?;:OUTP2?;:SOUR:AM?;:UNIT:TEMP?") == "0;0;0;CEL"


def test_measurement_paths(bench, device):
    device.handle("SOUR1:CURR 0.5;:OUTP1 ON")
    device.handle("CONF:CURR2")
    assert device.handle("CONF?") == "CURR2"
    device.handle("INIT")
    assert float(device.handle("FETC?")) == pytest.approx(float(device.handle("MEAS:CURR2?")), rel=1e-6)
    assert float(device.handle("READ?")) == pytest.approx(float(device.handle("SENS1:CURR:DATA?")), rel=1e-6)
    device.handle("ABOR")
    assert device.handle("FETC?") is None and errors(device) == ['-230,"Data corrupt or stale"']
    assert int(device.handle("STAT:OPER:COND?")) == 3  # LD on, TEC on


def test_the_real_driver_uses_the_new_features(bench):
    from anplab.drivers.thorlabs_cld1015 import Protection

    device = bench.devices["write_852"]
    cld = ThorlabsCLD1015(SimulatedAdapter(device))
    cld.modulation_shape = "square"
    cld.modulation_frequency = 500.0
    cld.polarity = "AG"
    assert (cld.modulation_shape, cld.modulation_frequency, cld.polarity) == ("square", 500.0, "AG")
    cld.operating_mode = "power"
    cld.power_setpoint = 0.03
    cld.tec_enabled = True
    bench.world.clock.sleep(20.0)
    cld.laser_enabled = True
    assert cld.photodiode_power == pytest.approx(0.03, rel=1e-3)
    assert cld.protection == Protection(0) and not cld.compliance_tripped
    device.backdoor_call("turn_key", on=False)
    assert cld.protection == Protection.KEYLOCK and cld.laser_enabled is False
    assert cld.check_errors() == []
    assert bench.laser("write_852").interlock_ok is False
