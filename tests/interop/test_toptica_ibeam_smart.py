"""pymeasure's IBeamSmart, unmodified, against the served simulated iBeam smart (pyvisa-py, loopback TCP).

The laser is power-cycled first (a backdoor), so the client meets it as a
lab does: echo on and the ``CMD>`` prompt on, which the client switches off
and flushes away.  Every main parameter is read and set; the one thing the
client gets wrong is pymeasure 0.16's own bug, kept visible here: its value
pattern ``\\w+\\s+=\\s+(\\w+)`` stops at the decimal point, so the base-plate
temperature the laser reports as ``TEMP = 28.4 C`` reads 28.  anplab's
``IBeamSmart`` (same bytes) reads 28.4.
"""

import pytest

from anplab.drivers.toptica_ibeam_smart import IBeamSmart as AnplabIBeamSmart

ibeamsmart = pytest.importorskip("pymeasure.instruments.toptica.ibeamsmart")
CLIENT = "pymeasure 0.16 IBeamSmart (unmodified)"


@pytest.fixture
def served(serve):
    served = serve("toptica_ibeam_smart", "laser", {"max_output_w": 0.1}, wavelength_nm=488)
    served.device.backdoor_call("power_cycle")
    return served


@pytest.fixture
def laser(served):
    laser = ibeamsmart.IBeamSmart(served.resource, visa_library="@py", timeout=2000)
    yield laser
    laser.adapter.close()


def test_identify(laser, interop_report):
    assert laser.version == "iBPs-001A01-05"
    assert laser.serial == "SN: iBEAM-SMART-488-S-A3-12345"
    interop_report(CLIENT, "construct (echo off, prompt off, flush, talk usual)")
    interop_report(CLIENT, "version, serial")


def test_power_and_emission(laser, served, interop_report):
    world = served.bench.world
    laser.ch_2.power = 25000
    laser.enable_continous()
    assert laser.emission is True and laser.ch_2.enabled is True
    assert laser.power == pytest.approx(25000, rel=0.02)  # the head drifts by a few 0.1 %
    assert world.laser_output_w("dut") == pytest.approx(0.025, rel=0.02)
    laser.ch_1.power = 500
    laser.ch_1.enabled = True
    assert laser.power == pytest.approx(25500, rel=0.02)
    interop_report(CLIENT, "ch_1/ch_2 power, enabled", "ok (set; read back through sh pow)")
    interop_report(CLIENT, "emission, enable_continous", "ok")
    laser.shutdown()
    assert laser.emission is False and not world.lasers["dut"].emitting
    interop_report(CLIENT, "shutdown (di 0, la off)", "ok")


def test_readings_show_the_clients_decimal_bug(laser, interop_report):
    assert laser.temp == pytest.approx(25.0)  # "TEMP = 25.0 C": nothing after the point to lose
    assert laser.system_temp == 28  # "TEMP = 28.4 C": the client stops at the decimal point
    laser.ch_2.power = 20000
    laser.enable_continous()
    current = laser.current  # "LDC = 57.2 mA" reads 57
    assert current == int(current)
    interop_report(CLIENT, "temp", "ok (25.0 C)")
    interop_report(CLIENT, "system_temp, current", "client bug: decimals dropped (28.4 C reads 28)")


def test_a_refusal_reaches_the_client(laser, served, interop_report):
    served.bench.world.trip_interlock("dut")
    with pytest.raises(ValueError, match="interlock open"):
        laser.emission = True
    interop_report(CLIENT, "emission refused (interlock open)", "ok (ValueError with the laser's line)")


def test_anplab_driver_reads_the_same_bytes_whole(served, interop_report):
    laser = AnplabIBeamSmart(served.resource, visa_library="@py", timeout=2000)
    try:
        assert laser.system_temp == pytest.approx(28.4)
        laser.ch_2.power = 20000
        laser.enable_continous()
        assert laser.current == pytest.approx(35.0 + 0.020 / 0.9 * 1e3, rel=0.02)
        assert laser.power_level(2) == pytest.approx(20000)
        assert laser.max_power == 100.0
        laser.shutdown()
    finally:
        laser.adapter.close()
    interop_report("anplab IBeamSmart", "system_temp, current, power_level, max_power", "ok (decimals kept)")
