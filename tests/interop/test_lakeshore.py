"""Third-party Lake Shore clients, unmodified, against the served simulated 335 / 336 / 350.

* QCoDeS ``LakeshoreModel336``: construct, identify, get every parameter of every
  input and output, set the settable ones to what they read back.
* QCoDeS' bundled pyvisa-sim file for the 336: every query it lists is sent to the
  simulated 336, and the reply's shape (fields, each an integer, a number or text)
  is checked against the file's reply.
* pymeasure's ``LakeShore3xx`` (the family's class in pymeasure 0.16; it has no
  per-model classes for the 335/336/350): every input and output property on each model.

Where a client asks for something the manual says the instrument does not do,
the failure is the client's: each such case is listed with its reason, and the
test fails if it stops failing (so the list stays true).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import pyvisa
import yaml

LAKESHORE = "lakeshore_335_336_350"
ROLE = "temperature_controller"

#: QCoDeS LakeshoreModel336 parameters that fail against a 336 that follows its manual, and why.
QCODES_CLIENT_ISSUES = {
    **{f"output_{n}.output_type": "HTRSET group has the 335's five fields (output type first); the 336's "
       "HTRSET? answers four (resistance, max current, max user current, display)" for n in (1, 2)},
    **{f"output_{n}.output_type": "HTRSET applies to outputs 1 and 2 only; the client asks output {n}".format(n=n)
       for n in (3, 4)},
    **{f"output_{n}.output": "HTR? applies to the heater outputs 1 and 2 (AOUT? reads outputs 3 and 4)"
       for n in (3, 4)},
    **{f"{ch}.curve_name": "a disabled input has curve 0, and CRVHDR? 0 is not a curve" for ch in "CD"},
}


def _group_leader(parameter) -> str:
    """Group parameters share one command: report and test each group once, by its first member."""
    group = getattr(parameter, "group", None)
    return group.parameters and next(iter(group.parameters.values())).name if group else parameter.name


@pytest.fixture
def qcodes_336(serve):
    pytest.importorskip("qcodes")
    from qcodes.instrument_drivers.Lakeshore import LakeshoreModel336

    served = serve(LAKESHORE, ROLE, {"model": "336"})
    instrument = LakeshoreModel336("ls336_interop", served.resource, visalib="@py", timeout=0.5,
                                   device_clear=False)
    yield instrument, served
    instrument.close()
    pyvisa.ResourceManager("@py").close()


def test_qcodes_lakeshore_336_every_parameter(qcodes_336, interop_report):
    instrument, served = qcodes_336
    client = "qcodes LakeshoreModel336"
    idn = instrument.get_idn()
    assert idn["vendor"] == "LSCI" and idn["model"] == "336"
    interop_report(client, "IDN", "ok")
    failures = {}
    for submodule in [*(getattr(instrument, ch) for ch in "ABCD"),
                      *(getattr(instrument, f"output_{n}") for n in (1, 2, 3, 4))]:
        seen_groups = set()
        for name, parameter in submodule.parameters.items():
            if parameter.gettable is False or name in ("range_limits", "wait_cycle_time", "wait_tolerance",
                                                      "wait_equilibration_time", "blocking_t"):
                continue
            leader = _group_leader(parameter)
            if leader in seen_groups:
                continue
            seen_groups.add(leader)
            key = f"{submodule.short_name}.{leader}"
            group = getattr(parameter, "group", None)
            settable = parameter.settable and not (group is not None and group._set_cmd is None)
            try:
                value = parameter.get()
                if settable:
                    parameter.set(value)
                    assert parameter.get() == value
                interop_report(client, key, "ok (get, set back)" if settable else "ok (get)")
            except Exception as error:  # noqa: BLE001 - the client's own exception types vary
                failures[key] = error
                reason = QCODES_CLIENT_ISSUES.get(key, f"UNEXPECTED {type(error).__name__}: {error}")
                interop_report(client, key, f"client issue: {reason}")
    assert set(failures) == set(QCODES_CLIENT_ISSUES), {k: str(v)[:120] for k, v in failures.items()}


def test_qcodes_lakeshore_336_drives_the_world(qcodes_336, interop_report):
    instrument, served = qcodes_336
    output = instrument.output_1
    output.output_range("high")
    output.setpoint_ramp_enabled(True)
    output.setpoint_ramp_rate(5.0)
    output.setpoint(250.0)
    assert instrument.ask("*OPC?") == "1"  # writes get no reply: a query waits for them to be handled
    assert served.device.outputs[1].setpoint.target_k == 250.0
    assert served.device.outputs[1].heater_range == 3 and served.device.outputs[1].setpoint.enabled
    # QCoDeS validates names with Strings(15), a minimum length: only 15-character names pass it.
    instrument.A.sensor_name("Cold stage 4 K.")
    assert instrument.A.sensor_name() == "Cold stage 4 K."
    assert served.device.inputs["A"].name == "Cold stage 4 K."
    interop_report("qcodes LakeshoreModel336", "A.sensor_name (set)",
                   "client issue: validator Strings(15) demands at least 15 characters; 15 work")
    served.device.backdoor_call("break_sensor", input="A", fault="open")
    assert set(instrument.A.sensor_status().split(", ")) == {"Invalid Reading", "Sensor Units Overrange"}
    interop_report("qcodes LakeshoreModel336", "writes reach the instrument; sensor fault decoded", "ok")


# -- QCoDeS' bundled pyvisa-sim file, replayed against the simulated 336 ---------------------------
#: Replies in QCoDeS' sim file whose shape differs from the 336 manual's, and why.
SIM_FILE_ISSUES = {
    "*IDN?": "the sim file's identity is QCoDeS' placeholder ('QCoDeS, m0d3l, 336, 0.0.01'), not a 336's",
    "HTRSET? 1": "the sim file answers '1, 5'; the manual's HTRSET? has four fields",
    "HTRSET? 2": "the sim file answers '1, 5'; the manual's HTRSET? has four fields",
    "HTR? 3": "HTR? reads outputs 1 and 2 only (outputs 3 and 4: AOUT?)",
    "HTR? 4": "HTR? reads outputs 1 and 2 only (outputs 3 and 4: AOUT?)",
}


def _shape(reply: str) -> list[str]:
    def kind(field: str) -> str:
        field = field.strip()
        if re.fullmatch(r"[+-]?\d+", field):
            return "number"  # an integer field may print as 0 where the manual prints +000.000
        if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", field):
            return "number"
        return "text"

    return [kind(field) for field in reply.split(",")]


def _sim_file() -> dict:
    qcodes = pytest.importorskip("qcodes")
    path = Path(qcodes.__file__).parent / "instrument" / "sims" / "lakeshore_model336.yaml"
    return yaml.safe_load(path.read_text())["devices"]["device 1"]


def test_qcodes_sim_file_queries_replayed(serve, interop_report):
    served = serve(LAKESHORE, ROLE, {"model": "336"})
    device = served.device
    sim = _sim_file()
    # The sim file presumes user curves 39-42 are loaded: load them the way a lab would, with CRVHDR.
    for number in (39, 40, 41, 42):
        device.handle(f'CRVHDR {number},"DT-0{number}","011100{number}",2,3{number}.0,1')
    queries = [(d["q"], d["r"]) for d in sim["dialogues"]]
    for prop in sim["properties"].values():
        getter = prop["getter"]
        queries.append((getter["q"], getter["r"].replace("{}", str(prop.get("default", "")))))
    answered, issues = 0, {}
    for query, expected in queries:
        device.handle("*CLS")
        reply = device.handle(query)
        if reply is None or _shape(reply) != _shape(expected):
            issues[query] = reply
            interop_report("qcodes sim file (336)", query, f"differs: {SIM_FILE_ISSUES.get(query, reply)}")
            continue
        answered += 1
        interop_report("qcodes sim file (336)", query, f"ok {reply!r}")
    assert set(issues) == set(SIM_FILE_ISSUES), issues
    assert answered == len(queries) - len(SIM_FILE_ISSUES) and len(queries) >= 60


def test_qcodes_sim_file_setters_accept_what_the_getters_read(serve, interop_report):
    served = serve(LAKESHORE, ROLE, {"model": "336"})
    device = served.device
    for prop in _sim_file()["properties"].values():
        setter = prop.get("setter")
        if not setter:
            continue
        current = device.handle(prop["getter"]["q"])
        if current is None:
            continue
        device.handle("*CLS")
        device.handle(setter["q"].replace("{}", current))
        assert device.handle("*ESR?") == "0", setter["q"]
        assert device.handle(prop["getter"]["q"]) == current
        interop_report("qcodes sim file (336)", setter["q"], "ok (write of the read value)")


# -- pymeasure LakeShore3xx against each model --------------------------------------------------------
@pytest.mark.parametrize("model, inputs, outputs", [
    ("335", "AB", (1, 2)), ("336", "ABCD", (1, 2, 3, 4)), ("350", "ABCD", (1, 2, 3, 4)),
])
def test_pymeasure_lakeshore_3xx(serve, interop_report, model, inputs, outputs):
    from pymeasure.instruments.lakeshore import LakeShore3xx

    served = serve(LAKESHORE, ROLE, {"model": model})
    client = f"pymeasure LakeShore3xx ({model})"
    controller = LakeShore3xx(served.resource, visa_library="@py", timeout=500, write_termination="\r\n")
    try:
        assert controller.id.startswith(f"LSCI,MODEL{model}")
        interop_report(client, "id", "ok")
        assert controller.complete == "1"
        controller.clear()
        interop_report(client, "complete, clear, status", f"ok (status {controller.status})")
        for letter in inputs:
            channel = getattr(controller, f"input_{letter}")
            values = (channel.kelvin, channel.celsius, channel.sensor)
            assert all(isinstance(v, float) for v in values)
            interop_report(client, f"input_{letter}.kelvin/celsius/sensor", f"ok {values}")
        for number in outputs:
            output = getattr(controller, f"output_{number}")
            output.setpoint = 123.5
            assert output.setpoint == 123.5
            output.mout = 12.5
            assert output.mout == 12.5
            output.range = "low"
            assert output.range == "low"
            if number in (1, 2):
                assert isinstance(output.output, float)
            interop_report(client, f"output_{number}.setpoint/mout/range" + ("/output" if number < 3 else ""), "ok")
        assert controller.adapter.connection.query("*ESR?").strip() == "0"  # nothing it sent was refused
        # What the family class has that these models do not: say so rather than paper over it.
        with pytest.raises(pyvisa.errors.VisaIOError):
            controller.options  # *OPT? is not in the Lake Shore command set
        interop_report(client, "options (*OPT?)", "client issue: not in the 335/336/350 command set")
        with pytest.raises(pyvisa.errors.VisaIOError):
            controller.next_error  # no error queue: errors are bits of *ESR?
        interop_report(client, "next_error (SYST:ERR?)", "client issue: no error queue; errors are *ESR? bits")
    finally:
        controller.adapter.close()
        pyvisa.ResourceManager("@py").close()
