"""pymeasure's YAR (IPG's YAR fibre amplifier driver), unmodified, against the served simulated YLR.

YAR and YLR share IPG's RS-232 command family; where the commands are shared
the client works against the YLR: emission on/off (EMON / EMOFF), output
power (ROP, "Off" read as 0), diode current (RDC), case temperature (RCT),
firmware (RFV), the status word (STA, read as a number) and RERR.

Commands YAR sends that a YLR does not have, and what the YLR answers
(``BCMD``, a bad command; YAR's ``read`` does not treat it as an error, so it
comes back as the value):

* RNP, RMP (power setpoint range, W) and RDPT (minimum displayable power),
  sent by the constructor: the client still constructs, with the range
  ``['BCMD', 'BCMD']``; so setting ``power_setpoint`` (SPS, W) fails in the
  client's own validator with a TypeError; a YLR is set by diode current
  (SDC, per cent) instead.  RPS (setpoint in W) reads ``'BCMD'``.
* RMN (model, ``id``), RMT (maximum case temperature), RST (seed
  temperature), RWA / SWA (seed wavelength temperature): amplifier-only.

One shared command means something else: the STA bits.  YAR's
``Status`` puts emission at bit 0 (an amplifier's "emission fully on"),
while the YLR reports emission at bit 2, so ``emission_enabled`` reads
False while the YLR emits.  That is the instruments differing, not a bug in
either.
"""

import pytest

yar = pytest.importorskip("pymeasure.instruments.ipgphotonics")
CLIENT = "pymeasure 0.16 YAR (unmodified)"


@pytest.fixture
def served(serve):
    return serve("ipg_ylr", "laser", {"max_output_w": 10.0})


@pytest.fixture
def amplifier(served):
    client = yar.YAR(served.resource, visa_library="@py", timeout=2000)
    yield client
    client.adapter.close()


def test_construct_and_identify(amplifier, interop_report):
    assert amplifier.firmware == "3.2.5"
    assert amplifier.id == "BCMD"
    interop_report(CLIENT, "construct (RNP, RMP, RDPT)", "ok (YLR answers BCMD: no power range)")
    interop_report(CLIENT, "firmware (RFV)", "ok")
    interop_report(CLIENT, "id (RMN)", "not a YLR command: BCMD")


def test_shared_commands(amplifier, served, interop_report):
    device, world = served.device, served.bench.world
    device.handle("SDC 55")  # YAR has no current setpoint command: set the YLR's own way
    assert amplifier.power == 0  # "ROP: Off"
    amplifier.emission_enabled = True
    assert world.lasers["dut"].emitting
    assert amplifier.power == pytest.approx(5.0, rel=0.03)
    assert amplifier.current == pytest.approx(0.55 * 8.0)
    assert amplifier.temperature == pytest.approx(24.7, abs=0.1)
    word = int(amplifier.status)
    assert word & (1 << 2) and word & (1 << 21)  # the YLR's emission and keyswitch bits, read as a number
    assert amplifier.emission_enabled is False  # YAR reads its own bit 0: see the module docstring
    amplifier.emission_enabled = False
    assert not world.lasers["dut"].emitting
    assert amplifier.clear() == "RERR"
    for parameter, outcome in (("emission_enabled (set: EMON / EMOFF)", "ok"),
                               ("power (ROP)", "ok"), ("current (RDC)", "ok"), ("temperature (RCT)", "ok"),
                               ("status (STA)", "ok as a number; YAR's bit names differ from the YLR's"),
                               ("emission_enabled (get: STA bit 0)", "instrument differs: YLR emission is bit 2"),
                               ("clear (RERR)", "ok")):
        interop_report(CLIENT, parameter, outcome)


def test_amplifier_only_commands_answer_bcmd(amplifier, interop_report):
    for name in ("power_setpoint", "maximum_case_temperature", "minimum_display_power", "temperature_seed",
                 "wavelength_temperature"):
        assert getattr(amplifier, name) == "BCMD"
        interop_report(CLIENT, name, "not a YLR command: BCMD")
    with pytest.raises(TypeError):
        amplifier.power_setpoint = 1.5  # the client's range is ['BCMD', 'BCMD']
    interop_report(CLIENT, "power_setpoint (set: SPS)", "refused by the client: no range from a YLR")
