"""Third-party clients of the Thorlabs PM100 against the served simulated console.

* pymeasure's ``ThorlabsPM100USB`` (unmodified).  It passes no terminations:
  over USB-TMC the END bit ends each message.  A raw TCP socket has no END
  (pyvisa-py, like NI-VISA, suppresses end-of-read on sockets), so a read
  ends only at a termination character or the timeout: over the served
  socket it constructs once given the console's read termination, LF, as
  any client of a socket instrument must be.  The console takes the VISA
  default write termination, CR LF, as its manual says.  Over HiSLIP, which
  marks message ends as USB-TMC does, the same class needs no setting at all
  (``test_thorlabs_pm100_hislip.py``).
* pymeasure's own PM100 tests (pymeasure/pymeasure,
  ``tests/instruments/thorlabs/test_thorlabspm100_series.py``): every
  request they replay, sent to the simulated console, must be answered in
  the format the test expects.
* qcodes-contrib-drivers' ``Thorlab_PM100D`` (unmodified), which arms the
  OPERation transition filter and reads through ``CONF:POW``,
  ``ABOR;:STAT:OPER?``, ``INIT`` and ``FETC?``.  Two failures are the
  client's own and are reported, not papered over: its ``averaging``
  setter sends ``AVER`` with no value (``set_cmd="AVER"`` has no ``{}``), which
  the console refuses with -109; its ``wavelength`` and ``beam_diameter``
  getters divide the reply string by their scale without parsing it
  (TypeError in qcodes), though the setters work.
"""

from __future__ import annotations

import time

import pytest
from pyvisa.errors import VisaIOError

from anplab.simulated.devices.thorlabs_pm100 import SimulatedThorlabsPM100
from anplab.simulated.server import DeviceServer

CLIENT = "pymeasure ThorlabsPM100USB"


@pytest.fixture
def console(serve):
    # No laser on this bench: the head reads its dark offset.
    return serve("thorlabs_pm100", "power_meter", {"wavelength_nm": 1064})


@pytest.mark.parametrize("idn_style", ["plain", "quoted"])
def test_pymeasure_thorlabs_pm100usb(serve, interop_report, idn_style):
    thorlabs = pytest.importorskip("pymeasure.instruments.thorlabs")
    console = serve("thorlabs_pm100", "power_meter", {"wavelength_nm": 1064, "sensor_idn_style": idn_style})
    meter = thorlabs.ThorlabsPM100USB(console.resource, visa_library="@py", read_termination="\n", timeout=2000)
    try:
        interop_report(CLIENT, f"construct ({idn_style} sensor IDN; read LF, write CR LF default)")
        assert meter.is_power_sensor and meter.wavelength_settable
        if idn_style == "plain":
            assert meter.sensor_name == "S122C"
            interop_report(CLIENT, "sensor identification (older firmware, bare fields)")
        else:
            assert meter.sensor_name == '"S122C"'  # pymeasure 0.16 keeps the quotes of current firmware
            interop_report(CLIENT, "sensor identification (current firmware, quoted)",
                           "quotes kept in sensor_name (client)")
        assert meter.id.startswith("Thorlabs,PM100D,")
        interop_report(CLIENT, "id (*IDN?)")
        assert (meter.wavelength_min, meter.wavelength_max) == (700.0, 1800.0)
        interop_report(CLIENT, "wavelength_min / wavelength_max")
        meter.wavelength = 1310
        assert meter.wavelength == 1310.0 and console.device.wavelength_nm == 1310.0
        interop_report(CLIENT, "wavelength set / get")
        meter.wavelength = 5000  # pymeasure 0.16 clamps to the head's range before sending
        assert meter.wavelength == 1800.0
        interop_report(CLIENT, "wavelength clamped by the client to the head range")
        assert 0 <= meter.power < 1e-6
        interop_report(CLIENT, "power (MEAS:POW?)")
        with pytest.raises(AttributeError):
            meter.energy
        interop_report(CLIENT, "energy refused by the client for a power head")
        assert meter.check_errors() == []
        interop_report(CLIENT, "error queue empty after the session (SYST:ERR?)")
    finally:
        meter.adapter.close()


def test_pymeasure_without_a_read_termination_waits_for_the_timeout_over_a_socket(console, interop_report):
    thorlabs = pytest.importorskip("pymeasure.instruments.thorlabs")
    start = time.monotonic()
    with pytest.raises(VisaIOError, match="Timeout"):
        thorlabs.ThorlabsPM100USB(console.resource, visa_library="@py", timeout=300)
    assert time.monotonic() - start < 5
    # The console did answer; only the socket client could not tell where the reply ended.
    assert console.device.commands_handled >= 1
    interop_report(CLIENT, "construct with VISA defaults over SOCKET", "times out: no END on a socket (client)")


# pymeasure's PM100 tests: each request, and what the test reads from the reply.
UPSTREAM_EXCHANGES = [
    ("photodiode", "SYST:SENSOR:IDN?", "sensor"),
    ("photodiode", "SENS:CORR:WAV? MIN", "float"),
    ("photodiode", "SENS:CORR:WAV? MAX", "float"),
    ("photodiode", "SENSE:CORR:WAV 1500", None),
    ("photodiode", "SENSE:CORR:WAV?", "float"),
    ("photodiode", "MEAS:POW?", "float"),
    ("photodiode", "MEAS:PDEN?", "float"),
    ("pyroelectric", "MEAS:ENER?", "float"),
    ("pyroelectric", "MEAS:EDEN?", "float"),
    ("photodiode", "MEAS:CURR?", "float"),
    ("thermal", "MEAS:VOLT?", "float"),
    ("photodiode", "MEAS:TEMP?", "float"),
    ("photodiode", "MEAS:FREQ?", "float"),
]


@pytest.mark.parametrize("head, request_, reply_kind", UPSTREAM_EXCHANGES, ids=[e[1] for e in UPSTREAM_EXCHANGES])
def test_pymeasure_upstream_exchanges_are_answered_over_the_wire(console, interop_report, head, request_,
                                                                 reply_kind):
    pyvisa = pytest.importorskip("pyvisa")
    device = SimulatedThorlabsPM100(console.bench.world, "dut", sensor=head, sensor_idn_style="plain")
    with DeviceServer({"dut": device}) as server:
        session = pyvisa.ResourceManager("@py").open_resource(server.resources()["dut"], read_termination="\n",
                                                              write_termination="\n", timeout=2000)
        try:
            if reply_kind is None:
                session.write(request_)
            else:
                reply = session.query(request_)
                if reply_kind == "float":
                    float(reply)
                else:
                    name, serial, calibration, kind, subtype, flags = reply.split(",")
                    assert name == "S122C" and int(kind) == 1 and int(flags) & 1
            assert session.query("SYST:ERR?") == '0,"No error"'
        finally:
            session.close()
    interop_report("pymeasure upstream PM100 test exchanges", request_, f"answered ({head} head)")


def test_qcodes_contrib_thorlabs_pm100d(console, interop_report):
    module = pytest.importorskip("qcodes_contrib_drivers.drivers.Thorlabs.PM100D")
    client = "qcodes-contrib Thorlab_PM100D"
    meter = module.Thorlab_PM100D("pm100d_interop", console.resource, visalib="@py", timeout=5)
    try:
        interop_report(client, "construct (STAT:OPER:PTR/NTR, CONF:POW, ABOR;:STAT:OPER?, INIT)")
        assert meter.get_idn()["model"] == "PM100D"
        interop_report(client, "get_idn")
        assert 0 <= meter.power() < 1e-6
        interop_report(client, "power (CONF:POW, INIT, FETC?)")
        meter.attenuation(3.0)
        assert meter.attenuation() == 3.0 and console.device.attenuation_db == 3.0
        interop_report(client, "attenuation set / get (CORR)")
        assert meter.auto_range() in (0, 1, True, False)
        meter.auto_range(0)
        assert meter.ask("*OPC?") == "1"  # a write gets no reply: a query waits for it to be handled
        assert console.device.auto_range is False
        interop_report(client, "auto_range set / get")
        meter.power_range(1e-3)
        assert meter.power_range() >= 1e-3
        interop_report(client, "power_range set / get")
        assert meter.current() >= 0 and meter.current_range() > 0
        interop_report(client, "current, current_range")
        assert meter.frequency() == 0.0
        interop_report(client, "frequency")
        assert meter.zero_value() == 0.0
        interop_report(client, "zero_value (CORR:COLL:ZERO:MAGN?)")
        meter.wavelength(1310e-9)
        assert meter.ask("*OPC?") == "1"
        assert console.device.wavelength_nm == pytest.approx(1310.0)
        interop_report(client, "wavelength set")
        with pytest.raises(TypeError):
            meter.wavelength()
        interop_report(client, "wavelength get", "fails in the client: reply divided by scale unparsed")
        meter.beam_diameter(2e-3)
        assert meter.ask("*OPC?") == "1"
        assert console.device.beam_mm == pytest.approx(2.0)
        interop_report(client, "beam_diameter set")
        with pytest.raises(TypeError):
            meter.beam_diameter()
        interop_report(client, "beam_diameter get", "fails in the client: reply divided by scale unparsed")
        meter.averaging(300)
        assert meter.ask("*OPC?") == "1"
        assert console.device.averages == 1 and console.device.errors.codes()[-1] == -109
        interop_report(client, "averaging set", "client sends 'AVER' without a value: console says -109")
    finally:
        meter.close()


def test_thorlabspm100_package(console, interop_report):
    """The ``ThorlabsPM100`` package (PyPI ``thorlabspm100``): the manual's tree in mixed-case long forms."""
    package = pytest.importorskip("ThorlabsPM100")
    pyvisa = pytest.importorskip("pyvisa")
    client = "thorlabspm100 ThorlabsPM100"
    session = pyvisa.ResourceManager("@py").open_resource(console.resource, read_termination="\n",
                                                          write_termination="\n", timeout=2000)
    meter = package.ThorlabsPM100(inst=session)
    device = console.device
    try:
        checks = [
            ("sense.correction.wavelength", lambda: setattr(meter.sense.correction, "wavelength", 1310),
             lambda: meter.sense.correction.wavelength == 1310.0 and device.wavelength_nm == 1310.0),
            ("sense.correction.minimum_wavelength", None, lambda: meter.sense.correction.minimum_wavelength == 700.0),
            ("sense.correction.beamdiameter", lambda: setattr(meter.sense.correction, "beamdiameter", 3),
             lambda: meter.sense.correction.beamdiameter == 3.0),
            ("sense.average.count", lambda: setattr(meter.sense.average, "count", 25),
             lambda: meter.sense.average.count == 25 and device.averages == 25),
            ("sense.power.dc.unit", lambda: setattr(meter.sense.power.dc, "unit", "DBM"),
             lambda: meter.sense.power.dc.unit == "DBM"),
            ("sense.power.dc.range.auto", lambda: setattr(meter.sense.power.dc.range, "auto", "OFF"),
             lambda: meter.sense.power.dc.range.auto == 0 and not device.auto_range),
            ("sense.correction.loss.input.magnitude",
             lambda: setattr(meter.sense.correction.loss.input, "magnitude", 3),
             lambda: meter.sense.correction.loss.input.magnitude == 3.0),
            ("input.pdiode.filter.lpass.state", lambda: setattr(meter.input.pdiode.filter.lpass, "state", 1),
             lambda: meter.input.pdiode.filter.lpass.state == 1),
            ("system.sensor.idn", None, lambda: "S122C" in meter.system.sensor.idn),
            ("system.lfrequency", lambda: setattr(meter.system, "lfrequency", 60),
             lambda: meter.system.lfrequency == 60),
            ("system.version", None, lambda: meter.system.version == 1999.0),
            ("calibration.string", None, lambda: "18-Mar-2019" in meter.calibration.string),
            ("sense.correction.collect.zero", lambda: meter.sense.correction.collect.zero.initiate(),
             lambda: meter.sense.correction.collect.zero.state in (0, 1)),
            ("configure + initiate + fetch", lambda: (meter.configure.scalar.power(), meter.initiate.immediate()),
             lambda: meter.getconfigure == "POW" and isinstance(meter.fetch, float)),
            ("read", None, lambda: isinstance(meter.read, float)),
            ("status.operation.enable", lambda: setattr(meter.status.operation, "enable", 512),
             lambda: meter.status.operation.enable == 512),
            ("status.questionable.condition", None, lambda: meter.status.questionable.condition in (0, 8)),
            ("system.error.next", None, lambda: meter.system.error.next == '0,"No error"'),
        ]
        for name, change, check in checks:
            if change is not None:
                change()
            assert check(), name
            interop_report(client, name)
    finally:
        session.close()
