"""A full disk at any size: never a traceback, never a run left "running", never a summary lost to a figure.

A real filesystem that fills up: a small tmpfs mounted for the test (root
only; skipped elsewhere), with the run writing into it from a subprocess.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from .conftest import python_env


@pytest.fixture
def small_disk(tmp_path):
    mounted = []

    def mount(size_kib: int):
        point = tmp_path / f"disk-{size_kib}k"
        point.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(point)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.strip()})")
        mounted.append(point)
        return point

    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.mark.parametrize("size_kib", [24, 150, 180, 210, 270, 1200])
def test_a_disk_that_fills_up_still_gets_the_end_of_the_run(small_disk, campaign, size_kib):
    disk = small_disk(size_kib)
    result = subprocess.run([sys.executable, "-m", "anplab", "run", "power-sweep", "--out", str(disk / "runs"),
                             "--quiet", "--set", "points=40", "--set", "max_intensity=30"],
                            capture_output=True, text=True, env=python_env(), timeout=600)
    folders = list((disk / "runs").iterdir()) if (disk / "runs").exists() else []
    last = result.stderr.strip().splitlines()[-1][:90] if result.stderr.strip() else ""
    note = f"{size_kib} KiB: exit {result.returncode}; {last}"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    finished = [f for f in folders if f.is_dir() and not f.name.startswith(".")]
    if not finished:  # not even room for the folder: one line, no half folder left behind
        campaign("disk full at several sizes").case(held=result.returncode == 1, note=note)
        assert result.returncode == 1 and "cannot create a run folder" in result.stderr
        assert not [f for f in folders if f.name.endswith(".creating")]
        return
    (folder,) = finished
    metadata = json.loads((folder / "metadata.json").read_text())
    held = metadata["status"] == "ended" and metadata["lasers_off_at_end"]
    campaign("disk full at several sizes").case(held=held, note=note + f"; ended {metadata.get('ended')}")
    assert held
    if metadata["ended"] == "failed":
        assert "disk is full" in metadata["error"] and result.returncode == 1
    else:
        summary = json.loads((folder / "summary.json").read_text())
        assert "threshold_kw_cm2" in summary or "threshold_error" in summary  # the summary stands
