"""Interrupted runs resume from their last committed point: every point once, none missing, in order."""

import json

import numpy as np
import pandas as pd
import pytest

from anplab.procedures.base import open_bench
from anplab.procedures.catalog import PROCEDURES
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import NothingToResume, procedure_for_folder, resume_run, run_procedure

# Fixed plans (no adaptive choices), so an uninterrupted run takes exactly the same points.
FIXED = {
    "power-sweep": dict(points=12, min_intensity=4.0, max_intensity=20.0, up_and_down=True),
    "rise-time": dict(intensities="9,12,16", max_repeats=2, rise_duration=0.5),
    "thermometry": dict(temperatures="295,285,275", hold=2.0, repeats=2, sweep_points=4, sweep_min=6.0,
                        sweep_max=12.0),
    "photopatterning": dict(pattern_pixels=6, read_pixels=12),
    "passi-scan": dict(pixels=12, intensities="10,14", sweep_points=4),
}
# Adaptive plans: the resumed part may take another (valid) path on new noise.
ADAPTIVE = {
    "threshold": dict(points=6, max_points=12, min_intensity=3.0, max_intensity=30.0),
}


def keys(folder):
    return [point["key"] for point in RunFolder(folder).committed_points()]


def planned(point_keys):
    """The points of the fixed plan: a threshold search (locate-N) adapts to what it measures."""
    return [key for key in point_keys if not key.startswith("locate-")]


def crash_at(n: int):
    """on_record hook: Ctrl-C in the middle of the n-th point, after its rows reached the disk."""
    seen = 0

    def hook(topic, record):
        nonlocal seen
        if topic in ("results", "batch results"):
            seen += 1
            if seen == n:
                raise KeyboardInterrupt

    return hook


def run(name, out, **kwargs):
    cls = PROCEDURES[name]
    bench = open_bench(cls.DEFAULT_BENCH)
    try:
        return run_procedure(cls(bench=bench, **(FIXED | ADAPTIVE)[name]), out, **kwargs)
    finally:
        bench.close()


def interrupted(name, out, at):
    with pytest.raises(KeyboardInterrupt):
        run(name, out, on_record=crash_at(at))
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def resume(folder):
    procedure = procedure_for_folder(folder)
    bench = open_bench(procedure.DEFAULT_BENCH)
    procedure.bench = bench
    try:
        return resume_run(procedure, folder)
    finally:
        bench.close()


@pytest.mark.parametrize("name", sorted(FIXED))
def test_a_resumed_run_has_the_same_points_as_an_uninterrupted_one(name, tmp_path):
    whole = run(name, tmp_path / "whole")
    at = 2 if name == "rise-time" else 4  # rise-time with given intensities has only three points
    folder = interrupted(name, tmp_path / "cut", at=at)
    before = keys(folder)
    outcome = resume(folder)
    assert outcome.ended == "finished" and "analysis_error" not in outcome.summary
    assert planned(keys(folder)) == planned(keys(whole.folder))  # same points, same order, none twice
    assert len(keys(folder)) == len(set(keys(folder)))
    resumed = pd.read_csv(folder / "data.csv", comment="#")
    reference = pd.read_csv(whole.folder / "data.csv", comment="#")
    if planned(keys(folder)) == keys(folder):  # no adaptive threshold search in this one
        assert resumed.shape == reference.shape
    # The points committed before the crash are kept as they were; the point in flight was dropped.
    assert len(before) >= at  # the header and the whole points before the crash
    kept = sum(p["rows"] for p in RunFolder(folder).committed_points()[:len(before)])
    pd.testing.assert_frame_equal(resumed.iloc[:kept], reference.iloc[:kept])
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["ended"] == "finished" and metadata["lasers_off_at_end"] is True
    assert metadata["resumed"][0]["points_kept"] == len(before) - 1
    assert metadata["resumed"][0]["previous_end"] == "interrupted"
    assert sorted(RunFolder(folder).image_names()) == sorted(RunFolder(whole.folder).image_names())


def test_an_adaptive_run_replays_its_decisions_and_carries_on(tmp_path):
    folder = interrupted("threshold", tmp_path, at=8)
    before = RunFolder(folder).committed_points()
    outcome = resume(folder)
    after = keys(folder)
    assert outcome.ended == "finished"
    assert after[:len(before)] == [p["key"] for p in before]
    assert len(after) == len(set(after))
    assert after == ["__header__", "dark", "aim"] + [f"search-{k}" for k in range(len(after) - 3)]
    assert outcome.summary["threshold_kw_cm2"] == pytest.approx(6.7, rel=0.1)


def test_a_run_killed_while_writing_loses_only_the_point_in_flight(tmp_path):
    whole = run("power-sweep", tmp_path / "whole")
    folder = interrupted("power-sweep", tmp_path / "cut", at=6)
    # What SIGKILL can leave: half a data line and half a ledger line.
    with open(folder / "data.csv", "a") as handle:
        handle.write("1,0.0123,0.01")
    with open(folder / "points.log", "a") as handle:
        handle.write('{"key": "up-9", "ro')
    outcome = resume(folder)
    assert outcome.ended == "finished"
    assert keys(folder) == keys(whole.folder)
    rows = [len(pd.read_csv(f / "data.csv", comment="#")) for f in (folder, whole.folder)]
    assert rows[0] == rows[1]


@pytest.mark.parametrize("restored", [True, False], ids=["simulated world restored", "no checkpoint"])
def test_the_particle_parked_on_is_remembered(tmp_path, restored):
    folder = interrupted("power-sweep", tmp_path, at=3)
    if not restored:  # as on real hardware: nothing puts the bench back, the particle must be found again
        for checkpoint in folder.glob("checkpoint-*.pkl"):
            checkpoint.unlink()
    parked = RunFolder(folder).read_state()["parked_um"]
    procedure = procedure_for_folder(folder)
    bench = open_bench("simulated")
    procedure.bench = bench
    try:
        resume_run(procedure, folder)
        assert np.allclose(bench.world.galvo_position_um(), parked, atol=0.05)  # where it was, or close by
    finally:
        bench.close()
    searched = "parked on the particle found before" in (folder / "run.log").read_text()
    assert searched is not restored


def test_a_finished_run_is_not_resumed(tmp_path):
    outcome = run("power-sweep", tmp_path)
    procedure = procedure_for_folder(outcome.folder)
    with pytest.raises(NothingToResume):
        resume_run(procedure, outcome.folder)
