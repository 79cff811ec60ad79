"""Fault campaigns: the promises of "Runs that cannot lie", tried against random timings and faults.

Each campaign reports, at the end of the session, how many cases it tried,
how many held, and the points lost, duplicated and measured dark
(``pytest tests/reliability -rA`` shows the report).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from anplab.instruments.bench import default_bench_text

_CAMPAIGNS = pytest.StashKey[dict]()


@dataclass
class Campaign:
    name: str
    tried: int = 0
    held: int = 0
    lost: int = 0
    duplicated: int = 0
    dark: int = 0
    notes: list[str] = field(default_factory=list)

    def case(self, *, held: bool, lost: int = 0, duplicated: int = 0, dark: int = 0, note: str = "") -> None:
        self.tried += 1
        self.held += bool(held)
        self.lost += lost
        self.duplicated += duplicated
        self.dark += dark
        if note:
            self.notes.append(note)


@pytest.fixture
def campaign(request):
    """campaign(name) -> the Campaign of that name, shared by every test that names it."""
    store = request.config.stash.setdefault(_CAMPAIGNS, {})

    def get(name: str) -> Campaign:
        return store.setdefault(name, Campaign(name))

    return get


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    store = config.stash.get(_CAMPAIGNS, {})
    if not store:
        return
    terminalreporter.write_sep("-", "fault campaigns (tests/reliability)")
    for c in store.values():
        terminalreporter.write_line(f"{c.name:<52} cases {c.tried:>3}, held {c.held:>3}; points lost {c.lost}, "
                                    f"duplicated {c.duplicated}, dark {c.dark}")
        for note in c.notes[:12]:
            terminalreporter.write_line(f"    {note}")


def default_bench_data() -> dict:
    return yaml.safe_load(default_bench_text())


def bench_file(tmp_path: Path, data: dict, name: str = "bench.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# -- serve-sim in its own process, and benches that reach it over TCP ---------------------------------
@dataclass
class Served:
    process: subprocess.Popen
    resources: dict[str, str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_serve_sim(extra: list[str] = ()) -> Served:
    process = subprocess.Popen([sys.executable, "-m", "anplab", "serve-sim", *extra], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    resources = {}
    deadline = time.monotonic() + 120
    for line in process.stdout:
        if line.startswith("serving") or time.monotonic() > deadline:
            break
        found = re.match(r"^(\S+)\s+.*\s(TCPIP::\S+)$", line.strip())
        if found:
            resources[found[1]] = found[2]
    if not resources:
        process.kill()
        raise RuntimeError(f"serve-sim did not start: {process.stderr.read()}")
    return Served(process, resources)


@pytest.fixture
def serve_sim():
    started: list[Served] = []

    def start(*extra: str) -> Served:
        served = start_serve_sim(list(extra))
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


def served_bench_data(resources: dict[str, str]) -> dict:
    """The built-in bench as a lab would describe it with its instruments on the network: every served
    instrument at its TCP address (no simulation section: to anplab this is real hardware)."""
    data = default_bench_data()
    data.pop("simulation")
    instruments = {}
    for name, spec in data["instruments"].items():
        if name in resources:
            instruments[name] = {**spec, "address": resources[name]}
    data["instruments"] = instruments
    data["defaults"] = {"laser": "pump_1064", "photon_counter": "pmt"}
    return data


def python_env() -> dict:
    environment = dict(os.environ)
    environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    return environment


def ledger_entries(out: Path) -> int:
    """Entries in the ledger of the one run folder under ``out`` so far (0 before there is one).

    A folder is built under a hidden name and renamed into place, so a ledger seen a moment ago may have
    moved: look only at folders in place, and take a vanished file as not there yet."""
    for ledger in out.glob("[!.]*/points.log"):
        try:
            return len(ledger.read_text().splitlines())
        except FileNotFoundError:
            return 0
    return 0
