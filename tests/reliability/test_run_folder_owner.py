"""One owner per run folder: a second run or resume of the same folder is refused; a dead owner's lock is not."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from anplab.procedures.run_folder import RunFolder, RunFolderBusy

from .conftest import ledger_entries, python_env


def anplab(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "anplab", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=python_env(), **kwargs)


def test_a_folder_has_one_owner_at_a_time(tmp_path):
    folder = RunFolder.create(tmp_path, "probe")
    other = RunFolder(folder.path)
    with pytest.raises(RunFolderBusy, match=r"in use by pid \d+ on"):
        other.acquire()
    folder.release()
    other.acquire()  # the first owner let go
    other.release()


def test_a_dead_owners_lock_is_recognised_as_stale(tmp_path):
    folder = RunFolder.create(tmp_path, "probe")
    folder.release()
    child = subprocess.run([sys.executable, "-c", "import sys, time\n"
                            "from anplab.procedures.run_folder import RunFolder\n"
                            f"RunFolder({str(folder.path)!r}).acquire()\n"
                            "import os; os.kill(os.getpid(), 9)"], env=python_env())
    assert child.returncode == -9
    assert "pid" in (folder.path / "run.lock").read_text()  # it names the dead owner ...
    RunFolder(folder.path).acquire()  # ... and stands in nobody's way


def _interrupted_run(tmp_path):
    """A power sweep killed with SIGKILL after a few points."""
    out = tmp_path / "runs"
    process = anplab("run", "power-sweep", "--out", str(out), "--quiet", "--set", "points=30")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if ledger_entries(out) >= 8:
            break
        time.sleep(0.05)
    process.kill()
    process.communicate()
    (folder,) = [path for path in out.iterdir() if path.is_dir()]
    return folder


def test_two_resumes_at_once_one_is_refused_and_no_point_is_duplicated(tmp_path, campaign):
    folder = _interrupted_run(tmp_path)
    first, second = anplab("resume", str(folder), "--quiet"), None
    try:
        second = anplab("resume", str(folder), "--quiet")  # both race for the folder
        out2, err2 = second.communicate(timeout=300)
        out1, err1 = first.communicate(timeout=300)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
    codes = sorted([first.returncode, second.returncode])
    keys = [json.loads(line)["key"] for line in (folder / "points.log").read_text().splitlines()]
    duplicated = len(keys) - len(set(keys))
    campaign("concurrent resumes").case(held=codes == [0, 2] and duplicated == 0, duplicated=duplicated)
    assert codes == [0, 2], (err1, err2)
    refused = err2 if second.returncode == 2 else err1
    # Refused because the other owns the folder (or, if the other was far quicker, because it has finished it).
    assert "is in use by pid" in refused or "holds a finished run" in refused
    assert "Traceback" not in refused and len(refused.strip().splitlines()) == 1
    assert duplicated == 0 and len(keys) == 1 + 1 + 1 + 30  # header, dark, aim, 30 points


def test_a_resume_of_a_run_still_running_is_refused(tmp_path):
    out = tmp_path / "runs"
    running = anplab("run", "power-sweep", "--out", str(out), "--quiet", "--set", "points=200")
    try:
        deadline = time.monotonic() + 120
        while not ledger_entries(out) and time.monotonic() < deadline:
            time.sleep(0.05)
        (folder,) = [path for path in out.iterdir() if path.is_dir()]
        resumed = subprocess.run([sys.executable, "-m", "anplab", "resume", str(folder), "--quiet"],
                                 capture_output=True, text=True, env=python_env(), timeout=120)
        assert resumed.returncode == 2 and "is in use by pid" in resumed.stderr
        assert running.poll() is None  # untouched by the refused resume
    finally:
        running.kill()
        running.communicate()
