"""The served simulated SR400 driven with raw pyvisa-py, the exchanges of the manual's own examples.

No third-party SR400 driver installs and imports from PyPI today: the only
one found there, lantz-drivers 0.5.2 (``lantz.drivers.stanford.sr400``),
fails at import in the client itself: its drivers import ``Action`` and
``Feat`` from the top-level ``lantz`` package of the old 0.3 API while the
package depends on lantz-core 0.5, and lantz-core imports ``visa``, the
module name pyvisa dropped in 1.12.  So this suite sends what the SR400
manual's command-syntax section shows (``CM 1``, ``CI 0,1``, ``NP 5E2``,
``GD 0,1.2E-6``, ``PL 1, -3.4E-1``, several commands on one line) the way a
lab script does, through a pyvisa-py session on loopback TCP.
"""

import pytest
import pyvisa

CLIENT = "pyvisa-py raw (manual's examples)"


@pytest.fixture
def session(serve):
    served = serve("srs_sr400", "photon_counter", {})
    manager = pyvisa.ResourceManager("@py")
    counter = manager.open_resource(served.resource, read_termination="\r", write_termination="\r", timeout=3000)
    yield counter, served
    counter.close()
    manager.close()


def test_the_manuals_syntax_examples(session, interop_report):
    counter, _ = session
    for command, query, expected in (("CM 1", "CM", "1"), ("CI 0,1", "CI 0", "1"), ("NP 5E2", "NP", "500"),
                                     ("GD 0,1.2E-6", "GD 0", "1.2E-06"), ("PL 1, -3.4E-1", "PL 1", "-0.340")):
        counter.write(command)
        assert counter.query(query) == expected
        interop_report(CLIENT, command, "ok")
    assert counter.query("SS 7") == "0"  # none of them was an error


def test_several_commands_on_a_line_and_an_error_in_the_middle(session, interop_report):
    counter, _ = session
    assert counter.query("NP 7; CP 2, 1E5; NP; CP 2") == "7"  # each reply is its own record
    assert counter.read() == "1E5"
    counter.write("NP 9; XX; NP 3")
    assert counter.query("NP") == "9"  # the rest of the line after the error is lost
    assert int(counter.query("SS")) & (1 << 7)
    interop_report(CLIENT, "several commands per line (;)", "ok")
    interop_report(CLIENT, "bad command: status bit 7, rest of line dropped", "ok")


def test_a_scan_streamed_with_fa(session, interop_report):
    counter, served = session
    counter.write("CM 0; CI 0,0; CI 2,0; CP 2,1E5; NP 5; DT 2E-3; NE 0; CR")
    counter.write("FA")
    points = [int(counter.read()) for _ in range(5)]  # one record per count period
    assert points == [100000] * 5  # counter A on the 10 MHz base: 1E5 ticks a period
    assert counter.query("NN") == "5"
    status = int(counter.query("SS"))
    assert status & (1 << 1) and status & (1 << 2)  # data ready, scan finished
    counter.write("CR; FT")
    pairs = [int(counter.read()) for _ in range(10)]
    assert pairs[0::2] == [100000] * 5
    interop_report(CLIENT, "FA / FT streams (one record per period)", "ok")
    interop_report(CLIENT, "NN, SS data ready / scan finished", "ok")


def test_the_end_of_record_can_be_changed(session, interop_report):
    counter, _ = session
    counter.write("SE 13,10")
    counter.read_termination = "\r\n"
    assert counter.query("NP") == "1"
    counter.write("SE")
    counter.read_termination = "\r"
    assert counter.query("NP") == "1"
    interop_report(CLIENT, "SE (RS-232 end-of-record)", "ok")
