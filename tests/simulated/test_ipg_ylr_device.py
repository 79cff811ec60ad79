"""The simulated YLR answers the YLR protocol and drives the shared world."""

import pytest

from anplab.drivers.ipg_ylr import IPGYLR, IPGLaserError
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
