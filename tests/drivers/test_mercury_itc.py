"""Mercury iTC driver: the bytes it exchanges, and refusals turned into errors (expected_protocol)."""

import pytest
from pymeasure.test import expected_protocol

from anplab.drivers.mercury_itc import MercuryITC, MercuryITCError, MercuryTemperatureSensor

LOOP = "DEV:MB1.T1:TEMP:LOOP"


def test_identity_and_catalogue():
    with expected_protocol(MercuryITC, [
        ("*IDN?", "IDN:OXFORD INSTRUMENTS:MERCURY ITC:232150255:2.6.04.000"),
        ("READ:SYS:CAT", "STAT:SYS:CAT:DEV:MB1.T1:TEMP:DEV:DB6.T1:TEMP:DEV:MB0.H1:HTR"),
    ]) as itc:
        assert itc.identity.startswith("IDN:OXFORD INSTRUMENTS:MERCURY ITC")
        assert itc.catalogue == [("MB1.T1", "TEMP"), ("DB6.T1", "TEMP"), ("MB0.H1", "HTR")]


def test_temperature_and_setpoint():
    with expected_protocol(MercuryITC, [
        ("READ:DEV:MB1.T1:TEMP:SIG:TEMP", "STAT:DEV:MB1.T1:TEMP:SIG:TEMP:77.0123K"),
        (f"READ:{LOOP}:TSET", f"STAT:{LOOP}:TSET:77.0000K"),
        (f"SET:{LOOP}:TSET:300", f"STAT:SET:{LOOP}:TSET:300:VALID"),
    ]) as itc:
        assert itc.TS_MB.temperature == 77.0123
        assert itc.TS_MB.control_loop_temperature_setpoint == 77.0
        itc.TS_MB.control_loop_temperature_setpoint = 300


def test_a_refused_set_raises():
    with expected_protocol(MercuryITC, [
        (f"SET:{LOOP}:TSET:900", f"STAT:SET:{LOOP}:TSET:900:INVALID"),
        ("SET:DEV:MB0.H1:HTR:VLIM:30", "STAT:SET:DEV:MB0.H1:HTR:VLIM:30:DENIED"),
    ]) as itc:
        with pytest.raises(MercuryITCError, match="INVALID"):
            itc.TS_MB.control_loop_temperature_setpoint = 900
        with pytest.raises(MercuryITCError, match="DENIED"):
            itc.HTR_MB.voltage_limit = 30


def test_a_refused_read_raises_instead_of_returning_a_string():
    with expected_protocol(MercuryITC, [
        ("READ:DEV:MB1.T1:TEMP:SIG:TEMP", "STAT:DEV:MB1.T1:TEMP:SIG:INVALID"),
        ("READ:DEV:DB9.T1:TEMP:SIG:TEMP", "STAT:DEV:DB9.T1:NOT_FOUND"),
        (f"READ:{LOOP}:P", f"STAT:{LOOP}:P:N/A"),
    ]) as itc:
        with pytest.raises(MercuryITCError):
            itc.TS_MB.temperature
        itc.add_temperature_sensor("DB9.T1")
        assert isinstance(itc.TS["DB9.T1"], MercuryTemperatureSensor)
        with pytest.raises(MercuryITCError, match="NOT_FOUND"):
            itc.TS["DB9.T1"].temperature
        with pytest.raises(MercuryITCError, match="N/A"):
            itc.TS_MB.control_loop_P


def test_ramp_rate_and_enable():
    with expected_protocol(MercuryITC, [
        (f"SET:{LOOP}:RSET:10", f"STAT:SET:{LOOP}:RSET:10:VALID"),
        (f"SET:{LOOP}:RENA:ON", f"STAT:SET:{LOOP}:RENA:ON:VALID"),
        (f"READ:{LOOP}:RSET", f"STAT:{LOOP}:RSET:10.0000K/m"),
        (f"READ:{LOOP}:RENA", f"STAT:{LOOP}:RENA:ON"),
    ]) as itc:
        itc.TS_MB.control_loop_ramp_rate = 10
        itc.TS_MB.control_loop_ramp_enabled = True
        assert itc.TS_MB.control_loop_ramp_rate == 10.0
        assert itc.TS_MB.control_loop_ramp_enabled is True


def test_loop_pid_enable_heater_percent_and_gains():
    with expected_protocol(MercuryITC, [
        (f"SET:{LOOP}:ENAB:ON", f"STAT:SET:{LOOP}:ENAB:ON:VALID"),
        (f"READ:{LOOP}:HSET", f"STAT:{LOOP}:HSET:37.0046"),
        (f"SET:{LOOP}:P:8", f"STAT:SET:{LOOP}:P:8:VALID"),
        (f"READ:{LOOP}:I", f"STAT:{LOOP}:I:0.3000"),
    ]) as itc:
        itc.TS_MB.control_loop_PID_enabled = True
        assert itc.TS_MB.control_loop_heater_percent == 37.0046
        itc.TS_MB.control_loop_P = 8
        assert itc.TS_MB.control_loop_I == 0.3


def test_loop_heater_assignment():
    with expected_protocol(MercuryITC, [
        (f"READ:{LOOP}:HTR", f"STAT:{LOOP}:HTR:MB0.H1"),
        (f"SET:{LOOP}:HTR:None", f"STAT:SET:{LOOP}:HTR:None:VALID"),
    ]) as itc:
        assert itc.TS_MB.control_loop_heater == "MB0.H1"
        itc.TS_MB.control_loop_heater = "None"


def test_heater_limit_power_and_validation():
    with expected_protocol(MercuryITC, [
        ("SET:DEV:MB0.H1:HTR:VLIM:12.6491", "STAT:SET:DEV:MB0.H1:HTR:VLIM:12.6491:VALID"),
        ("READ:DEV:MB0.H1:HTR:VLIM", "STAT:DEV:MB0.H1:HTR:VLIM:12.6491"),
        ("READ:DEV:MB0.H1:HTR:PMAX", "STAT:DEV:MB0.H1:HTR:PMAX:6.4000"),
        ("READ:DEV:MB0.H1:HTR:SIG:POWR", "STAT:DEV:MB0.H1:HTR:SIG:POWR:0.8760W"),
    ]) as itc:
        itc.HTR_MB.voltage_limit = 12.6491
        assert itc.HTR_MB.voltage_limit == 12.6491
        assert itc.HTR_MB.max_power == 6.4
        assert itc.HTR_MB.power == 0.876
        with pytest.raises(ValueError):
            itc.HTR_MB.voltage_limit = 41


def test_sensor_signals_in_si_units():
    with expected_protocol(MercuryITC, [
        ("READ:DEV:MB1.T1:TEMP:SIG:VOLT", "STAT:DEV:MB1.T1:TEMP:SIG:VOLT:529.8982mV"),
        ("READ:DEV:MB1.T1:TEMP:SIG:CURR", "STAT:DEV:MB1.T1:TEMP:SIG:CURR:10.0000uA"),
        ("READ:DEV:MB1.T1:TEMP:SIG:POWR", "STAT:DEV:MB1.T1:TEMP:SIG:POWR:5.2990uW"),
        ("READ:DEV:MB1.T1:TEMP:SIG:RES", "STAT:DEV:MB1.T1:TEMP:SIG:RES:52989.8200O"),
        ("READ:DEV:MB1.T1:TEMP:SIG:RES", "STAT:DEV:MB1.T1:TEMP:SIG:RES:INVALID"),
    ]) as itc:
        assert itc.TS_MB.voltage == pytest.approx(0.5298982)
        assert itc.TS_MB.current == pytest.approx(10e-6)
        assert itc.TS_MB.power == pytest.approx(5.299e-6)
        assert itc.TS_MB.resistance == pytest.approx(52989.82)
        with pytest.raises(MercuryITCError):
            itc.TS_MB.resistance


def test_sensor_and_heater_set_up():
    with expected_protocol(MercuryITC, [
        ("SET:DEV:MB1.T1:TEMP:NICK:Stage", "STAT:SET:DEV:MB1.T1:TEMP:NICK:Stage:VALID"),
        ("READ:DEV:MB1.T1:TEMP:NICK", "STAT:DEV:MB1.T1:TEMP:NICK:Stage"),
        ("READ:DEV:MB1.T1:TEMP:TYPE", "STAT:DEV:MB1.T1:TEMP:TYPE:DDE"),
        ("READ:DEV:MB1.T1:TEMP:CAL:HOTL", "STAT:DEV:MB1.T1:TEMP:CAL:HOTL:500.0000K"),
        (f"SET:{LOOP}:PIDT:OFF", f"STAT:SET:{LOOP}:PIDT:OFF:VALID"),
        (f"READ:{LOOP}:FAUT", f"STAT:{LOOP}:FAUT:OFF"),
        ("SET:DEV:MB0.H1:HTR:NICK:Main", "STAT:SET:DEV:MB0.H1:HTR:NICK:Main:VALID"),
    ]) as itc:
        itc.TS_MB.nickname = "Stage"
        assert itc.TS_MB.nickname == "Stage"
        assert itc.TS_MB.sensor_type == "DDE"
        assert itc.TS_MB.limits == 500.0
        itc.TS_MB.control_loop_PID_table = False
        assert itc.TS_MB.control_loop_flow_auto is False
        itc.HTR_MB.nickname = "Main"
        with pytest.raises(ValueError):
            itc.TS_MB.nickname = "a:b"
        with pytest.raises(ValueError):
            itc.TS_MB.sensor_type = "RTD"
