"""Clients of the Newport 2936-R against the served simulated meter.

No third-party Python driver of the 1936-R / 2936-R is on PyPI; what the
manual's own examples send is replayed over pyvisa-py as a terminal or
LabVIEW VI would send it (CR after each command; the meter answers with
CR LF), and anplab's driver runs over the same socket.
"""

from __future__ import annotations

import time

import pytest

from anplab.drivers.newport_2936r import Newport2936R


@pytest.fixture
def meter(serve):
    return serve("newport_2936r", "power_meter", {"channel": 1, "wavelength_nm": 810})


@pytest.fixture
def session(meter):
    pyvisa = pytest.importorskip("pyvisa")
    resource = pyvisa.ResourceManager("@py").open_resource(meter.resource, read_termination="\r\n",
                                                           write_termination="\r", timeout=2000)
    yield resource
    resource.close()


def test_the_manuals_examples(meter, session, interop_report):
    client = "Newport manual examples over pyvisa-py"
    assert session.query("*IDN?").startswith("NEWPORT 2936-R ")
    interop_report(client, "*IDN?")
    reply = session.query("PM:P?;PM:ATT?;PM:L?;ERR?")  # the manual's concatenation example
    power, attenuator, wavelength, errors = reply.split(",")
    float(power)
    assert (attenuator, wavelength, errors) == ("1", "810", "0")
    interop_report(client, "PM:P?;PM:ATT?;PM:L?;ERR? (replies joined by commas)")
    session.write("PM:CHAN 2")
    assert session.query("PM:CHAN?") == "2"
    session.write("PM:CHAN 1")
    interop_report(client, "channel select (PM:CHANnel)")
    session.write("PM:UNITS 6")
    assert session.query("PM:UNITS?") == "6"
    session.write("PM:UNITS 2")
    interop_report(client, "units (PM:UNITs)")
    session.write("PM:Lambda 1064")
    assert session.query("PM:L?") == "1064" and meter.device.channel.wavelength_nm == 1064
    interop_report(client, "wavelength (PM:Lambda, PM:L?)")
    session.write("PM:DS:CLEAR;PM:DS:SIZE 10;PM:DS:INTERVAL 1;PM:DS:ENABLE 1")
    session.query("*IDN?")
    time.sleep(0.05)  # 500 readings of the 0.1 ms acquisition: more than the store holds
    assert session.query("PM:DS:COUNT?") == "10"
    values = [float(session.query("PM:DS:GET? 1-3"))] + [float(session.read()) for _ in range(2)]
    assert len(values) == 3
    interop_report(client, "data store fill and read (PM:DS:*)")
    session.write("PM:BOGUS 1")
    assert session.query("ERRSTR?") == "100, COMMAND NOT RECOGNIZED"
    interop_report(client, "error text (ERRSTR?)")


def test_anplab_driver_over_the_socket(meter, interop_report):
    client = "anplab Newport2936R over pyvisa-py"
    driver = Newport2936R(meter.resource, visa_library="@py")
    try:
        assert driver.id.startswith("NEWPORT 2936-R")
        driver.wavelength = 1310
        assert driver.wavelength == 1310
        driver.units = "dBm"
        assert driver.units == "dBm"
        assert driver.detector_model == "918D-IR-OD3R" and driver.attenuator is True
        assert driver.channel_status[0].detector_present
        interop_report(client, "identify, wavelength, units, detector, channel status")
        assert driver.check_errors() == []
        interop_report(client, "error codes (ERR?)")
    finally:
        driver.adapter.close()
