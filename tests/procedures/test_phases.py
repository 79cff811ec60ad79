"""Every experiment says which phase it is in and how far through it, from its first second to its analysis.

The phases are for progress displays (the bench window's ETA): a run that sits in its dark count or
particle search for minutes must say so, not stay at 0 %.
"""

import itertools

import pytest

from anplab.procedures.base import open_bench
from anplab.procedures.catalog import PROCEDURES, configure
from anplab.procedures.runner import run_procedure

QUICK = {
    "power-sweep": dict(points=6, min_intensity=5.0, max_intensity=20.0),
    "threshold": dict(points=5, max_points=7, min_intensity=5.0, max_intensity=20.0),
    "rise-time": dict(intensities="auto", auto_factors="1.5", max_repeats=1, rise_duration=0.5),
    "thermometry": dict(temperatures="295,290", hold=1.0, repeats=2),
    "photopatterning": dict(pattern_pixels=4, read_pixels=8),
    "passi-scan": dict(pixels=8, intensities="12,20", sweep_points=5, roi_pixels=5, rise_duration=0.5, max_traces=1),
    "hold-temperature": dict(temperature=290.0, hold=5.0),
    "particle-survey": dict(field_centre="6.1,9.3", field_size=3.0, overview_pixels=16, max_particles=1,
                            survey_points=4, search_points=6, scurve_factors="0.9,1.2", rise_factor=1.5,
                            rise_duration=0.2, max_repeats=1, target_counts=100),
}

PHASES = {
    "power-sweep": ["dark count", "particle search", "sweep", "analysis and figures"],
    "threshold": ["dark count", "particle search", "threshold search", "analysis and figures"],
    "rise-time": ["dark count", "particle search", "threshold location", "rise traces", "analysis and figures"],
    "thermometry": ["dark count", "particle search", "temperatures", "analysis and figures"],
    "photopatterning": ["writing", "read-out", "erasing", "read-out after erasing", "analysis and figures"],
    "passi-scan": ["dark count", "particle search", "threshold location", "S-curve", "images", "rise trace",
                   "regions of interest", "analysis and figures"],
    "hold-temperature": ["settling", "analysis and figures"],
    "particle-survey": ["dark count", "overview", "particles", "analysis and figures"],
}


@pytest.mark.parametrize("name", list(PROCEDURES))
def test_every_phase_is_reported_in_order_with_its_progress(name, tmp_path):
    bench = open_bench(PROCEDURES[name].DEFAULT_BENCH)
    records = []
    try:
        outcome = run_procedure(configure(name, QUICK[name], bench=bench), tmp_path,
                                on_record=lambda topic, record: records.append(record) if topic == "phase" else None)
    finally:
        bench.close()
    assert outcome.ended == "finished"
    assert [phase for phase, _ in itertools.groupby(record["name"] for record in records)] == PHASES[name]
    for phase, group in itertools.groupby(records, key=lambda record: record["name"]):
        fractions = [record["fraction"] for record in group]
        assert all(0.0 <= f <= 1.0 for f in fractions)
        assert fractions == sorted(fractions), f"{phase} went backwards: {fractions}"
    by_phase = {phase: [r["fraction"] for r in records if r["name"] == phase] for phase in PHASES[name]}
    for phase in ("dark count", "particle search"):  # the long stretches before the main loop move on
        if phase in by_phase:
            assert len(set(by_phase[phase])) > 3 and max(by_phase[phase]) > 0.9
    if name == "passi-scan":  # the images' phase follows their rows, image by image
        assert len(set(by_phase["images"])) > 2 and max(by_phase["images"]) == pytest.approx(1.0)
        assert {record["detail"] for record in records if record["name"] == "images"} == {
            "12 kW/cm^2, 1 of 2", "20 kW/cm^2, 2 of 2"}
