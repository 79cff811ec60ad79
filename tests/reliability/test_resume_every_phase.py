"""Interrupted at many moments of every experiment, then resumed: always the uninterrupted run's numbers.

In-process: the run is stopped in the middle of its n-th record (rows on
disk, point not committed), then resumed on a freshly opened bench, as a new
process would; data and summary must equal the uninterrupted run's exactly.
(tests/reliability/test_resume_identical.py does the same with SIGKILL and
the command line.)
"""

from __future__ import annotations

import pandas as pd
import pytest

from anplab.procedures.base import open_bench
from anplab.procedures.catalog import PROCEDURES
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import load_data, procedure_for_folder, resume_run, run_procedure

PLANS = {
    "power-sweep": dict(points=8, min_intensity=4.0, max_intensity=16.0, up_and_down=True),
    "threshold": dict(points=5, max_points=9, min_intensity=3.0, max_intensity=30.0),
    "rise-time": dict(intensities="9,12", max_repeats=2, rise_duration=0.4),
    "thermometry": dict(temperatures="295,285", hold=2.0, repeats=2, sweep_points=3, sweep_min=6.0, sweep_max=12.0,
                        rise_trace=True, rise_duration=0.3),
    "photopatterning": dict(pattern_pixels=4, read_pixels=8),
    "passi-scan": dict(pixels=12, intensities="10,14", sweep_points=4),
    "hold-temperature": dict(temperature=290.0, hold=5.0),
    "particle-survey": dict(field_centre="-3.8,-1.5", field_size=3.0, overview_pixels=12, max_particles=1,
                            survey_points=5, search_points=8, scurve_factors="1.2", rise_duration=0.3,
                            max_repeats=1),
}
WALL = {"wall_time_s", "started", "finished"}


class Crash(KeyboardInterrupt):
    pass


def crash_at(n: int):
    seen = {"n": 0}

    def hook(topic, record):
        if topic in ("results", "batch results", "image rows"):
            seen["n"] += 1
            if seen["n"] == n:
                raise Crash

    return hook


def records(name: str) -> int:
    count = {"n": 0}

    def hook(topic, record):
        if topic in ("results", "batch results", "image rows"):
            count["n"] += 1

    return count, hook


def run(name, out, **kwargs):
    cls = PROCEDURES[name]
    bench = open_bench(cls.DEFAULT_BENCH)
    try:
        return run_procedure(cls(bench=bench, **PLANS[name]), out, **kwargs)
    finally:
        bench.close()


@pytest.fixture(scope="module")
def whole_runs(tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            count, hook = records(name)
            outcome = run(name, tmp_path_factory.mktemp(f"whole-{name}"), on_record=hook)
            cache[name] = (outcome, count["n"])
        return cache[name]

    return get


def comparable(folder):
    import json

    summary = json.loads((folder / "summary.json").read_text())
    return load_data(folder), {k: v for k, v in summary.items() if k not in WALL}


@pytest.mark.parametrize("fraction", [0.2, 0.55, 0.9], ids=["early", "middle", "late"])
@pytest.mark.parametrize("name", sorted(PLANS))
def test_resumed_from_any_moment_equals_uninterrupted(tmp_path, whole_runs, campaign, name, fraction):
    whole, total = whole_runs(name)
    at = max(1, int(round(fraction * total)))
    with pytest.raises(Crash):
        run(name, tmp_path, on_record=crash_at(at))
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    procedure = procedure_for_folder(folder)
    bench = open_bench(procedure.DEFAULT_BENCH)
    procedure.bench = bench
    try:
        outcome = resume_run(procedure, folder)
    finally:
        bench.close()
    data, summary = comparable(folder)
    expected_data, expected_summary = comparable(whole.folder)
    keys = [p["key"] for p in RunFolder(folder).committed_points()]
    expected = [p["key"] for p in RunFolder(whole.folder).committed_points()]
    same = keys == expected and data.equals(expected_data) and summary == expected_summary
    campaign("interrupted at any moment and resumed, against uninterrupted").case(
        held=outcome.ended == "finished" and same, lost=len(set(expected) - set(keys)),
        duplicated=len(keys) - len(set(keys)), note=f"{name} at record {at} of {total}: "
                                                    f"{'identical' if same else 'DIFFERENT'}")
    assert outcome.ended == "finished"
    assert keys == expected
    pd.testing.assert_frame_equal(data, expected_data, check_exact=True)
    assert summary == expected_summary
