"""The simulated Cryostation answers its length-prefixed TCP protocol and holds the world's platform."""

import math
import socket

import pytest
import pyvisa

from anplab.drivers.montana_cryostation import Cryostation, CryostationError
from anplab.instruments.bench import Bench, _nodelay
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import LimitError
from anplab.simulated.adapter import SimulatedAdapter
from anplab.simulated.devices.length_prefixed import split_frames
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
    driver: montana_cryostation
    address: sim
    limits: {min_k: 4, max_k: 340, max_ramp_k_per_min: 20}
"""


@pytest.fixture
def bench():
    with Bench.open(parse_bench(BENCH)) as b:
        yield b


def test_device_speaks_the_protocol(bench):
    device = bench.devices["cryostat"]
    assert device.handle("GPT") == "295.000"
    assert device.handle("GST") == "295.000"
    assert device.handle("GTSP") == "295.00"
    assert device.handle("STSP77") == "OK, Temperature Set Point = 77.00"
    assert device.handle("STSP 80.5") == "OK, Temperature Set Point = 80.50"
    assert device.handle("GTSP") == "80.50"
    assert device.handle("GAS") == "F"
    assert device.handle("GPS") == "-0.10000"  # not enough history yet
    assert device.handle("GUT") == "-0.100" and device.handle("GS1T") == "-0.10" and device.handle("GCP") == "-0.1"
    bench.clock.sleep(30.0)
    assert float(device.handle("GPS")) > 0
    assert float(device.handle("GPHP")) >= 0


@pytest.mark.parametrize("command, reply", [
    ("STSP400", "Error: Invalid set point"),
    ("STSP1.5", "Error: Invalid set point"),
    ("STSPwarm", "Error: Invalid set point"),
    ("GPTX", "Error: Invalid command."),
    ("HELLO", "Error: Invalid command."),
    ("SCD", "System not able to cooldown at this time"),  # it is already cooling down
])
def test_bad_commands_are_answered_with_errors(bench, command, reply):
    assert bench.devices["cryostat"].handle(command) == reply


def test_framing_is_a_two_digit_length_and_no_terminator(bench):
    device = bench.devices["cryostat"]
    assert device.frame("295.000") == b"07295.000"
    assert device.split_frames(b"03GPT04GTSP02G") == (["GPT", "GTSP"], b"02G")
    assert split_frames(b"XXGPT") == ([None], b"")


def test_system_states(bench):
    device, clock, world = bench.devices["cryostat"], bench.clock, bench.world
    assert device.handle("STP") == "OK"
    assert device.handle("STP") == "System not able to stop at this time"
    clock.sleep(300.0)
    assert float(device.handle("GPHP")) == 0.0 and world.temperature_k("stage") < 10.0
    assert device.handle("SWU") == "OK"
    clock.sleep(300.0)
    assert world.temperature_k("stage") == pytest.approx(295.0, abs=0.5)
    assert device.handle("SSB") == "OK" and device.handle("SCD") == "OK"


def test_the_real_driver_runs_against_the_simulated_cryostation(bench):
    cryo = Cryostation(SimulatedAdapter(bench.devices["cryostat"]))
    cryo.temperature_setpoint = 120.0
    assert cryo.temperature_setpoint == 120.0
    assert cryo.platform_temperature == pytest.approx(295.0)
    assert cryo.sample_temperature == pytest.approx(295.0)
    assert math.isnan(cryo.user_temperature) and math.isnan(cryo.platform_stability)
    assert cryo.alarm is False
    with pytest.raises(CryostationError, match="not able to cooldown"):
        cryo.start_cooldown()
    cryo.stop()
    cryo.start_cooldown()
    with pytest.raises(CryostationError, match="Invalid command"):
        cryo.ask("GXYZ")


def test_pyvisa_socket_client_with_the_real_driver(bench):
    with DeviceServer({"cryostat": bench.devices["cryostat"]}) as server:
        with socket.create_connection(("127.0.0.1", server.port("cryostat")), timeout=2) as sock:
            sock.sendall(b"03GPT")
            assert sock.recv(100) == b"07295.000"
        cryo = Cryostation(server.resources()["cryostat"], visa_library="@py")
        try:
            _nodelay(cryo)
            cryo.temperature_setpoint = 77.0
            assert cryo.temperature_setpoint == 77.0
            assert cryo.platform_temperature == pytest.approx(295.0)
        finally:
            cryo.adapter.close()
            pyvisa.ResourceManager("@py").close()


def test_setpoint_changes_settle_the_world(bench):
    role, clock, world = bench.temperature_controller("cryostat"), bench.clock, bench.world
    assert role.heater_range == "high"
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
    clock.sleep(60.0)  # a full stability window at the setpoint
    assert bench.drivers["cryostat"].platform_stability < 0.05


def test_the_cryostation_has_no_ramp_or_ranges_and_says_so_before_the_wire(bench):
    role, device = bench.temperature_controller("cryostat"), bench.devices["cryostat"]
    before = device.commands_handled
    assert role.ramp_rate_k_per_min == 0.0
    role.ramp_rate_k_per_min = 0.0
    role.heater_range = "high"
    with pytest.raises(ValueError, match="no setpoint ramp"):
        role.ramp_rate_k_per_min = 10.0
    with pytest.raises(ValueError, match="one fixed range"):
        role.heater_range = "low"
    assert device.commands_handled == before


def test_out_of_limit_requests_never_reach_the_controller(bench):
    role, device = bench.temperature_controller("cryostat"), bench.devices["cryostat"]
    before = device.commands_handled
    for setpoint in (345.0, 3.0):
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

    warm = emission_at_fixed_pump()  # the platform is held at its 295 K setpoint
    role.setpoint_k = 77.0
    assert role.wait_until_stable(clock, band_k=0.1, hold_s=30, timeout_s=300)
    cold = emission_at_fixed_pump()
    assert world.sample.temperature_k == pytest.approx(77.0, abs=0.2)
    assert cold > 1.5 * warm > 0


@pytest.mark.parametrize("command, reply", [
    ("GS1HP", "-0.100"), ("GUS", "-0.10000"), ("*IDN?", "Error: Invalid command."), ("", "Error: Invalid command."),
    ("gpt", "Error: Invalid command."),
])
def test_more_of_the_command_list(bench, command, reply):
    assert bench.devices["cryostat"].handle(command) == reply
