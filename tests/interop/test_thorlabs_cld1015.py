"""Clients of the Thorlabs CLD1015 against the served simulated controller.

No third-party Python driver of the CLD1015 installs cleanly from PyPI
(``firepydaq``'s brings NI-DAQmx with it), so what other labs' code sends is
replayed as it sends it, over pyvisa-py: the command sequence of lantz's
``CLD101XLP`` driver (short forms, ``MEAS:SCAL:TEMP?``, ``SYST:ERR:NEXT?``,
``UNIT:TEMP?``) and of a pump-laser control script written against the
controller (long forms such as ``SOUR:CURR:LEV:IMM:AMPL``, ``SENS3:CURR:DATA?``,
``SOUR:FUNC:MODE``).  anplab's own driver runs over the same socket.
"""

from __future__ import annotations

import pytest

from anplab.drivers.thorlabs_cld1015 import Protection, ThorlabsCLD1015

SETTINGS = {"threshold_a": 0.06, "slope_w_per_a": 0.35, "current_limit_a": 1.2}


@pytest.fixture
def controller(serve):
    return serve("thorlabs_cld1015", "laser", SETTINGS, wavelength_nm=1450, limits={"max_power_w": 0.3})


@pytest.fixture
def session(controller):
    pyvisa = pytest.importorskip("pyvisa")
    resource = pyvisa.ResourceManager("@py").open_resource(controller.resource, read_termination="\n",
                                                           write_termination="\n", timeout=2000)
    yield resource
    resource.close()


def test_lantz_cld101xlp_sequence(controller, session, interop_report):
    client = "lantz CLD101XLP command sequence"
    device = controller.device
    assert session.query("*IDN?").startswith("THORLABS,CLD1015,")
    interop_report(client, "idn (*IDN?)")
    assert session.query("OUTP:PROT:KEYL:TRIP?") == "0"
    interop_report(client, "key_locked (OUTP:PROT:KEYL:TRIP?)")
    assert session.query("UNIT:TEMP?") == "CEL"
    session.write("UNIT:TEMP K")
    assert session.query("UNIT:TEMP?") == "K" and float(session.query("SOUR2:TEMP?")) == pytest.approx(298.15)
    session.write("UNIT:TEMP CEL")
    interop_report(client, "temperature_unit get / set (UNIT:TEMP)")
    assert 15 < float(session.query("MEAS:SCAL:TEMP?")) < 45
    interop_report(client, "temperature (MEAS:SCAL:TEMP?)")
    assert float(session.query("SOUR2:TEMP?")) == 25.0
    interop_report(client, "temperature_setpoint (SOUR2:TEMP?)")
    session.write("OUTP2:STAT 1")
    assert session.query("OUTP2:STAT?") == "1"
    interop_report(client, "tec_state set / get (OUTP2:STAT)")
    session.write("SOUR:CURR 0.25000")
    assert float(session.query("SOUR:CURR?")) == 0.25
    interop_report(client, "ld_current set / setpoint (SOUR:CURR)")
    session.write("OUTP1:STAT 1")
    assert session.query("OUTP1:STAT?") == "1" and device.laser_on
    interop_report(client, "ld_state set / get (OUTP1:STAT)")
    assert float(session.query("MEAS:CURR?")) == pytest.approx(0.25)
    assert float(session.query("MEAS:POW2?")) > 0
    interop_report(client, "ld_current, ld_power pd (MEAS:CURR?, MEAS:POW2?)")
    session.write("MEAS:POW3?")  # the 4000 series' thermopile input: the CLD1015 has none
    assert session.query("SYST:ERR:NEXT?") == '-114,"Header suffix out of range"'
    interop_report(client, "ld_power thermopile (MEAS:POW3?)", "no thermopile input on a CLD1015: -114, no reply")
    assert session.query("SYST:ERR:NEXT?") == '+0,"No error"'
    interop_report(client, "read_error_queue (SYST:ERR:NEXT?)")
    session.write("OUTP1:STAT 0")
    session.write("OUTP2:STAT 0")
    assert session.query("OUTP1:STAT?;:OUTP2:STAT?") == "0;0"
    interop_report(client, "turn_off_seq")


def test_pump_laser_script_sequence(controller, session, interop_report):
    client = "CLD1015 pump-laser script sequence"
    device = controller.device
    session.write("*CLS")
    session.write("SOUR:CURR:LIM:AMPL 0.800000")
    assert float(session.query("SOUR:CURR:LIM:AMPL?")) == 0.8 and device.current_limit_a == 0.8
    interop_report(client, "current limit (SOUR:CURR:LIM:AMPL)")
    session.write("SOUR:FUNC:MODE CURR")
    assert session.query("SOUR:FUNC:MODE?") == "CURR"
    interop_report(client, "operating mode (SOUR:FUNC:MODE)")
    session.write("SOUR2:TEMP:SPO 25.00")
    assert float(session.query("SOUR2:TEMP:SPO?")) == 25.0
    interop_report(client, "temperature setpoint (SOUR2:TEMP:SPO)")
    session.write("OUTP2:STAT ON")
    assert session.query("OUTP2:STAT?") == "1"
    interop_report(client, "TEC output (OUTP2:STAT ON)")
    session.write("SOUR:CURR:LEV:IMM:AMPL 0.400000")
    assert float(session.query("SOUR:CURR:LEV:IMM:AMPL?")) == 0.4
    interop_report(client, "LD current setpoint (SOUR:CURR:LEV:IMM:AMPL)")
    session.write("OUTP:STAT ON")
    assert session.query("OUTP:STAT?") == "1"
    interop_report(client, "LD output (OUTP:STAT ON)")
    assert float(session.query("SENS3:CURR:DATA?")) == pytest.approx(0.4)
    assert float(session.query("SENS4:VOLT:DATA?")) == pytest.approx(0.85 + 1.2 * 0.4)
    assert 15 < float(session.query("SENS2:TEMP:DATA?")) < 30
    interop_report(client, "LD current, voltage, temperature (SENS3, SENS4, SENS2)")
    assert session.query("SYST:ERR?") == '+0,"No error"'
    interop_report(client, "error query (SYST:ERR?)")
    session.write("SOUR:CURR:LEV:IMM:AMPL 0.900000")  # above the 0.8 A limit
    assert session.query("SYST:ERR?") == '-222,"Data out of range"'
    interop_report(client, "setpoint above the limit", "refused: -222, as the controller does")
    session.write("OUTP:STAT OFF")
    session.write("SOUR:CURR:LEV:IMM:AMPL 0")
    session.write("OUTP2:STAT OFF")
    assert session.query("*OPC?") == "1"  # the writes are handled before this reply
    assert not device.laser_on and not device.tec_on
    interop_report(client, "emergency stop sequence")


def test_anplab_driver_over_the_socket(controller, interop_report):
    client = "anplab ThorlabsCLD1015 over pyvisa-py"
    cld = ThorlabsCLD1015(controller.resource, visa_library="@py")
    try:
        assert cld.id.startswith("THORLABS,CLD1015")
        cld.tec_enabled = True
        cld.current_setpoint = 0.3
        cld.laser_enabled = True
        assert cld.laser_enabled and cld.laser_current == pytest.approx(0.3)
        assert cld.protection == Protection(0)
        controller.device.world.trip_interlock(controller.device.name)
        assert cld.protection == Protection.INTERLOCK and not cld.laser_enabled
        interop_report(client, "laser on, protection register, interlock trip")
        assert cld.check_errors() == []
        interop_report(client, "error queue")
    finally:
        cld.adapter.close()
