"""pymeasure's MercuryiTC, unmodified, against the served simulated Mercury iTC: every sensor and
heater property (the sensor voltage included, which used to come back INVALID)."""

import pytest
import pyvisa

SENSOR_READS = ("temperature", "voltage", "control_loop_PID_enabled", "control_loop_P", "control_loop_I",
                "control_loop_D", "control_loop_temperature_setpoint", "control_loop_heater_percent",
                "control_loop_ramp_rate", "control_loop_ramp_enabled")
SENSOR_WRITES = {"control_loop_P": 6.0, "control_loop_I": 0.5, "control_loop_D": 0.1,
                 "control_loop_temperature_setpoint": 150.0, "control_loop_ramp_rate": 3.0,
                 "control_loop_ramp_enabled": True, "control_loop_PID_enabled": False,
                 "control_loop_heater_percent": 20.0}  # a manual percentage reads back with the loop off
HEATER_READS = ("voltage", "current", "power", "voltage_limit", "resistance", "max_power")
HEATER_WRITES = {"voltage_limit": 12.5, "resistance": 50.0}


def test_pymeasure_mercury_itc_every_property(serve, interop_report):
    from pymeasure.instruments.oxfordinstruments import MercuryiTC

    served = serve("mercury_itc", "temperature_controller")
    client = "pymeasure MercuryiTC"
    itc = MercuryiTC(served.resource, visa_library="@py", timeout=1000)
    try:
        assert itc.identity.startswith("IDN:OXFORD INSTRUMENTS:MERCURY ITC")
        interop_report(client, "identity", "ok")
        for name in SENSOR_READS:
            value = getattr(itc.TS_MB, name)
            assert not isinstance(value, str), f"{name} came back as text {value!r}"
            interop_report(client, f"TS_MB.{name}", f"ok {value!r}")
        assert 0.4 < itc.TS_MB.voltage < 0.6  # volts: the iTC answers in mV, pymeasure scales
        for name, value in SENSOR_WRITES.items():
            setattr(itc.TS_MB, name, value)
            assert getattr(itc.TS_MB, name) == pytest.approx(value), name
            interop_report(client, f"TS_MB.{name} (set)", "ok, read back")
        for name in HEATER_READS:
            value = getattr(itc.HTR_MB, name)
            assert isinstance(value, float), f"{name} came back as {value!r}"
            interop_report(client, f"HTR_MB.{name}", f"ok {value!r}")
        for name, value in HEATER_WRITES.items():
            setattr(itc.HTR_MB, name, value)
            assert getattr(itc.HTR_MB, name) == value
            interop_report(client, f"HTR_MB.{name} (set)", "ok, read back")
        itc.add_temperature_sensor("DB6.T1")
        assert itc.TS["DB6.T1"].temperature == pytest.approx(295.0, abs=1.0)
        interop_report(client, "TS[DB6.T1].temperature", "ok")
        assert served.device.loop.setpoint.target_k == 150.0 and served.device.resistance == 50.0
    finally:
        itc.adapter.close()
        pyvisa.ResourceManager("@py").close()
