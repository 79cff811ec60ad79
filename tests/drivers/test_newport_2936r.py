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


def test_detector_and_attenuator_information():
    with expected_protocol(Newport2936R, [("PM:DETSIZE?", "7.070000E-02"), ("PM:CALDATE?", "15JUN2023"),
                                          ("PM:CALTEMP?", "2.300000E+01"), ("PM:TEMP?", "2.460000E+01"),
                                          ("PM:RESP?", "6.870000E-04"), ("PM:MIN:P?", "1.000000E-10"),
                                          ("PM:MAX:P?", "2.000000E+00"), ("PM:ATTSN?", "A12345")]) as meter:
        assert meter.detector_size == pytest.approx(0.0707)
        assert meter.calibration_date == "15JUN2023"
        assert meter.calibration_temperature == 23.0 and meter.detector_temperature == 24.6
        assert meter.responsivity == pytest.approx(6.87e-4)
        assert (meter.power_min, meter.power_max) == (1e-10, 2.0)
        assert meter.attenuator_serial == "A12345"


@pytest.mark.parametrize("name, get, set_, reply, value, new, sent", [
    ("attenuator", "PM:ATT?", "PM:ATT", "1", True, False, "0"),
    ("range", "PM:RAN?", "PM:RAN", "3", 3, 5, "5"),
    ("mode", "PM:MODE?", "PM:MODE", "0", "DC continuous", "RMS", "7"),
    ("measurement_timeout", "PM:MEAS:TIMEOUT?", "PM:MEAS:TIMEOUT", "250", 250, 500, "500"),
    ("reference", "PM:REF:VAL?", "PM:REF:VAL", "0.000000E+00", 0.0, 0.001, "0.001"),
    ("zero_value", "PM:ZEROVAL?", "PM:ZEROVAL", "1.000000E-09", 1e-9, 0.0, "0"),
    ("spot_size", "PM:SPOTSIZE?", "PM:SPOTSIZE", "7.070000E-02", 0.0707, 0.5, "0.5"),
    ("data_store_size", "PM:DS:SIZE?", "PM:DS:SIZE", "10000", 10000, 100, "100"),
    ("data_store_interval", "PM:DS:INT?", "PM:DS:INT", "1", 1, 10, "10"),
    ("data_store_ring", "PM:DS:BUF?", "PM:DS:BUF", "0", False, True, "1"),
    ("data_store_enabled", "PM:DS:EN?", "PM:DS:EN", "0", False, True, "1"),
    ("beeper", "BEEP?", "BEEP", "1", True, False, "0"),
])
def test_settings_check_errors(name, get, set_, reply, value, new, sent):
    with expected_protocol(Newport2936R, [(get, reply), (f"{set_} {sent}", None), OK]) as meter:
        assert getattr(meter, name) == value
        setattr(meter, name, new)


def test_zero_data_store_and_channel_status():
    with expected_protocol(Newport2936R, [
        ("PM:ZEROSTO", None), OK, ("PM:DS:CL", None), OK, ("PM:DS:C?", "3"), ("PM:DS:UNITS?", "W"), ("PM:DS:C?", "3"),
        ("PM:DS:GET? 1-3", "1.000000E-03"), (None, "1.100000E-03"), (None, "1.200000E-03"),
        ("PM:DS:GET? 2-2", "1.100000E-03"),
        ("PM:PWS?", "1.000000E-03,508,0.000000E+00,100"),
        ("PM:FREQ?", "0.000000E+00"), ("ECHO?", "0"),
    ]) as meter:
        meter.zero()
        meter.clear_data_store()
        assert meter.data_store_count == 3 and meter.data_store_units == "W"
        assert meter.data_store_values() == [1e-3, 1.1e-3, 1.2e-3]
        assert meter.data_store_values(2, 2) == [1.1e-3]
        with pytest.raises(ValueError):
            meter.data_store_values(3, 2)
        a, b = meter.channel_status
        assert a.power == 1e-3 and a.units == "W" and a.range == 0 and a.detector_present and not a.over_range
        assert not b.detector_present and b.power == 0.0
        assert meter.frequency == 0.0 and meter.echo is False
