"""Newport 2936-R driver: the bytes it exchanges (pymeasure expected_protocol)."""

import pytest
from pymeasure.test import expected_protocol

from anplab.drivers.newport_2936r import Newport2936R, Newport2936RError

OK = ("ERR?", "0")


def test_identification_and_detector():
    with expected_protocol(Newport2936R, [("*IDN?", "NEWPORT 2936-R v1.2.4 06/19/14 SN20417"),
                                          ("PM:DETMODEL?", "918D-IR-OD3R"), ("PM:DETSN?", "12345")]) as meter:
        assert meter.id == "NEWPORT 2936-R v1.2.4 06/19/14 SN20417"
        assert meter.detector_model == "918D-IR-OD3R"
        assert meter.detector_serial == "12345"


def test_channel_get_and_set():
    with expected_protocol(Newport2936R, [("PM:CHAN?", "1"), ("PM:CHAN 2", None), OK]) as meter:
        assert meter.channel == 1
        meter.channel = 2
        with pytest.raises(ValueError):
            meter.channel = 3


def test_refused_setting_raises_with_the_error_codes():
    with expected_protocol(Newport2936R, [("PM:CHAN 2", None), ("ERR?", "100,102")]) as meter:
        with pytest.raises(Newport2936RError, match="100, 102") as raised:
            meter.channel = 2
        assert raised.value.codes == [100, 102]


def test_power_and_units():
    with expected_protocol(Newport2936R, [("PM:P?", "1.000038E-02"), ("PM:UNITS?", "6"),
                                          ("PM:UNITS 2", None), OK]) as meter:
        assert meter.power == pytest.approx(1.000038e-2)
        assert meter.units == "dBm"
        meter.units = "W"
        with pytest.raises(ValueError):
            meter.units = "mW"


def test_wavelength_and_detector_range():
    with expected_protocol(Newport2936R, [("PM:Lambda?", "1064"), ("PM:Lambda 1550", None), OK,
                                          ("PM:MIN:Lambda?", "780"), ("PM:MAX:Lambda?", "1800")]) as meter:
        assert meter.wavelength == 1064
        meter.wavelength = 1549.6  # the meter takes whole nanometres
        assert meter.wavelength_min == 780
        assert meter.wavelength_max == 1800
        with pytest.raises(ValueError):
            meter.wavelength = 0


def test_filters_and_ranging():
    with expected_protocol(Newport2936R, [
        ("PM:FILT?", "0"), ("PM:FILT 2", None), OK,
        ("PM:DIGITALFILTER?", "10"), ("PM:DIGITALFILTER 500", None), OK,
        ("PM:ANALOGFILTER?", "4"), ("PM:ANALOGFILTER 0", None), OK,
        ("PM:AUTO?", "1"), ("PM:AUTO 0", None), OK,
    ]) as meter:
        assert meter.filter_mode == "none"
        meter.filter_mode = "digital"
        assert meter.digital_filter == 10
        meter.digital_filter = 500
        with pytest.raises(ValueError):
            meter.digital_filter = 10_001
        assert meter.analog_filter == "5 Hz"
        meter.analog_filter = "off"
        assert meter.auto_range is True
        meter.auto_range = False


def test_error_queries():
    with expected_protocol(Newport2936R, [("ERR?", "0"), ("ERR?", "100"),
                                          ("ERRSTR?", "100, COMMAND NOT RECOGNIZED")]) as meter:
        assert meter.check_errors() == []
        assert meter.check_errors() == [100]
        assert meter.error_text == "100, COMMAND NOT RECOGNIZED"
