"""`anplab resume`: a run killed with SIGKILL carries on and ends as an uninterrupted run would."""

import json

import pandas as pd
import pytest

from anplab.cli import main
from anplab.procedures.run_folder import RunFolder

SWEEP = ["--set", "points=30", "--set", "min_intensity=3", "--set", "max_intensity=30"]


def only_folder(out):
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def keys(folder):
    return [point["key"] for point in RunFolder(folder).committed_points()]


def test_a_killed_run_resumes_to_the_same_points(tmp_path, capsys, killed_midway):
    killed_midway(["run", "power-sweep", "--quiet", "--out", str(tmp_path / "killed"), *SWEEP], tmp_path / "killed",
                  "*/points.log", 12, "ten committed points")
    folder = only_folder(tmp_path / "killed")
    assert json.loads((folder / "metadata.json").read_text())["status"] == "running"  # it never got to say
    assert main(["resume", str(folder), "--quiet"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(folder)

    assert main(["run", "power-sweep", "--quiet", "--out", str(tmp_path / "whole"), *SWEEP]) == 0
    whole = only_folder(tmp_path / "whole")
    assert keys(folder) == keys(whole)
    assert len(pd.read_csv(folder / "data.csv", comment="#")) == 31
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["ended"] == "finished" and metadata["lasers_off_at_end"]
    assert metadata["resumed"][0]["previous_end"].startswith("killed")
    assert metadata["parameters"]["points"] == 30 and metadata["bench"]["source"] == "built-in:simulated"


def test_resume_refuses_what_it_cannot_resume(tmp_path, capsys):
    assert main(["run", "power-sweep", "--quiet", "--out", str(tmp_path), "--set", "points=4",
                 "--set", "min_intensity=5", "--set", "max_intensity=10"]) == 0
    finished = only_folder(tmp_path)
    capsys.readouterr()
    for folder, message in ((finished, "nothing to resume"),
                            (tmp_path, "neither an anplab run folder nor a sequence folder")):
        with pytest.raises(SystemExit) as exit_:
            main(["resume", str(folder), "--quiet"])
        assert exit_.value.code == 2
        assert message in capsys.readouterr().err
