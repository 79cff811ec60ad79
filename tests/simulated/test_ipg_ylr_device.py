"""The simulated YLR answers the YLR protocol and drives the shared world."""

import pytest

from anplab.drivers.ipg_ylr import IPGYLR, IPGLaserError, IPGLaserRefused, YLRStatus
from anplab.instruments.bench import Bench
from anplab.simulated.adapter import SimulatedAdapter


@pytest.fixture
def bench():
    with Bench.open() as b:
        yield b


def test_device_speaks_the_protocol(bench):
    device = bench.devices["pump_1064"]
    assert device.handle("RCS") == "RCS: 0.0"
    assert device.handle("SDC 55") == "SDC: 55.0"
    assert device.handle("SDC 101") == "ERR: Out of Range"
    assert device.handle("SDC fifty") == "BCMD"
    assert device.handle("XYZ") == "BCMD"
    assert device.handle("ROP") == "ROP: Off"
    assert device.handle("EMON") == "EMON"
    assert device.handle("ROP").startswith("ROP: 5.")
    assert int(device.handle("STA").split(":")[1]) & (1 << 2)


def test_the_real_driver_runs_against_the_simulated_laser(bench):
    laser = IPGYLR(SimulatedAdapter(bench.devices["pump_1064"]))
    laser.current_setpoint = 55.0
    laser.emission_on()
    assert laser.output_power == pytest.approx(5.0, rel=0.02)
    assert bench.world.laser_output_w("pump_1064") == pytest.approx(5.0, rel=0.02)
    laser.emission_off()
    assert laser.output_power == 0.0 and not bench.world.lasers["pump_1064"].emitting


def test_an_open_interlock_stops_emission_and_refuses_it(bench):
    laser = IPGYLR(SimulatedAdapter(bench.devices["pump_1064"]))
    laser.emission_on()
    bench.world.trip_interlock("pump_1064")
    assert laser.interlock_open and not laser.emission_enabled
    with pytest.raises(IPGLaserError):
        laser.emission_on()


def test_every_command_is_answered_as_the_family_answers(bench):
    device = bench.devices["pump_1064"]
    for action in ("ABN", "ABF", "EEC", "DEC", "EMOD", "DMOD", "ELE", "DLE", "RERR", "EMOFF"):
        assert device.handle(action) == action
    assert device.handle("sdc 20") == "SDC: 20.0"  # case and the space do not matter
    assert device.handle("SDC20.5") == "SDC: 20.5"
    assert device.handle("rcs") == "RCS: 20.5"
    assert device.handle("RCS 5") == device.handle("") == device.handle("RMN") == "BCMD"
    assert device.handle("RFV") == "RFV: 3.2.5" and device.handle("RSN") == "RSN: PLMR1234567"
    assert device.handle("RET") == "RET: 0.0"


def test_a_write_changes_what_the_status_word_reads(bench):
    device = bench.devices["pump_1064"]

    def bits():
        return int(device.handle("STA").split(":")[1])

    assert bits() == 1 << 21
    device.handle("ABN")
    device.handle("EEC")
    device.handle("EMOD")
    assert bits() == (1 << 21) | (1 << 8) | (1 << 4) | (1 << 12)
    device.handle("ABF")
    device.handle("DEC")
    device.handle("DMOD")
    assert bits() == 1 << 21


def test_a_fault_latches_until_rerr_and_keeps_emission_off(bench):
    device = bench.devices["pump_1064"]
    laser = IPGYLR(SimulatedAdapter(device))
    laser.current_setpoint = 50
    laser.emission_on()
    device.backdoor_call("raise_error", kind="back_reflection")
    assert not laser.emission_enabled and YLRStatus.HIGH_BACKREFLECTION in laser.latched_errors
    with pytest.raises(IPGLaserRefused):
        laser.emission_on()
    assert YLRStatus.HIGH_BACKREFLECTION in laser.latched_errors  # still there: nobody reset it
    laser.reset_errors()
    assert not laser.latched_errors
    laser.emission_on()
    assert laser.emission_enabled


def test_a_cleared_interlock_trip_leaves_emission_off(bench):
    device = bench.devices["pump_1064"]
    laser = IPGYLR(SimulatedAdapter(device))
    laser.emission_on()
    bench.world.trip_interlock("pump_1064")
    bench.world.lasers["pump_1064"].close_interlock()
    assert not laser.interlock_open and not laser.emission_enabled  # only the missing emission tells
    laser.emission_on()
    assert laser.emission_enabled


def test_emission_time_counts_bench_time_with_emission_on(bench):
    laser = IPGYLR(SimulatedAdapter(bench.devices["pump_1064"]))
    laser.emission_on()
    bench.world.clock.sleep(3600.0)
    laser.emission_off()
    bench.world.clock.sleep(1800.0)
    assert laser.emission_time == pytest.approx(1.0, abs=0.05)
