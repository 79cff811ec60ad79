"""Fault injection: seeded, per device, visible through the real driver as real faults are."""

import pytest
from pyvisa.errors import VisaIOError

from anplab.drivers.ipg_ylr import IPGLaserError
from anplab.instruments.bench import Bench, default_bench_text
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import BenchOpenError, InstrumentFault
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
    # Opening a bench whose laser never answers is retried, then fails naming the laser.
    with pytest.raises(BenchOpenError, match=r"cannot open pump_1064 \(ipg_ylr at sim\): failed 4 times") as opening:
        bench_with("    devices:\n      pump_1064: {timeout_rate: 1.0}\n")
    assert isinstance(opening.value.__cause__, VisaIOError)
    bench = Bench.open(parse_bench(default_bench_text()))
    bench.devices["pump_1064"].faults = FaultPlan(timeout_rate=1.0)
    with pytest.raises(InstrumentFault, match="get_power_w failed 4 times") as error:  # retried, then given up
        bench.laser().power_w
    assert isinstance(error.value.__cause__, VisaIOError)
    assert [fault["outcome"] for fault in bench.fault_log] == ["retried"] * 3 + ["gave up"]
    bench.close()


def test_garbled_and_truncated_replies_are_caught_by_the_driver():
    bench = Bench.open()
    bench.devices["pump_1064"].faults = FaultPlan(truncate_rate=1.0, seed=3)
    with pytest.raises(InstrumentFault) as error:
        bench.laser().power_setpoint_w
    assert isinstance(error.value.__cause__, (IPGLaserError, ValueError))
    bench.close()


def test_disconnect_raises_connection_error():
    bench = Bench.open()
    bench.devices["pump_1064"].faults = FaultPlan(disconnect_rate=1.0)
    with pytest.raises(InstrumentFault) as error:
        bench.laser().power_w
    assert isinstance(error.value.__cause__, DeviceDisconnected)
    bench.close()


@pytest.mark.parametrize("fault", ["timeout_rate", "garble_rate", "truncate_rate", "disconnect_rate"])
def test_occasional_faults_are_ridden_out_and_logged(fault):
    bench = Bench.open()
    laser, meter = bench.laser(), bench.power_meter()
    laser.set_power(1.0)
    laser.emission_on()
    for name in ("pump_1064", "power_meter"):
        bench.devices[name].faults = FaultPlan(**{fault: 0.2}, seed=5)
    start = bench.clock.now()
    readings = [(laser.power_w, meter.beam_power_w()) for _ in range(100)]
    # Replies cut short or garbled are caught by their format and asked again.  (Line noise that happens
    # to turn one valid number into another, a 3 into a 5, no protocol here can see: none has a checksum.)
    good = [0.9 < power < 1.1 and 0.9 < beam < 1.1 for power, beam in readings]
    assert sum(good) >= 99
    assert len([f for f in bench.fault_log if f["outcome"] == "retried"]) > 10
    assert any(f.get("recovered") for f in bench.fault_log)
    assert not [f for f in bench.fault_log if f["outcome"] == "gave up"]
    retried = [f for f in bench.fault_log if f["outcome"] == "retried"]
    assert bench.clock.now() - start >= 0.05 * len(retried)  # the waits between tries pass on the bench clock
    bench.close()


def test_an_instrument_that_refuses_is_not_asked_again():
    with bench_with("    refuse_emission: [pump_1064]\n") as bench:
        exchanges = bench.devices["pump_1064"].commands_handled
        with pytest.raises(InstrumentFault):
            bench.laser().emission_on()
        assert bench.devices["pump_1064"].commands_handled - exchanges <= 3  # EMON once, then status reads
        assert not bench.fault_log


def test_a_laser_that_refuses_to_turn_on():
    with bench_with("    refuse_emission: [pump_1064]\n") as bench:
        with pytest.raises(InstrumentFault, match="Emission not allowed"):
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
