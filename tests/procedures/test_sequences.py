"""Sequence files: loops expanded, every problem refused with its line, items run on one bench, resumable."""

import json

import numpy as np
import pandas as pd
import pytest

from anplab.instruments.yaml_lines import BenchFileError
from anplab.procedures.base import open_bench
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.sequence_file import parse_sequence
from anplab.procedures.sequence_runner import read_sequence_state, resume_sequence, run_sequence

TEMPERATURE_LOOP = """\
name: cool down
on_error: {on_error}
steps:
  - run: power-sweep
    set: {{points: 6, min_intensity: 5, max_intensity: 20}}
  - for: temperature
    in: {{from: 290, to: 270, step: -10}}
    steps:
      - run: hold-temperature
        set: {{temperature: "{{temperature}}", hold: 5, stability_timeout: {timeout}}}
      - run: power-sweep
        set: {{points: 6, min_intensity: 5, max_intensity: 20}}
"""


def loop(on_error="stop", timeout=1800):
    return parse_sequence(TEMPERATURE_LOOP.format(on_error=on_error, timeout=timeout), "loop.yaml")


def test_loops_expand_with_typed_substitution_and_labels():
    plan = loop()
    assert [item.procedure for item in plan.items] == ["power-sweep"] + ["hold-temperature", "power-sweep"] * 3
    holds = [item.parameters["temperature"] for item in plan.items if item.procedure == "hold-temperature"]
    assert holds == [290.0, 280.0, 270.0] and all(isinstance(t, float) for t in holds)
    assert plan.items[4].label == "power-sweep (temperature=280)"
    assert plan.items[1].line == 9 and plan.name == "cool down"
    listed = parse_sequence("steps:\n  - for: i\n    in: {from: 1, to: 2, points: 3}\n    steps:\n"
                            "      - run: rise-time\n        set: {intensities: [10, '{i}']}\n")
    assert [item.parameters["intensities"] for item in listed.items] == ["10,1", "10,1.5", "10,2"]


@pytest.mark.parametrize("text, line, message", [
    ("steps:\n  - run: power-swep\n", 2, "unknown procedure 'power-swep'"),
    ("steps:\n  - run: power-sweep\n    set: {colour: red}\n", 3, "has no parameter 'colour'"),
    ("steps:\n  - run: power-sweep\n    set:\n      points: many\n", 4, "points"),
    ("steps:\n  - run: power-sweep\n    repeat: 3\n", 3, "unknown key"),
    ("steps:\n  - for: t\n    in: {from: 1, to: 5, step: -1}\n    steps: []\n", 3, "from/to"),
    ("steps:\n  - run: hold-temperature\n    set: {temperature: '{t}'}\n", 3, "is not a loop variable"),
    ("on_error: retry\nsteps:\n  - run: power-sweep\n", 1, "must be one of stop, skip"),
    ("steps:\n  - run: power-sweep\n  - run: !!python/object:os.system {}\n", 3, "not allowed"),
    ("steps: []\n", 1, "no step"),
    ("name: a\nname: b\nsteps: []\n", 2, "appears twice"),
])
def test_every_problem_is_refused_with_its_line(text, line, message):
    with pytest.raises(BenchFileError) as error:
        parse_sequence(text, "bad.yaml")
    assert error.value.line == line and message in str(error.value)
    assert str(error.value).startswith(f"bad.yaml:{line}")


def test_limits_are_checked_for_every_item_before_anything_moves(tmp_path):
    plan = parse_sequence("steps:\n  - run: power-sweep\n  - for: t\n    in: [300, 450]\n    steps:\n"
                          "      - run: hold-temperature\n        set: {temperature: '{t}'}\n", "limits.yaml")
    bench = open_bench("simulated")
    try:
        with pytest.raises(BenchFileError, match=r"limits.yaml:6: hold-temperature \(t=450\): .*450 K is outside"):
            run_sequence(plan, tmp_path, bench)
        assert not list(tmp_path.iterdir())  # no folder: nothing started
        assert bench.temperature_controller().setpoint_k == pytest.approx(295.0)
        assert all(laser.setpoint_w == 0 for laser in bench.world.lasers.values())
    finally:
        bench.close()


def test_a_temperature_loop_runs_every_item_at_its_temperature(tmp_path):
    bench = open_bench("simulated")
    try:
        outcome = run_sequence(loop(), tmp_path, bench)
    finally:
        bench.close()
    assert outcome.ended == "finished"
    state = read_sequence_state(outcome.folder)
    assert [item["status"] for item in state["items"]] == ["finished"] * 7
    for item in state["items"][2::2]:  # the sweeps inside the loop
        metadata = json.loads((outcome.folder / item["run_folder"] / "metadata.json").read_text())
        setpoint = state["items"][item["index"] - 1]["parameters"]["temperature"]
        assert metadata["bench"]["instruments"]["cryostat"]["status"]["temperature_k"] == pytest.approx(setpoint,
                                                                                                        abs=0.3)
    watched = [RunFolder(outcome.folder / item["run_folder"]).read_metadata()["watched"]
               for item in state["items"] if item["procedure"] == "power-sweep"]
    assert [w.get("temperature_k") for w in watched] == [None, 290.0, 280.0, 270.0]  # held by the loop's hold
    parked = [RunFolder(outcome.folder / item["run_folder"]).read_state()["parked_um"]
              for item in state["items"] if item["procedure"] == "power-sweep"]
    assert np.ptp(np.array(parked), axis=0).max() < 0.05  # the same particle throughout
    darks = [RunFolder(outcome.folder / item["run_folder"]).read_state()["dark_reading"]
             for item in state["items"] if item["procedure"] == "power-sweep"]
    # A dark reading is valid at the temperature it was taken at only: each new temperature counts its own.
    assert [d["kelvin"] for d in darks] == [None, 290.0, 280.0, 270.0]
    assert len({d["at_s"] for d in darks}) == 4
    assert (outcome.folder / "sequence.yaml").read_text() == loop().text
    assert "item 6: power-sweep (temperature=270)" in (outcome.folder / "sequence.log").read_text()


@pytest.mark.parametrize("on_error, ended, statuses", [
    ("skip", "finished", ["finished", "failed", "skipped", "failed", "skipped", "failed", "skipped"]),
    ("stop", "failed", ["finished", "failed", "pending", "pending", "pending", "pending", "pending"]),
])
def test_a_failed_item_is_skipped_or_stops_the_sequence(on_error, ended, statuses, tmp_path):
    bench = open_bench("simulated")
    try:
        outcome = run_sequence(loop(on_error, timeout=5), tmp_path, bench)  # 5 s is too short to cool by 5 K
        assert bench.world.all_lasers_off()
    finally:
        bench.close()
    assert outcome.ended == ended
    assert [item["status"] for item in outcome.items] == statuses
    assert "not stable" in outcome.items[1]["error"]


TWO_SWEEPS = """\
on_error: {on_error}
steps:
  - run: power-sweep
    set: {{points: 12, min_intensity: 4, max_intensity: 20}}
  - run: power-sweep
    set: {{points: 12, min_intensity: 4, max_intensity: 20}}
"""


@pytest.mark.parametrize("on_error, statuses", [("skip", ["failed", "finished"]), ("stop", ["failed", "pending"])])
def test_a_persistent_instrument_fault_ends_the_run_safely_and_the_policy_decides(on_error, statuses, tmp_path):
    """The power meter stops answering half-way through the first sweep (and is mended before the second)."""
    from anplab.simulated.faults import FaultPlan

    bench = open_bench("simulated")
    seen = {}

    def progress(index, percent):
        meter = bench.devices["power_meter"]
        if index == 0 and percent > 40 and "broken" not in seen:
            seen["broken"] = True
            meter.faults = FaultPlan(timeout_rate=1.0)
        if index == 1 and "mended" not in seen:
            seen["mended"], seen["lasers_off_between"] = True, bench.world.all_lasers_off()
            meter.faults = FaultPlan()

    try:
        outcome = run_sequence(parse_sequence(TWO_SWEEPS.format(on_error=on_error), "two.yaml"), tmp_path, bench,
                               progress=progress)
        assert bench.world.all_lasers_off()
    finally:
        bench.close()
    assert [item["status"] for item in outcome.items] == statuses
    assert "power_meter" in outcome.items[0]["error"] and "failed 4 times" in outcome.items[0]["error"]
    folder = RunFolder(outcome.folder / outcome.items[0]["run_folder"])
    metadata = folder.read_metadata()
    assert metadata["ended"] == "failed" and metadata["lasers_off_at_end"] is True
    assert [f["outcome"] for f in metadata["instrument_faults"]][-1] == "gave up"
    committed = folder.committed_points()
    assert 2 < len(committed) < 14  # what was measured before the fault is on disk, and only that
    assert len(pd.read_csv(folder.data_path, comment="#")) == sum(point["rows"] for point in committed)
    if on_error == "skip":
        assert seen["lasers_off_between"]


def test_an_interrupted_sequence_resumes_where_it_stopped(tmp_path):
    plan = loop()
    bench = open_bench("simulated")
    points = {"n": 0}

    def progress(index, percent):
        if index == 4 and percent > 40:  # in the middle of the sweep at 280 K
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            run_sequence(plan, tmp_path, bench, progress=progress)
    finally:
        bench.close()
    (folder,) = list(tmp_path.iterdir())
    state = read_sequence_state(folder)
    assert state["ended"] == "interrupted" and state["items"][4]["status"] == "interrupted"
    kept = RunFolder(folder / state["items"][4]["run_folder"]).committed_points()
    assert len(kept) > 2

    bench = open_bench("simulated")  # a new session: the cryostat is back at room temperature
    try:
        outcome = resume_sequence(folder, bench, progress=lambda i, p: points.update(n=points["n"] + 1))
    finally:
        bench.close()
    assert outcome.ended == "finished"
    state = read_sequence_state(folder)
    assert [item["status"] for item in state["items"]] == ["finished"] * 7
    assert state["repeated_for_resume"] == [{"item": 3, "before": 4, "run_folder": "004_repeat-of-003_hold-temperature",
                                             "ended": "finished"}]
    sweep = folder / state["items"][4]["run_folder"]
    keys = [p["key"] for p in RunFolder(sweep).committed_points()]
    assert keys == ["__header__", "dark", "aim"] + [f"up-{k}" for k in range(6)]
    metadata = json.loads((sweep / "metadata.json").read_text())
    assert metadata["resumed"][0]["points_kept"] == len(kept) - 1
    assert metadata["bench"]["instruments"]["cryostat"]["status"]["temperature_k"] == pytest.approx(280, abs=0.3)


def test_a_sequence_reuses_the_dark_reading_while_it_is_valid(tmp_path):
    plan = parse_sequence("steps:\n  - run: power-sweep\n    set: {points: 4, min_intensity: 5, max_intensity: 20}\n"
                          "  - run: power-sweep\n    set: {points: 4, min_intensity: 5, max_intensity: 20}\n",
                          "two.yaml")
    bench = open_bench("simulated")
    try:
        outcome = run_sequence(plan, tmp_path, bench)
    finally:
        bench.close()
    assert outcome.ended == "finished"
    state = read_sequence_state(outcome.folder)
    darks = []
    for item in state["items"]:
        data = RunFolder(outcome.folder / item["run_folder"]).read_data()
        darks.append(data[data.direction == 0][["counts", "gate_s"]].to_numpy().tolist())
    assert darks[0] == darks[1]  # the second sweep records the first one's dark reading, not a new count
    first, second = (RunFolder(outcome.folder / item["run_folder"]).read_state()["dark_reading"]
                     for item in state["items"])
    assert first == second
