"""qcodes-contrib-drivers' Montana Cryostation driver, unmodified, against the served simulated Cryostation
(raw TCP socket, length-prefixed messages, as the driver talks to the real software on port 7773)."""

import pytest


def test_qcodes_contrib_cryostation_every_parameter(serve, interop_report):
    pytest.importorskip("qcodes_contrib_drivers")
    from qcodes_contrib_drivers.drivers.MontanaInstruments.cryostation import MontanaInstruments_Cryostation

    served = serve("montana_cryostation", "temperature_controller")
    host, port = served.resource.split("::")[1:3]
    client = "qcodes-contrib MontanaInstruments_Cryostation"
    cryo = MontanaInstruments_Cryostation("cryostation_interop", address=host, port=int(port), timeout=2)
    try:
        # *IDN? is not a Cryostation command: the software says so, and the driver's parser copes.
        assert cryo.ask(cryo._parse_command("*IDN?")) == "23Error: Invalid command."
        cryo.get_idn()
        interop_report(client, "IDN", "client issue: asks *IDN?, which the software answers 'Error: Invalid "
                       "command.'; get_idn returns no identity")
        readings = {name: getattr(cryo, name)() for name in (
            "temp_sample", "temp_platform", "temp_stage1", "temp_stage2", "power_heater_platform",
            "power_heater_stage1", "temp_stability")}
        assert readings["temp_platform"] == pytest.approx(295.0, abs=1.0)
        assert readings["temp_stage1"] == -0.1 and readings["power_heater_stage1"] == -0.1  # not available
        for name, value in readings.items():
            interop_report(client, name, f"ok {value!r}")
        cryo.temp_setpoint(120.0)
        assert cryo.temp_setpoint() == 120.0
        interop_report(client, "temp_setpoint (set, get)", "ok")
        cryo.stop_automation()
        cryo.start_cooldown()
        cryo.standby()
        cryo.start_warmup()
        assert served.device.state == "warmup"
        interop_report(client, "stop_automation, start_cooldown, standby, start_warmup", "ok")
    finally:
        cryo.close()
