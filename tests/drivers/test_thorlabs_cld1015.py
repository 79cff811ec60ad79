"""Thorlabs CLD1015 driver: the bytes it exchanges (pymeasure expected_protocol)."""

import pytest
from pymeasure.adapters import ProtocolAdapter
from pymeasure.instruments import instrument as instrument_module
from pymeasure.test import expected_protocol

from anplab.drivers.thorlabs_cld1015 import ThorlabsCLD1015


def test_connection_settings(monkeypatch):
    """USB-TMC messages end with a line feed both ways."""
    seen = {}

    class RecordingAdapter(ProtocolAdapter):
        def __init__(self, resource, **kwargs):
            seen.update(kwargs, resource=resource)
            super().__init__([])

    monkeypatch.setattr(instrument_module, "VISAAdapter", RecordingAdapter)
    ThorlabsCLD1015("USB0::0x1313::0x804F::M00123456::INSTR")
    assert seen["resource"] == "USB0::0x1313::0x804F::M00123456::INSTR"
    assert seen["read_termination"] == "\n" and seen["write_termination"] == "\n"
    assert seen["timeout"] == 2000


def test_current_setpoint_get_and_set():
    with expected_protocol(
        ThorlabsCLD1015, [("SOUR1:CURR?", "3.500000E-01"), ("SOUR1:CURR 0.25", None)]
    ) as cld:
        assert cld.current_setpoint == 0.35
        cld.current_setpoint = 0.25


def test_current_limit_get_and_set():
    with expected_protocol(
        ThorlabsCLD1015, [("SOUR1:CURR:LIM?", "1.200000E+00"), ("SOUR1:CURR:LIM 0.8", None)]
    ) as cld:
        assert cld.current_limit == 1.2
        cld.current_limit = 0.8


@pytest.mark.parametrize("name, value", [
    ("current_setpoint", 1.6), ("current_setpoint", -0.1),
    ("current_limit", 2.0), ("current_limit", -1e-3),
    ("temperature_setpoint", 14.0), ("temperature_setpoint", 46.0),
])
def test_out_of_range_settings_never_reach_the_wire(name, value):
    with expected_protocol(ThorlabsCLD1015, []) as cld:
        with pytest.raises(ValueError):
            setattr(cld, name, value)


def test_laser_output_get_and_set():
    with expected_protocol(
        ThorlabsCLD1015,
        [("OUTP1:STAT?", "0"), ("OUTP1:STAT?", "1"), ("OUTP1:STAT 1", None), ("OUTP1:STAT 0", None)],
    ) as cld:
        assert cld.laser_enabled is False
        assert cld.laser_enabled is True
        cld.laser_enabled = True
        cld.laser_enabled = False


def test_tec_output_get_and_set():
    with expected_protocol(
        ThorlabsCLD1015, [("OUTP2:STAT?", "1"), ("OUTP2:STAT 1", None), ("OUTP2:STAT 0", None)]
    ) as cld:
        assert cld.tec_enabled is True
        cld.tec_enabled = True
        cld.tec_enabled = False


def test_output_states_accept_only_booleans():
    with expected_protocol(ThorlabsCLD1015, []) as cld:
        with pytest.raises(ValueError):
            cld.laser_enabled = "maybe"
        with pytest.raises(ValueError):
            cld.tec_enabled = 2


def test_temperature_setpoint_get_and_set():
    with expected_protocol(
        ThorlabsCLD1015, [("SOUR2:TEMP:SPO?", "2.500000E+01"), ("SOUR2:TEMP:SPO 30.5", None)]
    ) as cld:
        assert cld.temperature_setpoint == 25.0
        cld.temperature_setpoint = 30.5


def test_measurements():
    with expected_protocol(
        ThorlabsCLD1015,
        [
            ("MEAS:CURR?", "6.314290E-01"),
            ("MEAS:VOLT?", "1.607715E+00"),
            ("MEAS:CURR2?", "3.998456E-04"),
            ("MEAS:POW2?", "1.999228E-01"),
            ("MEAS:TEMP?", "2.499618E+01"),
        ],
    ) as cld:
        assert cld.laser_current == pytest.approx(0.631429)
        assert cld.laser_voltage == pytest.approx(1.607715)
        assert cld.photodiode_current == pytest.approx(3.998456e-4)
        assert cld.photodiode_power == pytest.approx(0.1999228)
        assert cld.temperature == pytest.approx(24.99618)


def test_protection_queries():
    with expected_protocol(
        ThorlabsCLD1015,
        [
            ("OUTP1:PROT:KEYL:TRIP?", "1"),
            ("OUTP1:PROT:KEYL:TRIP?", "0"),
            ("OUTP1:PROT:INTL:TRIP?", "1"),
            ("OUTP1:PROT:INTL:TRIP?", "0"),
            ("OUTP1:PROT:OTEM:TRIP?", "0"),
        ],
    ) as cld:
        assert cld.keylock_tripped is True
        assert cld.keylock_tripped is False
        assert cld.interlock_tripped is True
        assert cld.interlock_tripped is False
        assert cld.overtemperature_tripped is False


def test_identification_and_status_commands():
    with expected_protocol(
        ThorlabsCLD1015,
        [
            ("*IDN?", "THORLABS,CLD1015,M00123456,1.3.0"),
            ("*OPC?", "1"),
            ("*STB?", "0"),
            ("*CLS", None),
            ("*RST", None),
        ],
    ) as cld:
        assert cld.id == "THORLABS,CLD1015,M00123456,1.3.0"
        assert cld.complete == "1"
        assert cld.status == "0"
        cld.clear()
        cld.reset()


def test_error_queue():
    with expected_protocol(
        ThorlabsCLD1015,
        [
            ("SYST:ERR?", '+0,"No error"'),
            ("SYST:ERR?", '-222,"Data out of range"'),
            ("SYST:ERR?", '-113,"Undefined header"'),
            ("SYST:ERR?", '+0,"No error"'),
        ],
    ) as cld:
        assert cld.next_error == [0, '"No error"']
        assert cld.check_errors() == [[-222, '"Data out of range"'], [-113, '"Undefined header"']]


def test_protection_register_and_trips():
    from anplab.drivers.thorlabs_cld1015 import Protection

    with expected_protocol(ThorlabsCLD1015, [
        ("STAT:MEAS:COND?", "5"), ("STAT:MEAS?", "4"), ("OUTP1:PROT:VOLT:TRIP?", "1"),
        ("SOUR1:CURR:LIM:TRIP?", "0"),
    ]) as cld:
        assert cld.protection == Protection.KEYLOCK | Protection.INTERLOCK
        assert cld.protection_events == Protection.INTERLOCK
        assert cld.compliance_tripped is True
        assert cld.current_limit_tripped is False


@pytest.mark.parametrize("name, get, set_, reply, value, new, sent", [
    ("operating_mode", "SOUR1:FUNC:MODE?", "SOUR1:FUNC:MODE", "CURR", "current", "power", "POW"),
    ("power_setpoint", "SOUR1:POW?", "SOUR1:POW", "1.000000E-02", 0.01, 0.02, "0.02"),
    ("modulation_enabled", "SOUR1:AM:STAT?", "SOUR1:AM:STAT", "0", False, True, "1"),
    ("modulation_source", "SOUR1:AM:SOUR?", "SOUR1:AM:SOUR", "INT", "internal", "external", "EXT"),
    ("modulation_depth", "SOUR1:AM:INT?", "SOUR1:AM:INT", "5.000000E+01", 50.0, 20.0, "20"),
    ("modulation_frequency", "SOUR1:AM:INT:FREQ?", "SOUR1:AM:INT:FREQ", "1.000000E+03", 1000.0, 250.0, "250"),
    ("modulation_shape", "SOUR1:AM:INT:SHAP?", "SOUR1:AM:INT:SHAP", "SIN", "sine", "square", "SQU"),
    ("polarity", "OUTP1:POL?", "OUTP1:POL", "CG", "CG", "AG", "AG"),
    ("temperature_low_limit", "SOUR2:TEMP:LIM:LOW?", "SOUR2:TEMP:LIM:LOW", "1.500000E+01", 15.0, 20.0, "20"),
    ("temperature_high_limit", "SOUR2:TEMP:LIM:HIGH?", "SOUR2:TEMP:LIM:HIGH", "4.500000E+01", 45.0, 40.0, "40"),
    ("temperature_unit", "UNIT:TEMP?", "UNIT:TEMP", "CEL", "CEL", "K", "K"),
    ("monitor_responsivity", "SENS1:CORR:POW:PDI:RESP?", "SENS1:CORR:POW:PDI:RESP", "2.000000E-03", 2e-3,
     3e-3, "0.003"),
])
def test_settings(name, get, set_, reply, value, new, sent):
    with expected_protocol(ThorlabsCLD1015, [(get, reply), (f"{set_} {sent}", None)]) as cld:
        assert getattr(cld, name) == value
        setattr(cld, name, new)


def test_settings_outside_their_sets_never_reach_the_wire():
    with expected_protocol(ThorlabsCLD1015, []) as cld:
        for name, value in [("operating_mode", "voltage"), ("modulation_shape", "saw"), ("polarity", "XG"),
                            ("temperature_unit", "R"), ("modulation_depth", 120), ("temperature_low_limit", 5)]:
            with pytest.raises(ValueError):
                setattr(cld, name, value)


def test_status_and_error_count():
    from anplab.drivers.scpi_status import StandardEvent, StatusByte

    with expected_protocol(ThorlabsCLD1015, [("*ESR?", "16"), ("*STB?", "4"), ("STAT:OPER:COND?", "3"),
                                             ("SYST:ERR:COUN?", "1")]) as cld:
        assert cld.standard_event_status == StandardEvent.EXECUTION_ERROR
        assert cld.status_byte == StatusByte.ERROR_QUEUE
        assert cld.operation_condition == 3
        assert cld.error_count == 1
