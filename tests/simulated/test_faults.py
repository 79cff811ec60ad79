"""Fault injection: seeded, per device, visible through the real driver as real faults are."""

import pytest
from pyvisa.errors import VisaIOError

from anplab.drivers.ipg_ylr import IPGLaserError
from anplab.instruments.bench import Bench, default_bench_text
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import InstrumentFault
from anplab.simulated.faults import DeviceDisconnected, FaultPlan


def bench_with(faults_yaml: str) -> Bench:
    return Bench.open(parse_bench(default_bench_text().replace("  seed: 1\n", "  seed: 1\n  faults:\n" + faults_yaml)))


def test_fault_plans_are_reproducible_and_keep_their_rates():
    def run(seed):
        plan = FaultPlan(timeout_rate=0.1, garble_rate=0.1, truncate_rate=0.1, seed=seed)
        return [plan.apply("RCS: 25.0") for _ in range(2000)], plan

    first, plan = run(7)
    second, _ = run(7)
    assert first == second
    assert 150 < plan.injected["timeout"] < 250 and 150 < plan.injected["garble"] < 250
    assert first.count("RCS: 25.0") == pytest.approx(1400, abs=100)


def test_a_silent_instrument_times_out_like_visa():
    with pytest.raises(VisaIOError):  # opening a bench whose laser never answers fails clearly
        bench_with("    devices:\n      pump_1064: {timeout_rate: 1.0}\n")
    bench = Bench.open(parse_bench(default_bench_text()))
    bench.devices["pump_1064"].faults = FaultPlan(timeout_rate=1.0)
    with pytest.raises(VisaIOError):
        bench.laser().power_w
    bench.close()


def test_garbled_and_truncated_replies_are_caught_by_the_driver():
    bench = Bench.open()
    bench.devices["pump_1064"].faults = FaultPlan(truncate_rate=1.0, seed=3)
    with pytest.raises((IPGLaserError, ValueError)):
        bench.laser().power_setpoint_w
    bench.close()


def test_disconnect_raises_connection_error():
    bench = Bench.open()
    bench.devices["pump_1064"].faults = FaultPlan(disconnect_rate=1.0)
    with pytest.raises(DeviceDisconnected):
        bench.laser().power_w
    bench.close()


def test_a_laser_that_refuses_to_turn_on():
    with bench_with("    refuse_emission: [pump_1064]\n") as bench:
        with pytest.raises(InstrumentFault, match="did not turn on"):
            bench.laser().emission_on()


def test_interlock_trip_scheduled_in_the_bench_file():
    with bench_with("    interlock_trips: [{at_s: 5.0, laser: pump_1064}]\n") as bench:
        laser = bench.laser()
        laser.set_power(0.5)
        laser.emission_on()
        bench.clock.sleep(4.0)
        assert laser.emission and laser.interlock_ok
        bench.clock.sleep(2.0)
        assert not laser.emission and not laser.interlock_ok
