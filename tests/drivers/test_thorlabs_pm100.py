"""Thorlabs PM100 driver: the bytes it exchanges (pymeasure expected_protocol)."""

import pytest
from pymeasure.test import expected_protocol

from anplab.drivers.thorlabs_pm100 import (
    SensorType,
    ThorlabsPM100,
    ThorlabsPMError,
    ThorlabsPMReplyError,
    parse_sensor_idn,
)

# The same S122C head as older (bare) and newer (quoted) firmware report it.
PLAIN_IDN = ("SYST:SENSOR:IDN?", "S122C,0190311203,18-Mar-2019,1,18,289")
QUOTED_IDN = ("SYST:SENSOR:IDN?", '"S122C","0190311203","18-Mar-2019",1,18,289')
# A PM100D2-style reply: quoted, and flags in the extended layout (bit 31 set).
EXTENDED_IDN = ("SYST:SENSOR:IDN?", '"S130C","210921324","21-SEP-2021",1,3,2147484069')
RANGE = [("SENS:CORR:WAV? MIN", "7.000000E+02"), ("SENS:CORR:WAV? MAX", "1.800000E+03")]
INIT = [QUOTED_IDN, *RANGE]
NO_ERROR = ("SYST:ERR?", '0,"No error"')


@pytest.mark.parametrize("idn", [PLAIN_IDN, QUOTED_IDN], ids=["plain", "quoted"])
def test_both_sensor_idn_styles_identify_the_same_head(idn):
    with expected_protocol(ThorlabsPM100, [idn, *RANGE]) as meter:
        assert meter.sensor_name == "S122C"
        assert meter.sensor_sn == "0190311203"  # a string, leading zero kept
        assert meter.sensor_cal_msg == "18-Mar-2019"
        assert meter.sensor_type == SensorType.PHOTODIODE and meter.sensor_subtype == 18
        assert meter.sensor_flags == 289 and not meter.sensor.extended_flags
        assert meter.is_power_sensor and not meter.is_energy_sensor
        assert meter.wavelength_settable and meter.has_temperature_sensor
        assert not meter.response_settable and not meter.tau_settable
        assert meter.wavelength_range == (700.0, 1800.0)


def test_extended_flag_layout_is_read_by_its_own_bits():
    with expected_protocol(ThorlabsPM100, [EXTENDED_IDN, ("SENS:CORR:WAV? MIN", "400"),
                                           ("SENS:CORR:WAV? MAX", "1100")]) as meter:
        assert meter.sensor_name == "S130C" and meter.sensor_sn == "210921324"
        assert meter.sensor.extended_flags
        # 421 in the low bits: auto-ranging, wavelength, bandwidth, frequency, zeroing; no temperature.
        assert meter.is_power_sensor  # from the photodiode type, not from bit 0
        assert meter.wavelength_settable
        assert not meter.has_temperature_sensor and not meter.is_energy_sensor
        assert meter.wavelength_range == (400.0, 1100.0)


def test_thermopile_classic_flags():
    with expected_protocol(ThorlabsPM100, [("SYST:SENSOR:IDN?", "S302C,20110501,05-Nov-2020,2,18,369"),
                                           ("SENS:CORR:WAV? MIN", "190"), ("SENS:CORR:WAV? MAX", "25000")]) as meter:
        assert meter.sensor_type == SensorType.THERMOPILE
        assert meter.response_settable and meter.tau_settable and meter.wavelength_settable


def test_no_sensor_and_garbled_identification_raise():
    with pytest.raises(OSError, match="No sensor"):
        with expected_protocol(ThorlabsPM100, [("SYST:SENSOR:IDN?", '"no sensor","","",0,0,0')]):
            pass
    with pytest.raises(ValueError, match="unexpected sensor identification"):
        with expected_protocol(ThorlabsPM100, [("SYST:SENSOR:IDN?", "S122C,123")]):
            pass


def test_parser_keeps_a_comma_inside_a_quoted_field():
    info = parse_sensor_idn('"S121C","13062901","29-Jun-2013, adj.",1,18,289')
    assert info.calibration == "29-Jun-2013, adj." and info.flags == 289


def test_wavelength_get_and_set_checks_errors():
    with expected_protocol(ThorlabsPM100, [*INIT, ("SENS:CORR:WAV?", "1.550000E+03"),
                                           ("SENS:CORR:WAV 1064", None), NO_ERROR]) as meter:
        assert meter.wavelength == 1550.0
        meter.wavelength = 1064


def test_wavelength_outside_the_head_range_never_reaches_the_wire():
    with expected_protocol(ThorlabsPM100, INIT) as meter:
        with pytest.raises(ValueError):
            meter.wavelength = 532
        with pytest.raises(ValueError):
            meter.wavelength = 2000


def test_refused_setting_raises_with_the_console_error():
    with expected_protocol(ThorlabsPM100, [*INIT, ("SENS:CORR:WAV 1064", None),
                                           ("SYST:ERR?", '-222,"Data out of range"'), NO_ERROR]) as meter:
        with pytest.raises(ThorlabsPMError, match="-222"):
            meter.wavelength = 1064


def test_fixed_wavelength_head_refuses_before_the_wire():
    with expected_protocol(ThorlabsPM100, [("SYST:SENSOR:IDN?", '"S401C","1234","01-Jan-2020",2,2,1')]) as meter:
        assert meter.wavelength_range is None
        with pytest.raises(AttributeError, match="does not allow setting the wavelength"):
            meter.wavelength = 1064


def test_head_swap_rereads_identification_and_range():
    with expected_protocol(ThorlabsPM100, [*INIT, ("SYST:SENSOR:IDN?", '"S120C","1","1-Jan-2020",1,18,289'),
                                           ("SENS:CORR:WAV? MIN", "400"), ("SENS:CORR:WAV? MAX", "1100")]) as meter:
        meter.configure_sensor()
        assert meter.sensor_name == "S120C" and meter.wavelength_range == (400.0, 1100.0)
        with pytest.raises(ValueError):
            meter.wavelength = 1550


def test_averaging_count():
    with expected_protocol(ThorlabsPM100, [*INIT, ("SENS:AVER:COUN?", "1"),
                                           ("SENS:AVER:COUN 100", None), NO_ERROR]) as meter:
        assert meter.averaging_count == 1
        meter.averaging_count = 100
        with pytest.raises(ValueError):
            meter.averaging_count = 0


def test_power_unit_and_auto_range():
    with expected_protocol(ThorlabsPM100, [*INIT, ("SENS:POW:UNIT?", "DBM"), ("SENS:POW:UNIT W", None), NO_ERROR,
                                           ("SENS:POW:RANG:AUTO?", "1"), ("SENS:POW:RANG:AUTO 0", None),
                                           NO_ERROR]) as meter:
        assert meter.power_unit == "DBM"
        meter.power_unit = "W"
        with pytest.raises(ValueError):
            meter.power_unit = "mW"
        assert meter.auto_range is True
        meter.auto_range = False


def test_power_zero_and_identification():
    with expected_protocol(ThorlabsPM100, [*INIT, ("MEAS:POW?", "1.234560E-03"), ("SENS:CORR:COLL:ZERO", None),
                                           ("*IDN?", "Thorlabs,PM100D,P0012345,2.8.0")]) as meter:
        assert meter.power == pytest.approx(1.23456e-3)
        meter.zero()
        assert meter.id == "Thorlabs,PM100D,P0012345,2.8.0"


@pytest.mark.parametrize("reply", ["1.2345", "1.234560E-", "1.234560E-0", "", "1.2#4560E-03"])
def test_a_reading_cut_short_or_garbled_is_refused_not_misread(reply):
    # "1.2345" is "1.234560E-03" cut short: read as a number it would be a thousand times too large.
    with expected_protocol(ThorlabsPM100, [*INIT, ("MEAS:POW?", reply)]) as meter:
        with pytest.raises(ThorlabsPMReplyError, match="not a complete NR3 number"):
            meter.power


def test_a_pyroelectric_head_does_not_read_power():
    with expected_protocol(ThorlabsPM100, [("SYST:SENSOR:IDN?", '"ES111C","1","1-Jan-2020",3,1,2')]) as meter:
        assert meter.is_energy_sensor and not meter.is_power_sensor
        with pytest.raises(AttributeError, match="not a power sensor"):
            meter.power


def test_error_queue():
    with expected_protocol(ThorlabsPM100, [*INIT, ("SYST:ERR?", '-113,"Undefined header"'),
                                           ("SYST:ERR?", '-113,"Undefined header"'), NO_ERROR]) as meter:
        assert meter.next_error == (-113, "Undefined header")
        assert meter.check_errors() == [(-113, "Undefined header")]


@pytest.mark.parametrize("quantity, keyword", [
    ("current", "CURR"), ("voltage", "VOLT"), ("power_density", "PDEN"), ("frequency", "FREQ"),
    ("sensor_temperature", "TEMP"),
])
def test_every_measure_query(quantity, keyword):
    with expected_protocol(ThorlabsPM100, [*INIT, (f"MEAS:{keyword}?", "1.250000E-04")]) as meter:
        assert getattr(meter, quantity) == pytest.approx(1.25e-4)


def test_energy_only_on_energy_heads():
    with expected_protocol(ThorlabsPM100, INIT) as meter:
        with pytest.raises(AttributeError, match="not an energy sensor"):
            meter.energy
    with expected_protocol(ThorlabsPM100, [("SYST:SENSOR:IDN?", '"ES111C","1","1-Jan-2020",3,1,2'),
                                           ("MEAS:ENER?", "2.500000E-06")]) as meter:
        assert meter.energy == pytest.approx(2.5e-6)


def test_configure_initiate_fetch_read_abort():
    with expected_protocol(ThorlabsPM100, [*INIT, ("CONF:CURR", None), ("CONF?", "CURR"), ("INIT", None),
                                           ("FETC?", "3.000000E-05"), ("READ?", "3.100000E-05"),
                                           ("ABOR", None), ("FETC?", "3.0")]) as meter:
        meter.configure("current")
        assert meter.configuration == "CURR"
        meter.initiate()
        assert meter.fetch() == pytest.approx(3e-5)
        assert meter.read_new() == pytest.approx(3.1e-5)
        meter.abort()
        with pytest.raises(ThorlabsPMReplyError):
            meter.fetch()
        with pytest.raises(KeyError):
            meter.configure("colour")


@pytest.mark.parametrize("name, get, set_, reply, value, sent", [
    ("power_range", "SENS:POW:RANG:UPP?", "SENS:POW:RANG:UPP", "5.000000E-03", 5e-3, "0.001"),
    ("current_range", "SENS:CURR:RANG:UPP?", "SENS:CURR:RANG:UPP", "5.000000E-03", 5e-3, "5e-05"),
    ("beam_diameter", "SENS:CORR:BEAM?", "SENS:CORR:BEAM", "9.500000E+00", 9.5, "2.5"),
    ("attenuation", "SENS:CORR:LOSS:INP:MAGN?", "SENS:CORR:LOSS:INP:MAGN", "0.000000E+00", 0.0, "20"),
    ("photodiode_response", "SENS:CORR:POW:PDI:RESP?", "SENS:CORR:POW:PDI:RESP", "6.800000E-01", 0.68, "0.7"),
    ("power_reference", "SENS:POW:REF?", "SENS:POW:REF", "0.000000E+00", 0.0, "0.001"),
    ("accelerator_tau", "INP:THER:ACC:TAU?", "INP:THER:ACC:TAU", "1.000000E+00", 1.0, "2"),
])
def test_numeric_settings(name, get, set_, reply, value, sent):
    with expected_protocol(ThorlabsPM100, [*INIT, (get, reply), (f"{set_} {sent}", None), NO_ERROR]) as meter:
        assert getattr(meter, name) == pytest.approx(value)
        setattr(meter, name, float(sent))


@pytest.mark.parametrize("name, command", [
    ("power_reference_enabled", "SENS:POW:REF:STAT"), ("bandwidth_limited", "INP:PDI:FILT:LPAS:STAT"),
    ("accelerator_enabled", "INP:THER:ACC:STAT"),
])
def test_boolean_settings(name, command):
    with expected_protocol(ThorlabsPM100, [*INIT, (f"{command}?", "0"), (f"{command} 1", None), NO_ERROR]) as meter:
        assert getattr(meter, name) is False
        setattr(meter, name, True)
        with pytest.raises(ValueError):
            setattr(meter, name, "yes")


def test_line_frequency_and_calibration():
    with expected_protocol(ThorlabsPM100, [*INIT, ("SYST:LFR?", "50"), ("SYST:LFR 60", None), NO_ERROR,
                                           ("CAL:STR?", '"Cal. 18-Mar-2019"')]) as meter:
        assert meter.line_frequency == 50
        meter.line_frequency = 60
        with pytest.raises(ValueError):
            meter.line_frequency = 55
        assert meter.calibration == "Cal. 18-Mar-2019"


def test_zero_adjustment():
    with expected_protocol(ThorlabsPM100, [*INIT, ("SENS:CORR:COLL:ZERO", None), ("SENS:CORR:COLL:ZERO:STAT?", "1"),
                                           ("SENS:CORR:COLL:ZERO:ABOR", None),
                                           ("SENS:CORR:COLL:ZERO", None), ("*OPC?", "1"),
                                           ("SENS:CORR:COLL:ZERO:MAGN?", "2.100000E-09")]) as meter:
        meter.zero()
        assert meter.zeroing is True
        meter.abort_zero()
        assert meter.zero_and_wait() == pytest.approx(2.1e-9)


def test_status_registers():
    from anplab.drivers.scpi_status import StandardEvent, StatusByte
    from anplab.drivers.thorlabs_pm100 import OperationStatus, QuestionableStatus

    with expected_protocol(ThorlabsPM100, [*INIT, ("*ESR?", "48"), ("*STB?", "12"), ("STAT:OPER:COND?", "512"),
                                           ("STAT:OPER?", "768"), ("STAT:QUES:COND?", "8"), ("STAT:QUES?", "0"),
                                           ("STAT:OPER:ENAB 512", None), ("STAT:QUES:ENAB?", "8"),
                                           ("SYST:ERR:COUN?", "2")]) as meter:
        assert meter.standard_event_status == StandardEvent.COMMAND_ERROR | StandardEvent.EXECUTION_ERROR
        assert meter.status_byte == StatusByte.ERROR_QUEUE | StatusByte.QUESTIONABLE
        assert meter.operation_condition == OperationStatus.READING_READY
        assert meter.operation_event == OperationStatus.READING_READY | OperationStatus.ZEROING
        assert meter.questionable_condition == QuestionableStatus.POWER
        assert meter.questionable_event == QuestionableStatus(0)
        meter.operation_enable = 512
        assert meter.questionable_enable == 8
        assert meter.error_count == 2
