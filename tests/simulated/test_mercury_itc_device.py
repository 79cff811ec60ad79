"""The simulated Mercury iTC answers its SCPI-like commands and closes the loop on the world's cryostat."""

import socket

import pytest
import pyvisa

from anplab.drivers.mercury_itc import MercuryITC, MercuryITCError
from anplab.instruments.bench import Bench, _nodelay
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import LimitError
from anplab.simulated.adapter import SimulatedAdapter
from anplab.simulated.server import DeviceServer

# The built-in bench's structure, with a small film as sample (it emits wherever the beam
# is, so its emission at a fixed pump is a clean function of temperature) and the controller.
BENCH = """
name: cryostat test bench
optics:
  numerical_aperture: 1.4
  spot: airy
simulation:
  clock: virtual
  seed: 1
  sample:
    kind: film
    material: tm-1064
    extent_um: [2.0, 2.0]
  cryostat:
    base_temperature_k: 4.0
    hold_at_start: false  # the iTC as it powers up: heater capped at 0 V, loop off
    start_temperature_k: 295.0
instruments:
  pump_1064:
    role: laser
    driver: ipg_ylr
    address: sim
    wavelength_nm: 1064
    settings: {max_output_w: 10.0}
    limits: {max_power_w: 2.0}
    calibration: {transmission: 1.0e-4, pickoff_ratio: 0.01}
  cryostat:
    role: temperature_controller
    driver: mercury_itc
    address: sim
    limits: {min_k: 4, max_k: 400, max_ramp_k_per_min: 20}
"""
LOOP = "DEV:MB1.T1:TEMP:LOOP"


@pytest.fixture
def bench():
    with Bench.open(parse_bench(BENCH)) as b:
        yield b


def test_device_speaks_the_protocol(bench):
    device = bench.devices["cryostat"]
    assert device.handle("*IDN?").startswith("IDN:OXFORD INSTRUMENTS:MERCURY ITC:")
    assert device.handle("READ:SYS:CAT") == "STAT:SYS:CAT:DEV:MB1.T1:TEMP:DEV:DB6.T1:TEMP:DEV:MB0.H1:HTR"
    assert device.handle("READ:DEV:MB1.T1:TEMP:SIG:TEMP") == "STAT:DEV:MB1.T1:TEMP:SIG:TEMP:295.0000K"
    assert device.handle("READ:DEV:DB6.T1:TEMP:SIG:TEMP") == "STAT:DEV:DB6.T1:TEMP:SIG:TEMP:295.0000K"
    assert device.handle(f"SET:{LOOP}:TSET:77") == f"STAT:SET:{LOOP}:TSET:77:VALID"
    assert device.handle(f"READ:{LOOP}:TSET") == f"STAT:{LOOP}:TSET:77.0000K"
    assert device.handle(f"SET:{LOOP}:RSET:5") == f"STAT:SET:{LOOP}:RSET:5:VALID"
    assert device.handle(f"READ:{LOOP}:RSET") == f"STAT:{LOOP}:RSET:5.0000K/m"
    assert device.handle(f"READ:{LOOP}:ENAB") == f"STAT:{LOOP}:ENAB:OFF"
    assert device.handle("SET:DEV:MB0.H1:HTR:VLIM:40") == "STAT:SET:DEV:MB0.H1:HTR:VLIM:40:VALID"
    assert device.handle("READ:DEV:MB0.H1:HTR:PMAX") == "STAT:DEV:MB0.H1:HTR:PMAX:64.0000"
    assert device.handle("READ:DEV:MB0.H1:HTR:SIG:POWR") == "STAT:DEV:MB0.H1:HTR:SIG:POWR:0.0000W"


@pytest.mark.parametrize("command, reply", [
    (f"SET:{LOOP}:TSET:900", f"STAT:SET:{LOOP}:TSET:900:INVALID"),
    (f"SET:{LOOP}:ENAB:MAYBE", f"STAT:SET:{LOOP}:ENAB:MAYBE:INVALID"),
    (f"SET:{LOOP}:FOO:1", f"STAT:SET:{LOOP}:FOO:INVALID"),  # INVALID right after the term not understood
    ("SET:DEV:MB0.H1:HTR:VLIM:50", "STAT:SET:DEV:MB0.H1:HTR:VLIM:50:INVALID"),
    ("SET:DEV:MB1.T1:TEMP:SIG:TEMP:5", "STAT:SET:DEV:MB1.T1:TEMP:SIG:TEMP:5:INVALID"),
    ("READ:DEV:MB1.T1:TEMP:SIG:FOO", "STAT:DEV:MB1.T1:TEMP:SIG:FOO:INVALID"),
    ("READ:DEV:DB6.T1:TEMP:LOOP:TSET", "STAT:DEV:DB6.T1:TEMP:LOOP:TSET:N/A"),
    ("READ:DEV:DB9.T1:TEMP:SIG:TEMP", "STAT:DEV:DB9.T1:NOT_FOUND"),
    ("FETCH:DEV:MB1.T1:TEMP:SIG:TEMP", "FETCH:INVALID"),
    ("read:dev:MB1.T1:TEMP:SIG:TEMP", "read:INVALID"),  # keywords are case-sensitive
])
def test_bad_commands_are_answered_invalid(bench, command, reply):
    assert bench.devices["cryostat"].handle(command) == reply


def test_the_real_driver_runs_against_the_simulated_controller(bench):
    itc = MercuryITC(SimulatedAdapter(bench.devices["cryostat"]))
    assert itc.catalogue == [("MB1.T1", "TEMP"), ("DB6.T1", "TEMP"), ("MB0.H1", "HTR")]
    itc.HTR_MB.voltage_limit = 12.5
    itc.TS_MB.control_loop_PID_enabled = True
    itc.TS_MB.control_loop_ramp_rate = 4
    itc.TS_MB.control_loop_ramp_enabled = True
    itc.TS_MB.control_loop_temperature_setpoint = 200
    assert itc.HTR_MB.voltage_limit == 12.5 and itc.HTR_MB.max_power == pytest.approx(6.25)
    assert itc.TS_MB.control_loop_PID_enabled and itc.TS_MB.control_loop_ramp_enabled
    assert itc.TS_MB.control_loop_ramp_rate == 4.0
    assert itc.TS_MB.control_loop_temperature_setpoint == 200.0
    assert itc.TS_MB.control_loop_heater == "MB0.H1"
    assert itc.TS_MB.temperature == pytest.approx(295.0)
    with pytest.raises(MercuryITCError):
        itc.TS_MB.control_loop_temperature_setpoint = 1500  # above the sensor's hot limit
    itc.add_temperature_sensor("DB6.T1")
    with pytest.raises(MercuryITCError, match="N/A"):
        itc.TS["DB6.T1"].control_loop_P


def test_pyvisa_socket_client_with_the_real_driver(bench):
    with DeviceServer({"cryostat": bench.devices["cryostat"]}) as server:
        with socket.create_connection(("127.0.0.1", server.port("cryostat")), timeout=2) as sock:
            sock.sendall(f"READ:{LOOP}:ENAB\n".encode())
            assert sock.recv(100) == f"STAT:{LOOP}:ENAB:OFF\n".encode()
        itc = MercuryITC(server.resources()["cryostat"], visa_library="@py")
        try:
            _nodelay(itc)
            itc.TS_MB.control_loop_temperature_setpoint = 77.5
            assert itc.TS_MB.control_loop_temperature_setpoint == 77.5
            with pytest.raises(MercuryITCError):
                itc.TS_MB.control_loop_temperature_setpoint = 900  # above the sensor's hot limit
        finally:
            itc.adapter.close()
            pyvisa.ResourceManager("@py").close()


def test_setpoint_changes_settle_the_world(bench):
    role, clock, world = bench.temperature_controller("cryostat"), bench.clock, bench.world
    role.heater_range = "medium"
    assert role.heater_range == "medium"
    for target in (77.0, 300.0, 77.0):
        start, extreme = clock.now(), world.temperature_k("stage")
        role.setpoint_k = target
        while clock.now() - start < 120:  # watch the approach for overshoot
            clock.sleep(1.0)
            reading = world.temperature_k("stage")
            extreme = min(extreme, reading) if target < 150 else max(extreme, reading)
        assert role.wait_until_stable(clock, band_k=0.1, hold_s=30, timeout_s=180)
        assert clock.now() - start < 300
        assert abs(extreme - target) < 2.0
    assert 0 < role.heater_output_percent < 100


def test_a_ramp_follows_its_rate(bench):
    role, clock, world = bench.temperature_controller("cryostat"), bench.clock, bench.world
    role.heater_range = "high"
    role.setpoint_k = 77.0
    assert role.wait_until_stable(clock, band_k=0.1, hold_s=30, timeout_s=300)
    role.ramp_rate_k_per_min = 10.0
    role.setpoint_k = 97.0
    assert role.ramp_rate_k_per_min == 10.0
    clock.sleep(60.0)
    assert world.temperature_k("stage") == pytest.approx(87.0, abs=0.5)
    clock.sleep(70.0)
    assert role.wait_until_stable(clock, band_k=0.1, hold_s=30, timeout_s=120)
    role.ramp_rate_k_per_min = 0
    assert role.ramp_rate_k_per_min == 0.0


def test_heater_off_caps_the_power_at_zero(bench):
    role, clock, world = bench.temperature_controller("cryostat"), bench.clock, bench.world
    role.heater_range = "low"
    assert role.heater_range == "low"
    role.heater_range = "off"
    assert role.heater_range == "off"
    clock.sleep(60.0)
    assert world.cryostat.heater_power_w == 0.0 and world.temperature_k("stage") < 100


def test_out_of_limit_requests_never_reach_the_controller(bench):
    role, device = bench.temperature_controller("cryostat"), bench.devices["cryostat"]
    before = device.commands_handled
    for setpoint in (401.0, 3.0):
        with pytest.raises(LimitError):
            role.setpoint_k = setpoint
    with pytest.raises(LimitError):
        role.ramp_rate_k_per_min = 25.0
    assert device.commands_handled == before


def test_the_sample_temperature_feeds_the_physics(bench):
    role, clock, world = bench.temperature_controller("cryostat"), bench.clock, bench.world
    laser = bench.laser("pump_1064")

    def emission_at_fixed_pump() -> float:
        laser.set_power(0.2)  # near the avalanche threshold, where temperature matters most
        laser.emission_on()
        clock.sleep(0.5)
        rate = float(world.sample.emission_rate(world.lights())[0])
        laser.emission_off()
        return rate

    role.heater_range = "medium"
    role.setpoint_k = 295.0
    assert role.wait_until_stable(clock, band_k=0.1, hold_s=10, timeout_s=120)
    warm = emission_at_fixed_pump()
    role.setpoint_k = 77.0
    assert role.wait_until_stable(clock, band_k=0.1, hold_s=30, timeout_s=300)
    cold = emission_at_fixed_pump()
    assert world.sample.temperature_k == pytest.approx(77.0, abs=0.2)
    assert cold > 1.5 * warm > 0


@pytest.mark.parametrize("write, query, reply", [
    ("SET:DEV:MB1.T1:TEMP:NICK:Stage", "READ:DEV:MB1.T1:TEMP:NICK", "STAT:DEV:MB1.T1:TEMP:NICK:Stage"),
    ("SET:DEV:MB1.T1:TEMP:TYPE:PTC", "READ:DEV:MB1.T1:TEMP:TYPE", "STAT:DEV:MB1.T1:TEMP:TYPE:PTC"),
    ("SET:DEV:MB1.T1:TEMP:CAL:OFFS:0.5", "READ:DEV:MB1.T1:TEMP:CAL:OFFS", "STAT:DEV:MB1.T1:TEMP:CAL:OFFS:0.5000"),
    (f"SET:{LOOP}:PIDT:ON", f"READ:{LOOP}:PIDT", f"STAT:{LOOP}:PIDT:ON"),
    (f"SET:{LOOP}:FSET:25", f"READ:{LOOP}:FSET", f"STAT:{LOOP}:FSET:25.0000"),
    (f"SET:{LOOP}:TSET:80K", f"READ:{LOOP}:TSET", f"STAT:{LOOP}:TSET:80.0000K"),
    ("SET:DEV:MB0.H1:HTR:RES:50", "READ:DEV:MB0.H1:HTR:RES", "STAT:DEV:MB0.H1:HTR:RES:50.0000"),
    ("SET:DEV:MB0.H1:HTR:NICK:Main", "READ:DEV:MB0.H1:HTR:NICK", "STAT:DEV:MB0.H1:HTR:NICK:Main"),
    ("SET:SYS:DISP:BRIG:50", "READ:SYS:DISP:BRIG", "STAT:SYS:DISP:BRIG:50.0000"),
])
def test_a_set_changes_what_the_read_returns(bench, write, query, reply):
    device = bench.devices["cryostat"]
    assert device.handle(write).endswith(":VALID")
    assert device.handle(query) == reply


def test_sensor_signals_and_what_a_diode_lacks(bench):
    device = bench.devices["cryostat"]
    volts = device.handle("READ:DEV:MB1.T1:TEMP:SIG:VOLT")
    assert volts.startswith("STAT:DEV:MB1.T1:TEMP:SIG:VOLT:") and volts.endswith("mV")
    assert 500 < float(volts.split(":")[-1][:-2]) < 560  # a silicon diode near room temperature
    assert device.handle("READ:DEV:MB1.T1:TEMP:SIG:CURR") == "STAT:DEV:MB1.T1:TEMP:SIG:CURR:10.0000uA"
    assert device.handle("READ:DEV:MB1.T1:TEMP:SIG:SLOP") == "STAT:DEV:MB1.T1:TEMP:SIG:SLOP:INVALID"
    assert device.handle("SET:DEV:MB0.H1:HTR:RES:5") == "STAT:SET:DEV:MB0.H1:HTR:RES:5:INVALID"  # 20-100 ohm
    assert device.handle("SET:DEV:MB1.T1:TEMP:CAL:HOTL:600") == "STAT:SET:DEV:MB1.T1:TEMP:CAL:HOTL:600:INVALID"


def test_setting_the_heater_voltage_is_manual_operation(bench):
    device, clock = bench.devices["cryostat"], bench.clock
    device.handle(f"SET:{LOOP}:ENAB:OFF")
    device.handle("SET:DEV:MB0.H1:HTR:VLIM:20")
    assert device.handle("SET:DEV:MB0.H1:HTR:SIG:VOLT:10").endswith(":VALID")
    clock.sleep(1.0)
    assert device.handle(f"READ:{LOOP}:HSET") == f"STAT:{LOOP}:HSET:50.0000"
    assert device.handle("READ:DEV:MB0.H1:HTR:SIG:POWR") == "STAT:DEV:MB0.H1:HTR:SIG:POWR:4.0000W"
    assert device.handle("SET:DEV:MB0.H1:HTR:SIG:VOLT:30").endswith(":INVALID")  # above VLIM


def test_the_catalogue_system_and_identity(bench):
    device = bench.devices["cryostat"]
    assert device.handle("READ:SYS:MAN:SERL") == "STAT:SYS:MAN:SERL:232150255"
    assert device.handle("READ:SYS:TIME").count(":") == 5
    assert device.handle("READ:SYS:FOO") == "STAT:SYS:FOO:INVALID"
