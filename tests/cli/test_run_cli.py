"""`anplab run`: a run folder on success, exit 2 and nothing touched on bad input, a clean end on Ctrl-C/SIGTERM."""

import json
import signal
import subprocess
import sys
import time

import pytest

from anplab.cli import main
from anplab.procedures.run_folder import RunFolder


def folders(out):
    return sorted(p for p in out.iterdir() if p.is_dir()) if out.exists() else []


def test_a_run_prints_its_results_and_the_run_folder_last(capsys, tmp_path):
    code = main(["run", "threshold", "--quiet", "--out", str(tmp_path), "--set", "max_points=8",
                 "--set", "min_intensity=4", "--set", "max_intensity=15"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    (folder,) = folders(tmp_path)
    assert out[-1] == str(folder)
    assert any(line.startswith("threshold_kw_cm2: ") for line in out)
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["parameters"]["max_points"] == 8 and metadata["bench"]["source"] == "built-in:simulated"


@pytest.mark.parametrize("argv, message", [
    (["power-sweep", "--set", "colour=blue"], "has no parameter 'colour'"),
    (["power-sweep", "--set", "points"], "expected NAME=VALUE"),
    (["power-sweep", "--set", "points=many"], "--set points"),
    (["power-sweep", "--set", "max_intensity=5000"], "the highest peak intensity pump_1064 can reach is 87"),
    (["thermometry", "--set", "temperatures=300,500"], "cryostat: temperature 500 K is outside the bench limits"),
    (["thermometry", "--set", "ramp_rate=50"], "ramp rate"),
    (["photopatterning", "--set", "pattern=no-such-file.png"], "neither a built-in pattern"),
    (["passi-scan", "--set", "centre=99.5,0"], "field edge"),
    (["rise-time", "--set", "intensities=10,-3"], "intensities must be positive"),
    (["power-sweep", "--bench", "no-such-bench.yaml"], "neither a bench file nor a built-in bench"),
])
def test_bad_input_is_refused_before_anything_moves(argv, message, capsys, tmp_path):
    out = tmp_path / "runs"
    with pytest.raises(SystemExit) as exit_:
        main(["run", *argv, "--quiet", "--out", str(out)])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert folders(out) == []  # no run folder: nothing was started


def test_an_unreadable_pattern_file_is_refused(capsys, tmp_path):
    broken = tmp_path / "pattern.png"
    broken.write_bytes(b"not a png at all")
    with pytest.raises(SystemExit) as exit_:
        main(["run", "photopatterning", "--quiet", "--out", str(tmp_path / "runs"), "--set", f"pattern={broken}"])
    assert exit_.value.code == 2
    assert "cannot read pattern file" in capsys.readouterr().err
    assert folders(tmp_path / "runs") == []


@pytest.mark.parametrize("how, code", [(signal.SIGINT, 130), (signal.SIGTERM, 130)])
def test_ctrl_c_or_sigterm_ends_the_run_with_lasers_off_and_says_so(how, code, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "anplab.cli", "run", "power-sweep", "--quiet", "--out", str(tmp_path),
         "--set", "points=400", "--set", "min_intensity=5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = folders(tmp_path)
            # Committed rows, not lines in data.csv: the point being measured is not kept on an interrupt.
            if found and sum(point["rows"] for point in RunFolder(found[0]).committed_points()) >= 5:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the run never recorded a point")
        process.send_signal(how)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == code
    assert "interrupted" in err
    metadata = json.loads((found[0] / "metadata.json").read_text())
    assert metadata["ended"] == "interrupted" and metadata["lasers_off_at_end"] is True
    assert 5 <= metadata["data_rows"] < 401


def test_headlines_carry_their_uncertainty_and_a_bound_says_it_is_one():
    from anplab.commands.run import headline_text

    summary = {"threshold_kw_cm2": 6.252, "threshold_uncertainty_kw_cm2": 0.333, "s_max": 26.1,
               "s_max_is_lower_limit": True, "best_fwhm_nm": 94.0}
    assert headline_text(summary, "threshold_kw_cm2") == "6.252 +- 0.333"
    assert headline_text(summary, "s_max").startswith(">= 26.1 (a lower limit")
    assert headline_text({"s_max": 26.1, "s_max_uncertainty": 2.0}, "s_max") == "26.1 +- 2"
    assert headline_text(summary, "best_fwhm_nm") == "94"
