"""The simulated Lake Shore answers its command set and closes the loop on the world's cryostat."""

import socket

import pytest
import pyvisa
from pyvisa.errors import VisaIOError

from anplab.drivers.lakeshore_335_336_350 import LakeShore336, OutputMode, open_lakeshore
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
    driver: lakeshore_335_336_350
    address: sim
    settings: {model: "MODEL"}
    limits: {min_k: 4, max_k: 400, max_ramp_k_per_min: 20}
"""


def open_bench(model: str = "336") -> Bench:
    return Bench.open(parse_bench(BENCH.replace("MODEL", model)))


@pytest.fixture
def bench():
    with open_bench() as b:
        yield b


def test_device_speaks_the_protocol(bench):
    device = bench.devices["cryostat"]
    assert device.handle("*IDN?").startswith("LSCI,MODEL336,")
    assert device.handle("KRDG? A") == "+295.000"
    assert device.handle("SETP 1,77") is None
    assert device.handle("SETP? 1") == "+077.000"
    assert device.handle("RANGE 1,2") is None and device.handle("RANGE? 1") == "2"
    assert device.handle("RAMP 1,1,5") is None and device.handle("RAMP? 1") == "1,+005.0"
    assert device.handle("PID? 1") == "+0006.0,+0050.0,+000"
    assert device.handle("OUTMODE? 1") == "1,1,0"
    assert device.handle("*ESR?") == "128"  # power-on, read once
    assert device.handle("*ESR?") == "0"


@pytest.mark.parametrize("command", ["RANGE 1,4", "RANGE 3,2", "SETP 5,10", "KRDG? E", "SETP 1,cold", "PID 1,0,50,0",
                                     "HELLO", "RAMP 1,1,101", "RAMP? 1,2"])
def test_bad_commands_get_no_reply_and_set_the_command_error_bit(bench, command):
    device = bench.devices["cryostat"]
    device.handle("*CLS")
    assert device.handle(command) is None
    assert device.handle("*ESR?") == "32"


def test_each_model_has_its_own_outputs_and_ranges():
    with open_bench("335") as bench:
        device = bench.devices["cryostat"]
        assert device.handle("*IDN?").startswith("LSCI,MODEL335,")
        assert device.handle("RANGE? 3") is None and device.handle("KRDG? C") is None
    with open_bench("350") as bench:
        device = bench.devices["cryostat"]
        assert device.handle("RANGE 1,5") is None and device.handle("RANGE? 1") == "5"
        assert device.handle("*ESR?") == "128"


def test_the_real_driver_runs_against_the_simulated_controller(bench):
    controller = open_lakeshore(SimulatedAdapter(bench.devices["cryostat"]))
    assert isinstance(controller, LakeShore336)
    out = controller.output_1
    out.range = "high"
    out.ramp = (True, 12.5)
    out.pid = (7, 40, 10)
    out.mode = (OutputMode.CLOSED_LOOP, "A", True)
    out.setpoint = 250
    assert (out.range, out.ramp, out.pid, out.setpoint) == ("high", (True, 12.5), (7.0, 40.0, 10.0), 250.0)
    assert out.mode == (OutputMode.CLOSED_LOOP, "A", True)
    assert out.ramping is True
    assert controller.input_A.kelvin == pytest.approx(295.0)
    with pytest.raises(VisaIOError):
        controller.ask("KRDG? E")  # the controller does not answer a bad query ...
    assert controller.check_errors() == ["COMMAND_ERROR"]  # ... it flags it


def test_pyvisa_socket_client_with_the_real_driver(bench):
    with DeviceServer({"cryostat": bench.devices["cryostat"]}) as server:
        with socket.create_connection(("127.0.0.1", server.port("cryostat")), timeout=2) as sock:
            sock.sendall(b"SETP? 1\r\n")
            assert sock.recv(100) == b"+295.000\r\n"
        controller = open_lakeshore(server.resources()["cryostat"], visa_library="@py")
        try:
            _nodelay(controller)
            assert controller.model == "336"
            controller.output_1.setpoint = 77.5
            assert controller.output_1.setpoint == 77.5
        finally:
            controller.adapter.close()
            pyvisa.ResourceManager("@py").close()


def test_setpoint_changes_settle_the_world(bench):
    role, clock, world = bench.temperature_controller("cryostat"), bench.clock, bench.world
    role.heater_range = "medium"
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
        assert world.temperature_k("stage") == pytest.approx(target, abs=0.1)
    assert 0 < role.heater_output_percent < 100


def test_a_ramp_follows_its_rate(bench):
    role, clock, world = bench.temperature_controller("cryostat"), bench.clock, bench.world
    driver = bench.drivers["cryostat"]
    role.heater_range = "high"
    role.setpoint_k = 77.0
    assert role.wait_until_stable(clock, band_k=0.1, hold_s=30, timeout_s=300)
    role.ramp_rate_k_per_min = 10.0
    role.setpoint_k = 97.0
    assert role.ramp_rate_k_per_min == 10.0 and role.setpoint_k == 97.0
    clock.sleep(60.0)
    assert world.temperature_k("stage") == pytest.approx(87.0, abs=0.5)
    assert driver.output_1.ramping
    clock.sleep(70.0)
    assert not driver.output_1.ramping
    assert role.wait_until_stable(clock, band_k=0.1, hold_s=30, timeout_s=120)
    role.ramp_rate_k_per_min = 0
    assert role.ramp_rate_k_per_min == 0.0


def test_out_of_limit_requests_never_reach_the_controller(bench):
    role, device = bench.temperature_controller("cryostat"), bench.devices["cryostat"]
    before = device.commands_handled
    for setpoint in (401.0, 3.0, float("nan")):
        with pytest.raises(LimitError):
            role.setpoint_k = setpoint
    with pytest.raises(LimitError):
        role.ramp_rate_k_per_min = 25.0
    with pytest.raises(ValueError):
        role.heater_range = "max"
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
    assert world.sample.temperature_k == pytest.approx(295.0, abs=0.2)
    role.setpoint_k = 77.0
    assert role.wait_until_stable(clock, band_k=0.1, hold_s=30, timeout_s=300)
    cold = emission_at_fixed_pump()
    assert world.sample.temperature_k == pytest.approx(77.0, abs=0.2)
    assert cold > 1.5 * warm > 0
