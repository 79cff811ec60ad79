"""User-facing messages in the bench's and the procedure's own terms, never a pymeasure class name."""

from __future__ import annotations

import re

import pytest

from anplab.cli import main
from anplab.instruments.errors import IntensityOutOfReach
from anplab.procedures.base import open_bench
from anplab.procedures.catalog import configure

PYMEASURE_NAMES = re.compile(r"(Integer|Float|Boolean|List|Vector)Parameter|<class ")


def refused(argv: list[str], capsys, tmp_path) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--quiet", "--out", str(tmp_path / "runs")] if argv[0] == "run" else argv)
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    assert not PYMEASURE_NAMES.search(error), error
    return error


@pytest.mark.parametrize("assignment, expected", [
    ("points=many", "--set points (Points): expected a whole number from 2 to 10000, got 'many'"),
    ("points=2.5", "--set points (Points): expected a whole number from 2 to 10000, got '2.5'"),
    ("points=1", "--set points (Points): 1 is below the lowest allowed (from 2 to 10000)"),
    ("points=20000", "--set points (Points): 20000 is above the highest allowed (from 2 to 10000)"),
    ("gate=-1", "--set gate (First counting gate): -1 s is below the lowest allowed (from 0.0001 to 60 s)"),
    ("gate=3 ms", "--set gate (First counting gate): expected a number from 0.0001 to 60 s, got '3 ms'"),
    ("up_and_down=maybe", "--set up_and_down (Sweep up, then down): expected true or false, got 'maybe'"),
])
def test_a_refused_parameter_names_itself_its_bounds_and_the_value(assignment, expected, capsys, tmp_path):
    assert refused(["run", "power-sweep", "--set", assignment], capsys, tmp_path) == f"anplab: error: {expected}"


def test_a_sequence_file_value_is_refused_in_the_same_terms(capsys, tmp_path):
    sequence = tmp_path / "bad.yaml"
    sequence.write_text("name: bad\nsteps:\n  - run: power-sweep\n    set: {points: lots}\n", encoding="utf-8")
    error = refused(["queue", str(sequence), "--check"], capsys, tmp_path)
    assert "bad.yaml:4" in error and "expected a whole number from 2 to 10000, got 'lots'" in error


def test_an_intensity_out_of_reach_names_the_highest_the_laser_can_reach(capsys, tmp_path):
    error = refused(["run", "power-sweep", "--set", "max_intensity=5000"], capsys, tmp_path)
    found = re.search(r"the highest peak intensity pump_1064 can reach is ([\d.]+) kW/cm\^2", error)
    assert found and "outside the bench limits 0..8 W" in error, error
    highest = float(found[1])
    bench = open_bench("simulated")
    try:
        # What the message names is what the bench allows: just below passes the check, just above is refused.
        configure("power-sweep", {"max_intensity": highest * 0.99}, bench=bench).check_against_bench()
        with pytest.raises(IntensityOutOfReach) as raised:
            configure("power-sweep", {"max_intensity": highest * 1.02}, bench=bench).check_against_bench()
        assert raised.value.highest_kw_cm2 == pytest.approx(highest, rel=5e-3)
    finally:
        bench.close()
