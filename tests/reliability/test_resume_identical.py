"""Killed with SIGKILL at a random point, then resumed: the same run as one never killed, on the same seed.

The resumed folder must hold the very numbers of the uninterrupted run:
data.csv row for row (bench times included: the bench clock carries on) and
summary.json key for key, wall times aside.  On the simulated bench this is
what the checkpoint of the simulated world at each commit buys.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from anplab.procedures.run_folder import RunFolder

from .conftest import ledger_entries, python_env

CASES = {
    "power-sweep": ["--set", "points=16", "--set", "min_intensity=3", "--set", "max_intensity=25"],
    "threshold": ["--set", "points=6", "--set", "max_points=12"],
    "rise-time": ["--set", "intensities=8,10,14", "--set", "max_repeats=3", "--set", "rise_duration=0.6"],
    "thermometry": ["--set", "temperatures=295,285,275", "--set", "hold=2", "--set", "repeats=2",
                    "--set", "sweep_points=5", "--set", "sweep_min=5", "--set", "sweep_max=14"],
    "passi-scan": ["--set", "pixels=12", "--set", "intensities=10,14", "--set", "sweep_points=4"],
    "photopatterning": ["--set", "pattern_pixels=5", "--set", "read_pixels=10"],
}
WALL = {"wall_time_s", "started", "finished"}


def anplab(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "anplab", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=python_env(), **kwargs)


def only_folder(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def kill_after(args, out: Path, entries: int) -> Path | None:
    process = anplab(*args)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if ledger_entries(out) >= entries:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
    finally:
        process.kill()
        process.communicate()
    return only_folder(out) if out.exists() else None


def comparable(folder: Path) -> tuple[pd.DataFrame, dict]:
    data = pd.read_csv(folder / "data.csv", comment="#")
    summary = json.loads((folder / "summary.json").read_text())
    return data, {k: v for k, v in summary.items() if k not in WALL}


@pytest.mark.parametrize("procedure", sorted(CASES))
def test_killed_and_resumed_equals_uninterrupted(tmp_path, campaign, procedure):
    whole_out = tmp_path / "whole"
    whole = anplab("run", procedure, "--out", str(whole_out), "--quiet", *CASES[procedure])
    assert whole.wait(timeout=600) == 0, whole.stderr.read()
    whole_folder = only_folder(whole_out)
    entries = len(RunFolder(whole_folder).committed_points())
    kill_at = random.Random(f"{procedure}").randint(2, max(2, entries - 1))  # after at least one real point

    cut_out = tmp_path / "cut"
    folder = kill_after(["run", procedure, "--out", str(cut_out), "--quiet", *CASES[procedure]], cut_out, kill_at)
    assert folder is not None
    resumed = anplab("resume", str(folder), "--quiet")
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err

    data, summary = comparable(folder)
    expected_data, expected_summary = comparable(whole_folder)
    keys = [p["key"] for p in RunFolder(folder).committed_points()]
    expected_keys = [p["key"] for p in RunFolder(whole_folder).committed_points()]
    lost = len(set(expected_keys) - set(keys))
    duplicated = len(keys) - len(set(keys))
    same = data.equals(expected_data) and summary == expected_summary and keys == expected_keys
    campaign("SIGKILL and resume, against uninterrupted").case(
        held=same, lost=lost, duplicated=duplicated,
        note=f"{procedure}: killed at ledger entry {kill_at} of {entries}: {'identical' if same else 'DIFFERENT'}")
    assert keys == expected_keys
    pd.testing.assert_frame_equal(data, expected_data, check_exact=True)
    assert summary == expected_summary
    metadata = json.loads((folder / "metadata.json").read_text())
    expected = json.loads((whole_folder / "metadata.json").read_text())
    assert metadata["bench_time_s"] == expected["bench_time_s"]  # the bench clock carried on
    # Both sessions counted (up to the killed session's last commit: the time of the point in flight is lost).
    assert metadata["bench_time_spent_s"] == pytest.approx(expected["bench_time_s"])
    assert [s["session"] for s in metadata["sessions"]] == [1, 2]
    assert metadata["sessions"][0]["ended"].startswith("killed")
