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
