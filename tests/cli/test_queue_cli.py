"""`anplab queue`: check or run a sequence file; a killed sequence resumes to the end."""

import json
from pathlib import Path

import pytest

from anplab.cli import main
from anplab.procedures.run_folder import RunFolder

SEQUENCE = """\
name: two temperatures
steps:
  - for: temperature
    in: [290, 285]
    steps:
      - run: hold-temperature
        set: {temperature: "{temperature}", hold: 5}
      - run: power-sweep
        set: {points: 16, min_intensity: 4, max_intensity: 20}
"""


@pytest.fixture
def sequence_file(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(SEQUENCE)
    return path


def test_check_lists_the_items_without_running_them(sequence_file, tmp_path, capsys):
    assert main(["queue", str(sequence_file), "--check", "--out", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert "hold-temperature (temperature=285)" in out and "4 items, all within the bench's limits" in out
    assert not (tmp_path / "runs").exists()


def test_a_bad_sequence_file_is_one_line_with_its_line_number(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SEQUENCE.replace("hold: 5", "hold: 5, colour: red"))
    with pytest.raises(SystemExit) as exit_:
        main(["queue", str(bad), "--out", str(tmp_path / "runs")])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert f"{bad}:7" in error and "has no parameter 'colour'" in error and "Traceback" not in error


def test_a_killed_sequence_resumes_and_finishes_every_item(sequence_file, tmp_path, capsys, killed_midway):
    out = tmp_path / "runs"
    killed_midway(["queue", str(sequence_file), "--quiet", "--out", str(out)], out,
                  "*/003_power-sweep/points.log", 6, "the sweep at 285 K")  # its last item
    (folder,) = list(out.iterdir())
    assert json.loads((folder / "sequence.json").read_text())["status"] == "running"
    assert main(["resume", str(folder), "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == str(folder) and sum("finished" in line for line in lines) == 4
    keys = [p["key"] for p in RunFolder(folder / "003_power-sweep").committed_points()]
    assert keys == ["__header__", "dark", "aim"] + [f"up-{k}" for k in range(16)]
    state = json.loads((folder / "sequence.json").read_text())
    assert state["resumed"][0]["previous_end"] == "killed"
    assert state["repeated_for_resume"][0]["item"] == 2


def test_the_example_overnight_sequence_checks_against_the_simulated_bench(capsys):
    example = Path(__file__).parents[2] / "examples" / "overnight_thermometry.yaml"
    assert main(["queue", str(example), "--check"]) == 0
    out = capsys.readouterr().out
    assert "S-curve at 155 K" in out and "90 items, all within the bench's limits" in out
