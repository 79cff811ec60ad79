"""Every registered driver's role adapter, through its role, on its simulated device (all-models bench).

Each instrument of the built-in ``all-models`` bench set (every registered
driver, every power-meter and cryostat variant) is driven through its role
as a procedure drives it: a write changes what the role reads back, and the
safe state is what it says.  A new driver gets this test by being added to
``instruments/all_models_bench.yaml`` (tests/test_registry_contract.py
checks that it is).
"""

from __future__ import annotations

import math
from importlib import resources

import pytest

from anplab.instruments.bench import Bench
from anplab.instruments.bench_set import parse_bench_set


def all_models():
    text = resources.files("anplab.instruments").joinpath("all_models_bench.yaml").read_text(encoding="utf-8")
    return parse_bench_set(text, "all_models_bench.yaml")


INSTRUMENTS = [(name, spec.role, spec.driver) for config in all_models() for name, spec in config.instruments.items()]


@pytest.fixture(scope="module")
def roles():
    benches = [Bench.open(config, realtime=False) for config in all_models()]  # virtual time: no waiting
    try:
        yield {name: role for bench in benches for name, role in bench.instruments.items()}
    finally:
        for bench in benches:
            bench.close()


def exercise_laser(laser) -> None:
    watts = laser.limits.max_power_w / 2
    laser.set_power(watts)
    assert laser.power_setpoint_w == pytest.approx(watts, rel=0.02, abs=1e-4)
    laser.emission_on()
    assert laser.emission
    assert math.isfinite(laser.power_w)
    laser.safe_state()
    assert not laser.emission and laser.power_setpoint_w == pytest.approx(0.0, abs=1e-6)


def exercise_power_meter(meter) -> None:
    meter.wavelength_nm = 980.0
    assert meter.wavelength_nm == pytest.approx(980.0)
    assert math.isfinite(meter.power_w) and math.isfinite(meter.beam_power_w())


def exercise_temperature_controller(controller) -> None:
    controller.setpoint_k = 250.0
    assert controller.setpoint_k == pytest.approx(250.0, abs=0.01)
    assert 1.0 < controller.temperature_k < 500.0
    controller.safe_state()


def exercise_photon_counter(counter) -> None:
    counts = counter.count(0.01)
    assert isinstance(counts, int) and counts >= 0
    assert counter.count_rate(0.01) >= 0.0


def exercise_scanner(scanner) -> None:
    scanner.move_to(1.0, -2.0)
    assert scanner.position_um == pytest.approx((1.0, -2.0), abs=0.01)
    scanner.safe_state()


#: The exercise of each role; tests/test_registry_contract.py requires one for every registered driver's role.
EXERCISES = {
    "laser": exercise_laser,
    "power_meter": exercise_power_meter,
    "temperature_controller": exercise_temperature_controller,
    "photon_counter": exercise_photon_counter,
    "scanner": exercise_scanner,
}


@pytest.mark.parametrize("name, role, driver", INSTRUMENTS, ids=[f"{d}:{n}" for n, _, d in INSTRUMENTS])
def test_role_adapter_on_its_simulated_device(roles, name, role, driver):
    instrument = roles[name]
    assert instrument.role == role
    assert instrument.identification  # what the run's metadata records
    EXERCISES[role](instrument)
