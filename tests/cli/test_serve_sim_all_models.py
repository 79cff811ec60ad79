"""`anplab serve-sim --bench all-models` as a user runs it: every simulated model on its own port.

The printed output is all the test knows: it parses each resource and the
terminations printed under it, opens a *default* pyvisa-py session given only
those (``open_resource(resource, read_termination=..., write_termination=...)``),
identifies the instrument and takes one reading.  The Cryostation, which
frames its messages by length, is talked to over a raw socket as its framing
line says.
"""

from __future__ import annotations

import ast
import re
import signal
import socket
import subprocess
import sys
import time
from importlib import resources

import pytest
import pyvisa

from anplab.instruments.bench_set import parse_bench_set
from anplab.simulated.counterparts import COUNTERPARTS

_NUMBER = r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?"

#: Per driver: (identification command, what its reply must match, a reading command, what it must match).
CONVERSATIONS = {
    "ipg_ylr": ("RSN", r"^RSN: \S+$", "RCT", rf"^RCT: {_NUMBER}$"),
    "thorlabs_cld1015": ("*IDN?", r"^THORLABS,CLD1015,", "MEAS:CURR?", rf"^{_NUMBER}$"),
    "thorlabs_pm100": ("*IDN?", r"^Thorlabs,{model},", "MEAS:POW?", rf"^{_NUMBER}$"),
    "newport_2936r": ("*IDN?", r"^NEWPORT {model} ", "PM:P?", rf"^{_NUMBER}$"),
    "srs_sr400": ("CM", r"^[0-3]$", "DT", rf"^{_NUMBER}$"),  # the SR400 has no identification query
    "lakeshore_335_336_350": ("*IDN?", r"^LSCI,MODEL{model},", "KRDG? A", rf"^{_NUMBER}$"),
    "mercury_itc": ("*IDN?", r"^IDN:OXFORD INSTRUMENTS:MERCURY ITC:", "READ:DEV:MB1.T1:TEMP:SIG:TEMP",
                    rf"^STAT:DEV:MB1\.T1:TEMP:SIG:TEMP:{_NUMBER}K$"),
}


def all_models() -> list:
    text = resources.files("anplab.instruments").joinpath("all_models_bench.yaml").read_text(encoding="utf-8")
    return parse_bench_set(text, "all_models_bench.yaml")


SERVED = [(name, spec.driver) for bench in all_models() for name, spec in bench.instruments.items()
          if spec.driver in COUNTERPARTS]


def parse_listing(lines: list[str]) -> dict[str, dict]:
    """serve-sim's listing: per instrument its driver, model, resource and the settings lines under it."""
    served: dict[str, dict] = {}
    current = None
    for line in lines:
        found = re.match(r"^(\S+)\s+(\S+)\s+(.*\S)\s+(TCPIP::\S+)$", line)
        if found:
            current = served[found[1]] = {"driver": found[2], "model": found[3], "resource": found[4],
                                          "terminations": None, "framing": None, "note": None}
        elif line.startswith(" ") and current is not None:
            text = line.strip()
            if text.startswith("read_termination="):
                current["terminations"] = {key: ast.literal_eval(value)
                                           for key, value in (token.split("=", 1) for token in text.split())}
            elif text.startswith("framing: "):
                current["framing"] = text.removeprefix("framing: ")
            elif text.startswith("note: "):
                current["note"] = text.removeprefix("note: ")
        elif not line.startswith(" "):
            current = None
    return served


@pytest.fixture(scope="module")
def listing():
    process = subprocess.Popen([sys.executable, "-m", "anplab", "serve-sim", "--bench", "all-models"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in process.stdout:  # blocks until serve-sim has printed its listing
            if line.startswith("serving"):
                break
            lines.append(line.rstrip("\n"))
        else:
            pytest.fail(f"serve-sim ended before serving: {process.stderr.read()}")
        yield parse_listing(lines), lines
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "all simulated lasers off" in out


def test_every_model_and_variant_is_listed_on_its_own_port(listing):
    served, lines = listing
    assert sorted(served) == sorted(name for name, _ in SERVED), "\n".join(lines)
    assert len({entry["resource"] for entry in served.values()}) == len(served)
    for name, driver in SERVED:
        assert served[name]["driver"] == driver
    models = {entry["model"] for entry in served.values()}
    for variant in ("Thorlabs PM100D", "Thorlabs PM100A", "Thorlabs PM100USB", "Thorlabs PM400",
                    "Newport 2936-R", "Newport 1936-R", "Lake Shore 335", "Lake Shore 336", "Lake Shore 350",
                    "Mercury iTC", "Montana Cryostation"):
        assert variant in models
    assert set(COUNTERPARTS) <= {driver for _, driver in SERVED}, "a simulated model missing from all-models"
    nidaq = [line for line in lines if "NI-DAQmx, simulated in-process only" in line]
    assert {line.split()[1] for line in nidaq} == {"thorlabs_gvs_nidaq", "excelitas_spcm_nidaq"}


def test_serial_settings_are_printed_for_instruments_with_a_serial_port(listing):
    _, lines = listing
    text = "\n".join(lines)
    block = text.split("lakeshore_336", 1)[1].split("\n", 3)
    assert "serial line of the real instrument: 57600 baud, 7 data bits, odd parity, 1 stop bit" in block[2]
    assert re.search(r"^sr400 .*\n.*\n\s+serial line of the real instrument: 9600 baud, 8 data bits, no parity, "
                     r"2 stop bits", text, re.M)


def _session(entry: dict):
    manager = pyvisa.ResourceManager("@py")
    session = manager.open_resource(entry["resource"], **entry["terminations"])  # nothing else set
    session.timeout = 10_000  # generous: the machine may be loaded; a reply that never comes still fails
    return manager, session


@pytest.mark.parametrize("name,driver", [item for item in SERVED if item[1] in CONVERSATIONS])
def test_a_default_pyvisa_session_given_the_printed_terminations_identifies_and_reads(listing, name, driver):
    served, _ = listing
    entry = served[name]
    assert entry["terminations"] is not None, f"{name}: no terminations printed"
    identify, identity, reading, value = CONVERSATIONS[driver]
    model = entry["model"].split()[-1]
    manager, session = _session(entry)
    try:
        assert re.search(identity.format(model=re.escape(model)), session.query(identify))
        assert re.search(value, session.query(reading))
    finally:
        session.close()
        manager.close()


def test_the_ibeam_smart_answers_as_its_printed_note_says(listing):
    entry = listing[0]["ibeam_488"]
    assert "prompt off" in entry["note"] and "[OK]" in entry["note"]
    manager, session = _session(entry)

    def conversation(command: str) -> list[str]:
        session.write(command)
        lines = []
        while (line := session.read()) != "[OK]":
            lines.append(line)
        return lines

    try:
        session.write("prompt off")
        while session.read() != "[OK]":  # the prompt goes only once this command is done: read up to its [OK]
            pass
        assert any(line.startswith("iBEAM-SMART-488") for line in conversation("id"))
        assert any(re.search(rf"{_NUMBER}", line) for line in conversation("sh pow")[1:])
    finally:
        session.close()
        manager.close()


def test_the_cryostation_answers_on_a_raw_socket_framed_as_printed(listing):
    entry = listing[0]["cryostation"]
    assert entry["terminations"] is None and "two decimal digits" in entry["framing"]
    _, host, port, _ = entry["resource"].split("::")

    def exchange(connection, command: str) -> str:
        connection.sendall(f"{len(command):02d}{command}".encode("ascii"))
        data = b""
        deadline = time.monotonic() + 10
        while len(data) < 2 or len(data) < 2 + int(data[:2]):
            assert time.monotonic() < deadline, f"no complete reply to {command!r}: {data!r}"
            data += connection.recv(256)
        return data[2:].decode("ascii")

    with socket.create_connection((host, int(port)), timeout=10) as connection:
        assert re.fullmatch(_NUMBER, exchange(connection, "GPT"))
        assert re.fullmatch(_NUMBER, exchange(connection, "GTSP"))
