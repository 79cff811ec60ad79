"""The simulated iBeam smart answers the laser's serial language and drives the shared world.

An iBeam reply is several lines.  A VISA session delivers them one message
per CR LF, which is what pymeasure's IBeamSmart reads; the in-process
SimulatedAdapter frames them the same way, and the device served over
loopback TCP is read by pyvisa-py directly.
"""

import pytest
import pyvisa

from anplab.drivers.toptica_ibeam_smart import IBeamSmart
from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import InstrumentFault, LimitError
from anplab.simulated.adapter import SimulatedAdapter
from anplab.simulated.server import DeviceServer

BENCH = """
name: one iBeam smart
simulation:
  clock: virtual
  seed: 5
instruments:
  aux_488:
    role: laser
    driver: toptica_ibeam_smart
    address: sim
    wavelength_nm: 488
    settings: {max_output_w: 0.1}
    limits: {max_power_w: 0.05}
"""


@pytest.fixture
def bench():
    with Bench.open(parse_bench(BENCH)) as b:
        yield b


@pytest.fixture
def device(bench):
    return bench.devices["aux_488"]


def quiet_frame(device):
    """Echo and prompt off, as every client sets them."""
    device.echo = False
    device.prompt = False


def test_power_up_echoes_and_prompts_until_told_not_to(device):
    device.backdoor_call("power_cycle")  # the bench's driver has already switched both off
    assert device.handle("ver") == "ver\r\niBPs-001A01-05\r\nCMD> "
    assert device.handle("echo off") == "echo off\r\nCMD> "  # the echo completes the line first
    assert device.handle("version") == "\r\niBPs-001A01-05\r\nCMD> "
    assert device.handle("prom off") == "\r\n[OK]\r\n"
    assert device.handle("serial") == "\r\nSN: iBEAM-SMART-488-S-A3-12345\r\n[OK]\r\n"
    assert device.handle("") == "\r\n[OK]\r\n"  # an empty line: the bare frame
    assert device.handle("talk usual") == "\r\n[OK]\r\n"


def test_a_command_ends_at_cr_with_or_without_lf(device):
    frames, rest = device.split_frames(b"sh pow\r\nver\rla")
    assert frames == ["sh pow", "ver"] and rest == b"la"


def test_quiet_leaves_out_identification(device):
    quiet_frame(device)
    device.handle("talk quiet")
    assert device.handle("serial") == device.handle("id") == "\r\n[OK]\r\n"
    assert device.handle("sta la") == "\r\nOFF\r\n[OK]\r\n"
    device.handle("talk gabby")
    assert device.handle("id") == "\r\niBEAM-SMART-488-S-A3-12345\r\n[OK]\r\n"


def test_keywords_may_be_shortened(device):
    quiet_frame(device)
    assert device.handle("channel 2 power 12.5") == device.handle("ch 2 pow 12500 mic") == "\r\n[OK]\r\n"
    assert device.handle("show level power") == device.handle("sh lev pow") == (
        "\r\nCH1, PWR: 0.000 mW\r\nCH2, PWR: 12.500 mW\r\n[OK]\r\n")
    assert device.handle("status laser") == device.handle("sta la") == "\r\nOFF\r\n[OK]\r\n"
    assert device.handle("ch pow 3000 mic") == "\r\n[OK]\r\n"  # no channel number: channel 2
    assert device.level_w[2] == pytest.approx(0.003)


def test_bad_commands_answer_an_error_line_then_ok(device):
    quiet_frame(device)
    assert device.handle("xyz") == "\r\n%SYS-W-113, unknown command\r\n[OK]\r\n"
    assert device.handle("ch 3 pow 1 mic") == "\r\n%SYS-W-112, invalid channel\r\n[OK]\r\n"
    assert device.handle("en 7") == "\r\n%SYS-W-112, invalid channel\r\n[OK]\r\n"
    assert device.handle("ch 2 pow lots") == "\r\n%SYS-W-114, invalid parameter\r\n[OK]\r\n"
    assert device.handle("ch 2 pow 150") == "\r\n%SYS-W-115, value out of range\r\n[OK]\r\n"  # rated 100 mW
    assert device.handle("fine a 120") == "\r\n%SYS-W-115, value out of range\r\n[OK]\r\n"
    assert device.handle("sh level pow") == "\r\nCH1, PWR: 0.000 mW\r\nCH2, PWR: 0.000 mW\r\n[OK]\r\n"


def test_settings_read_back(device):
    quiet_frame(device)
    device.handle("fine on")
    device.handle("fine a 12.5")
    device.handle("en x")
    assert device.handle("sta fine") == "\r\nON\r\n[OK]\r\n"
    assert device.handle("sta ext") == "\r\nON\r\n[OK]\r\n"
    assert "fine a -> 12.5 %\r\nfine b -> 10.0 %" in device.handle("sh data")
    assert device.handle("sh sat").startswith("\r\nPmax: 100 mW\r\n")
    assert device.handle("sta clip") == "\r\nPASS\r\n[OK]\r\n"


def test_reset_system_returns_to_power_up(bench, device):
    quiet_frame(device)
    device.handle("ch 2 pow 20")
    device.handle("en 2")
    device.handle("la on")
    assert bench.world.lasers["aux_488"].emitting
    device.handle("reset sys")
    assert not bench.world.lasers["aux_488"].emitting and device.echo and device.prompt
    assert bench.world.laser_output_w("aux_488") == 0.0


def test_timers_count_bench_time_and_emission(bench, device):
    quiet_frame(device)
    device.handle("ch 2 pow 1")
    device.handle("en 2")
    device.handle("la on")
    bench.world.clock.sleep(30.0)
    device.handle("la off")
    bench.world.clock.sleep(10.0)
    lines = device.handle("sh tim").split("\r\n")
    powered, lasing = (float(line.split(":")[1].split()[0]) for line in lines[1:3])
    assert lasing == pytest.approx(30.0, abs=1.0) and powered >= 40.0


def test_enabled_channels_add_up_to_the_output(bench, device):
    quiet_frame(device)
    device.handle("ch 1 pow 1")
    device.handle("ch 2 pow 20")
    device.handle("en 2")
    device.handle("la on")
    assert bench.world.laser_output_w("aux_488") == pytest.approx(0.020)
    device.handle("en 1")
    assert bench.world.laser_output_w("aux_488") == pytest.approx(0.021)
    assert device.handle("sh pow") == "\r\nPIC  = 021000 uW  \r\n[OK]\r\n"
    assert device.handle("sta ch 1") == "\r\nON\r\n[OK]\r\n"
    assert device.handle("sh cur").startswith("\r\nLDC = ")
    device.handle("di 0")
    assert bench.world.laser_output_w("aux_488") == 0.0
    device.handle("la off")
    assert not bench.world.lasers["aux_488"].emitting


def test_the_real_driver_runs_against_the_simulated_laser(bench):
    laser = IBeamSmart(SimulatedAdapter(bench.devices["aux_488"]))
    assert laser.version == "iBPs-001A01-05"
    assert laser.serial == "SN: iBEAM-SMART-488-S-A3-12345"
    laser.ch_2.power = 30000
    assert laser.power_level(2) == pytest.approx(30000)
    assert laser.system_temp == pytest.approx(28.4)  # decimals kept
    laser.enable_continous()
    assert laser.emission and laser.ch_2.enabled
    assert laser.power == 30000
    assert bench.world.laser_output_w("aux_488") == pytest.approx(0.030)
    laser.shutdown()
    assert not laser.emission and not bench.world.lasers["aux_488"].emitting
    bench.world.trip_interlock("aux_488")
    with pytest.raises(ValueError, match="interlock open"):  # IBeamSmartError is a ValueError
        laser.emission = True


def test_pyvisa_reads_the_served_laser_line_by_line(bench):
    with DeviceServer(bench.devices) as server:
        rm = pyvisa.ResourceManager("@py")
        laser = IBeamSmart(server.resources()["aux_488"], visa_library="@py")
        try:
            laser.ch_2.power = 5000
            laser.enable_continous()
            assert laser.emission and laser.power == 5000
            assert bench.world.lasers["aux_488"].emitting
            laser.emission = False
        finally:
            laser.adapter.close()
            rm.close()


def test_setting_the_laser_role_power_sets_the_world_output(bench):
    laser = bench.laser("aux_488")
    laser.set_power(0.025)
    laser.emission_on()
    assert bench.world.lasers["aux_488"].output_power_w() == pytest.approx(0.025)
    assert laser.power_setpoint_w == pytest.approx(0.025)
    bench.world.clock.sleep(5.0)
    assert laser.power_w == pytest.approx(bench.world.laser_output_w("aux_488"), abs=1e-6)
    assert laser.interlock_ok and laser.identification.startswith("Toptica iBEAM-SMART-488")
    laser.emission_off()
    assert bench.world.lasers["aux_488"].output_power_w() == 0.0


def test_out_of_limit_power_never_reaches_the_laser(bench, device):
    before = device.commands_handled
    with pytest.raises(LimitError):
        bench.laser("aux_488").set_power(0.06)
    with pytest.raises(LimitError):
        bench.laser("aux_488").set_power(-0.001)
    assert device.commands_handled == before


def test_an_open_interlock_refuses_emission(bench):
    laser = bench.laser("aux_488")
    laser.set_power(0.01)
    laser.emission_on()
    bench.world.trip_interlock("aux_488")
    assert not laser.emission and not laser.interlock_ok and laser.power_w == 0.0
    with pytest.raises(InstrumentFault, match="interlock open"):
        laser.emission_on()
    laser.emission_off()
    assert laser.interlock_ok  # nothing asked of the laser, nothing refused
