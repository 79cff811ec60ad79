"""Ctrl-C and SIGTERM at every phase of a run, once and twice: the end is always on record.

Real signals, raised in this process (the main thread, where a terminal's
Ctrl-C or a ``kill`` lands), at the moment each phase is in: opening the
bench, the procedure's start-up, the middle of a point, the analysis, the
figures.  "Twice" adds a second signal while the run is recording its end
(the safe state), where an impatient user presses Ctrl-C again.
"""

from __future__ import annotations

import json
import signal

import pytest

from anplab import cli
from anplab.instruments.bench import Bench
from anplab.procedures import power_sweep
from anplab.procedures.power_sweep import PowerSweep

PHASES = ("opening", "start-up", "mid-point", "analysis", "figures")
MEASURING = {"opening": False, "start-up": True, "mid-point": True, "analysis": False, "figures": False}


class Signaller:
    def __init__(self, signum):
        self.signum = signum
        self.sent = 0

    def send(self):
        self.sent += 1
        signal.raise_signal(self.signum)


@pytest.fixture
def lasers_seen(monkeypatch):
    """Every bench opened in the test, to check its lasers once the command has returned."""
    benches = []
    original = Bench.open.__func__

    def open_and_keep(cls, *args, **kwargs):
        bench = original(cls, *args, **kwargs)
        benches.append(bench)
        return bench

    monkeypatch.setattr(Bench, "open", classmethod(open_and_keep))
    return benches


def arm(monkeypatch, phase: str, signaller: Signaller, twice: bool) -> None:
    if phase == "opening":
        original_open = Bench._open_instrument
        calls = {"n": 0}

        def opening(self, name, spec):
            calls["n"] += 1
            if calls["n"] == 3:
                signaller.send()
            return original_open(self, name, spec)

        monkeypatch.setattr(Bench, "_open_instrument", opening)
    elif phase == "start-up":
        original_startup = PowerSweep.startup

        def startup(self):
            original_startup(self)
            signaller.send()

        monkeypatch.setattr(PowerSweep, "startup", startup)
    elif phase == "mid-point":
        original_read = power_sweep.read_when_settled
        calls = {"n": 0}

        def read(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 4:
                signaller.send()
            return original_read(*args, **kwargs)

        monkeypatch.setattr(power_sweep, "read_when_settled", read)
    else:
        method = "analyse" if phase == "analysis" else "figures"
        original = getattr(PowerSweep, method)

        def interrupted(self, *args):
            signaller.send()
            return original(self, *args)

        monkeypatch.setattr(PowerSweep, method, interrupted)
    if twice:
        original_safe = Bench.safe_state
        state = {"sent": False}

        def safe_state(self):
            if not state["sent"] and signaller.sent:
                state["sent"] = True
                signaller.send()  # the second Ctrl-C, while the end of the run is being recorded
            return original_safe(self)

        monkeypatch.setattr(Bench, "safe_state", safe_state)


@pytest.mark.parametrize("twice", [False, True], ids=["once", "twice"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", PHASES)
def test_every_end_is_recorded(tmp_path, monkeypatch, capsys, lasers_seen, campaign, phase, signum, twice):
    signaller = Signaller(signum)
    arm(monkeypatch, phase, signaller, twice)
    out = tmp_path / "runs"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "power-sweep", "--out", str(out), "--quiet", "--set", "points=6"])
    printed = capsys.readouterr()
    folders = [path for path in out.iterdir()] if out.exists() else []
    lasers_off = all(bench.world.all_lasers_off() for bench in lasers_seen)
    held = exit_.value.code == 130 and lasers_off and signaller.sent >= 1
    assert exit_.value.code == 130, printed.err
    assert "Traceback" not in printed.err and lasers_off
    if phase == "opening":
        assert folders == []  # nothing was measured: no run folder
        campaign("signals at every phase").case(held=held)
        return
    (folder,) = folders
    metadata = json.loads((folder / "metadata.json").read_text())
    summary = json.loads((folder / "summary.json").read_text())
    recorded = metadata["status"] == "ended" and metadata["finished"] and metadata["lasers_off_at_end"]
    expected_end = "interrupted" if MEASURING[phase] else "finished"
    campaign("signals at every phase").case(held=held and recorded and metadata["ended"] == expected_end,
                                            note=f"{phase} {signal.Signals(signum).name} {'twice' if twice else 'once'}"
                                                 f": ended {metadata['ended']}")
    assert recorded and metadata["ended"] == expected_end
    assert not list(folder.glob("*.tmp")) and not (folder / ".end-reserve").exists()
    if MEASURING[phase]:
        assert f"anplab resume {folder}" in printed.err and printed.out.strip().endswith(str(folder))
    if phase == "analysis":
        assert "interrupted" in summary["analysis_error"] and metadata["analysis_error"] == summary["analysis_error"]
    elif phase == "figures":
        assert "threshold_kw_cm2" in summary or "threshold_error" in summary  # the summary stands
        assert summary["figure_errors"]
