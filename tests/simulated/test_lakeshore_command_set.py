"""The simulated Lake Shore's command set: every write changes what the following query reads,
bad commands set the command-error bit and get no reply, and each model has its own differences."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import InstrumentFault

BENCH = """
name: lake shore command set
simulation:
  clock: virtual
  seed: 1
  cryostat: {base_temperature_k: 4.0, start_temperature_k: 295.0}
instruments:
  cryostat:
    role: temperature_controller
    driver: lakeshore_335_336_350
    address: sim
    settings: {model: "MODEL"}
    limits: {min_k: 4, max_k: 400, max_ramp_k_per_min: 20}
"""


def open_bench(model: str = "336") -> Bench:
    return Bench.open(parse_bench(BENCH.replace("MODEL", model)))


@pytest.fixture(params=["335", "336", "350"])
def any_model(request):
    with open_bench(request.param) as bench:
        yield bench.devices["cryostat"]


@pytest.fixture
def bench():
    with open_bench() as b:
        yield b


@pytest.fixture
def device(bench):
    device = bench.devices["cryostat"]
    device.handle("*CLS")
    return device


def errors(device) -> int:
    return int(device.handle("*ESR?"))


# -- writes change what queries read ---------------------------------------------------------
@pytest.mark.parametrize("write, query, reply", [
    ('INNAME A,"Cold stage"', "INNAME? A", "Cold stage     "),
    ("INTYPE B,2,1,0,0,1", "INTYPE? B", "2,1,0,0,1"),
    ("TLIMIT A,350", "TLIMIT? A", "+0350.0"),
    ("ALARM A,1,300,10,0.5,1,0,1", "ALARM? A", "1,+300.000,+10.0000,+0.500000,1,0,1"),
    ("RELAY 1,2,B,1", "RELAY? 1", "2,B,1"),
    ("DISPFLD 2,3,2", "DISPFLD? 2", "3,2"),
    ("BRIGT 16", "BRIGT?", "16"),
    ("MODE 1", "MODE?", "1"),
    ("LOCK 1,456", "LOCK?", "1,456"),
    ("FILTER A,1,20,5", "FILTER? A", "1,20,05"),
    ("HTRSET 1,2,0,1.2,2", "HTRSET? 1", "2,0,+1.200,2"),
    ("OUTMODE 3,4,2,1", "OUTMODE? 3", "4,2,1"),
    ("ANALOG 3,1,1,300,0,0", "ANALOG? 3", "1,1,+300.000,+0.00000,0"),
    ("MOUT 2,33.5", "MOUT? 2", "+033.50"),
    ("*ESE 36", "*ESE?", "36"),
    ("*SRE 32", "*SRE?", "32"),
    ("OPSTE 8", "OPSTE?", "008"),
])
def test_a_write_changes_what_the_query_reads(device, write, query, reply):
    assert device.handle(write) is None
    assert device.handle(query) == reply
    assert errors(device) == 0


def test_empty_parameters_keep_the_previous_settings(device):
    device.handle("ALARM A,1,300,10,0.5,1,0,1")
    device.handle("ALARM A,0,,,,,,")
    assert device.handle("ALARM? A") == "0,+300.000,+10.0000,+0.500000,1,0,1"
    device.handle("RELAY 2,1,,")
    assert device.handle("RELAY? 2") == "1,A,0"
    assert errors(device) == 0


def test_several_commands_in_one_message_answer_in_order(device):
    assert device.handle("SETP 1,77;SETP? 1;KRDG? A;RDGST? A") == "+077.000;+295.000;000"
    assert device.handle("SETP? 1;:RAMP 1,1,5;RAMP? 1;*ESR?") == "+077.000;1,+005.0;0"  # Lake Shore's driver form


def test_all_inputs_form_on_the_336_and_350_not_the_335():
    with open_bench("336") as bench:
        device = bench.devices["cryostat"]
        assert device.handle("KRDG? 0") == "+295.000,+295.000,+000.000,+000.000"
        assert len(device.handle("SRDG? 0").split(",")) == 4
        assert device.handle("CRDG? 0").startswith("+021.850,+021.850")
    with open_bench("335") as bench:
        device = bench.devices["cryostat"]
        device.handle("*CLS")
        assert device.handle("KRDG? 0") is None and errors(device) == 32


def test_sensor_units_follow_the_curve(bench, device):
    assert float(device.handle("SRDG? A")) == pytest.approx(0.5299, abs=1e-3)  # DT-470 near 295 K
    assert device.handle("CRVHDR? 1") == "DT-470         ,STANDARD  ,2,+475.000,1"
    device.handle("INTYPE A,2,0,2,0,1")  # a platinum RTD has no business with a diode curve ...
    assert device.handle("INCRV? A") == "00"  # ... the input is left without one
    assert device.handle("KRDG? A") == "+000.000"
    device.handle("INCRV A,6")
    assert device.handle("INCRV? A") == "06"
    assert float(device.handle("SRDG? A")) == pytest.approx(108.512, abs=0.01)  # PT-100 at 295 K (IEC 60751)
    assert device.handle("KRDG? A") == "+295.000"


def test_user_curves_are_loaded_point_by_point(device):
    device.handle('CRVHDR 21,"MY-DIODE","SN0001",2,325,1')
    for index, (volts, kelvin) in enumerate([(1.6, 4.0), (1.0, 80.0), (0.5, 300.0), (0.45, 325.0)], start=1):
        device.handle(f"CRVPT 21,{index},{volts},{kelvin}")
    assert device.handle("CRVHDR? 21") == "MY-DIODE       ,SN0001    ,2,+325.000,1"
    assert device.handle("CRVPT? 21,2") == "+1.00000,+80.0000"
    device.handle("INCRV B,21")
    assert device.handle("INCRV? B") == "21"
    assert device.handle("KRDG? B") == "+295.000"
    device.handle("CRVDEL 21")
    assert device.handle("INCRV? B") == "00"
    assert errors(device) == 0


def test_a_heater_set_up_changes_the_power_of_the_ranges(bench, device):
    assert device.range_power_w(1) > 0  # left holding on range 2
    device.handle("RANGE 1,3")
    assert device.range_power_w(1) == pytest.approx(100.0)  # 2 A into 25 ohm
    device.handle("HTRSET 1,2,2,0,1")  # 1 A into 50 ohm
    assert device.range_power_w(1) == pytest.approx(50.0)
    device.handle("RANGE 1,1")
    assert device.range_power_w(1) == pytest.approx(0.5)


def test_a_temperature_limit_shuts_the_outputs_down(bench, device):
    device.handle("TLIMIT A,290")
    bench.clock.sleep(1.0)
    assert device.handle("RANGE? 1") == "0"


def test_alarms_and_relays_follow_the_reading(device):
    device.handle("ALARM A,1,290,100,0,0,0,0")
    assert device.handle("ALARMST? A") == "1,0"
    device.handle("RELAY 1,2,A,1")
    assert device.handle("RELAYST? 1") == "1"
    device.handle("ALARM A,1,300,100,0,0,0,0")
    assert device.handle("ALARMST? A") == "0,0" and device.handle("RELAYST? 1") == "0"


def test_reset_restores_power_up_settings_but_not_the_status_registers(device):
    device.handle("SETP 1,10;PID 1,100,20,10;HELLO")
    device.handle("*RST")
    assert device.handle("PID? 1") == "+0006.0,+0050.0,+000"
    assert device.handle("RANGE? 1") == "0"
    assert errors(device) == 32


def test_status_byte_summarises_the_enabled_events(device):
    device.handle("*ESE 32")
    device.handle("FOO")
    assert device.handle("*STB?") == "32"
    device.handle("*SRE 32")
    assert device.handle("*STB?") == "96"
    device.handle("*CLS")
    assert device.handle("*STB?") == "0"


# -- bad commands ------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "HTR? 3", "HTRSET 3,1,1,0,1", "INTYPE A,9,0,0,0,1", "INCRV A,60", "CRVHDR 5,X,Y,2,300,1", "BRIGT 40",
    "TLIMIT E,10", "ALARM A,1,300", "RELAY 3,1,A,0", "DISPFLD 9,1,1", "OUTMODE 1,4,1,0", "RANGE 3,2",
    "INNAME A", 'INNAME A,"sixteen chars xxx"', "KRDG?", "KRDG? A,B", "RDGST? 0", "*ESE 256", "MODE 3",
])
def test_bad_commands_get_no_reply_and_set_the_command_error_bit(device, command):
    assert device.handle(command) is None
    assert errors(device) == 32


def test_a_valid_command_that_cannot_be_carried_out_is_an_execution_error(device):
    device.handle("INTYPE A,2,0,2,0,1")
    assert device.handle("DIOCUR A,1") is None
    assert errors(device) == 16


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii", exclude_characters="\r\n"), max_size=30))
def test_any_garbage_is_answered_by_silence_or_a_reply_never_an_exception(garbage):
    with open_bench("336") as bench:
        device = bench.devices["cryostat"]
        reply = device.handle(garbage)
        assert reply is None or isinstance(reply, str)
        assert int(device.handle("*ESR?")) in (0, 1, 16, 32, 33, 48, 49, 128, 129, 144, 160, 161, 176, 177)


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e4, 1e4, allow_nan=False), st.sampled_from([1, 2, 3, 4]))
def test_setpoints_inside_the_range_are_kept_and_outside_refused(value, output):
    with open_bench("336") as bench:
        device = bench.devices["cryostat"]
        device.handle("*CLS")
        device.handle(f"SETP {output},{value}")
        if 0 <= value <= 1500:
            assert float(device.handle(f"SETP? {output}")) == pytest.approx(value, abs=5e-4)
            assert int(device.handle("*ESR?")) == 0
        else:
            assert int(device.handle("*ESR?")) == 32


# -- model differences ---------------------------------------------------------------------------
def test_heater_setup_has_the_output_type_on_the_335_only():
    with open_bench("335") as bench:
        device = bench.devices["cryostat"]
        assert device.handle("HTRSET? 1") == "0,2,2,+0.000,1"
        device.handle("HTRSET 2,1,1,2,0,1")  # output 2 as a voltage output ...
        assert device.handle("HTRSET? 2").startswith("1,") and device.handle("RANGE 2,2") is None
        assert int(device.handle("*ESR?")) & 32  # ... has only off and on
    with open_bench("350") as bench:
        device = bench.devices["cryostat"]
        assert device.handle("INTYPE? A") == "1,0,0,0,1,1"  # with the sensor excitation
        assert device.handle("RANGE 1,5") is None and device.handle("RANGE? 1") == "5"


def test_identification_of_each_model(any_model):
    assert any_model.handle("*IDN?").startswith(f"LSCI,MODEL{any_model.model_number},")


# -- faults through the backdoors ------------------------------------------------------------------
@pytest.mark.parametrize("fault, status, units", [
    ("open", "129", "+2.50000"), ("short", "065", "+0.00000"), ("over_temperature", "032", None),
    ("under_temperature", "016", None),
])
def test_a_broken_sensor_reads_zero_and_says_why(device, fault, status, units):
    device.backdoor_call("break_sensor", input="A", fault=fault)
    assert device.handle("RDGST? A") == status
    assert device.handle("KRDG? A") == "+000.000"
    if units:
        assert device.handle("SRDG? A") == units
    device.backdoor_call("break_sensor", input="A", fault=None)
    assert device.handle("RDGST? A") == "000"


def test_the_role_raises_a_fault_naming_the_sensor_fault(bench):
    role, device = bench.temperature_controller("cryostat"), bench.devices["cryostat"]
    assert role.temperature_k == pytest.approx(295.0)
    device.backdoor_call("break_sensor", input="A", fault="open")
    with pytest.raises(InstrumentFault, match=r"input A: invalid reading, sensor units overrange \(S.OVER\)"):
        role.temperature_k


def test_a_broken_heater_stops_heating_and_reports_once(bench):
    role, device, world = bench.temperature_controller("cryostat"), bench.devices["cryostat"], bench.world
    role.heater_range = "high"
    device.backdoor_call("break_heater", output=1, fault="short")
    bench.clock.sleep(1.0)
    assert world.cryostat.heater_power_w == 0.0
    with pytest.raises(InstrumentFault, match="heater output 1: short"):
        role.heater_output_percent
    assert role.heater_output_percent == 0.0  # read once, the status is clear; the range is off
    assert role.heater_range == "off"
