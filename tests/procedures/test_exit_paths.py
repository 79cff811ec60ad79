"""Every procedure, every way out: lasers off, the run folder complete and saying how the run ended.

A run is ended at its first recorded point taken with a laser on: by a stop
request, by an exception, and by Ctrl-C.  Each recorded point must already be
on disk when the procedure moves on.
"""

import json

import pandas as pd
import pytest
from pymeasure.experiment import Results

from anplab.procedures.base import open_bench
from anplab.procedures.catalog import PROCEDURES
from anplab.procedures.records import batch_rows
from anplab.procedures.runner import run_procedure

QUICK = {
    "power-sweep": dict(points=6, min_intensity=5.0, max_intensity=20.0),
    "threshold": dict(points=5, max_points=6, min_intensity=5.0, max_intensity=20.0),
    "rise-time": dict(intensities="12", max_repeats=1, rise_duration=0.5),
    "thermometry": dict(temperatures="295,290,285", hold=1.0, repeats=2),
    "photopatterning": dict(pattern_pixels=4, read_pixels=8),
    "passi-scan": dict(pixels=8, intensities="12", sweep_points=6, roi_pixels=5, rise_duration=0.5, max_traces=1),
    "hold-temperature": dict(temperature=290.0, hold=5.0),
    "particle-survey": dict(field_centre="6.1,9.3", field_size=3.0, overview_pixels=16, max_particles=1,
                            survey_points=4, search_points=6, scurve_factors="0.9,1.2", rise_factor=1.5,
                            rise_duration=0.2, max_repeats=1, target_counts=100),
}


class EndAtFirstPointUnderLight:
    """on_record hook: checks each point is on disk, and ends the run the chosen way once a laser is on."""

    def __init__(self, bench, folder_of, how: str, needs_light: bool = True):
        self.bench, self.folder_of, self.how, self.needs_light = bench, folder_of, how, needs_light
        self.triggered = False
        self.stop = False
        self.rows_when_triggered = 0

    def __call__(self, topic, record):
        if topic not in ("results", "batch results"):
            return
        rows = len(pd.read_csv(self.folder_of() / "data.csv", comment="#"))
        assert rows >= (len(batch_rows(record)) if topic == "batch results" else 1)  # already on disk
        if self.triggered or (self.needs_light and self.bench.world.all_lasers_off()):
            return
        self.triggered, self.rows_when_triggered = True, rows
        if self.how == "stopped":
            self.stop = True
        elif self.how == "failed":
            raise RuntimeError("detector cable pulled")
        elif self.how == "interrupted":
            raise KeyboardInterrupt


def only_folder(out):
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == 1
    return folders[0]


@pytest.mark.parametrize("how", ["stopped", "failed", "interrupted"])
@pytest.mark.parametrize("name", sorted(PROCEDURES))
def test_every_way_out_leaves_every_laser_off(name, how, tmp_path):
    cls = PROCEDURES[name]
    bench = open_bench(cls.DEFAULT_BENCH)
    out = tmp_path / "runs"
    # A step that only sets the bench up (a cryostat hold) never turns a laser on: end it at its first point.
    hook = EndAtFirstPointUnderLight(bench, lambda: only_folder(out), how,
                                     needs_light=not getattr(cls, "SETS_BENCH_STATE", False))
    procedure = cls(bench=bench, **QUICK[name])
    try:
        if how == "interrupted":
            with pytest.raises(KeyboardInterrupt):
                run_procedure(procedure, out, on_record=hook, should_stop=lambda: hook.stop)
        else:
            outcome = run_procedure(procedure, out, on_record=hook, should_stop=lambda: hook.stop)
            assert outcome.ended == how
        assert hook.triggered, "no point was recorded (with a laser on)"
        assert bench.world.all_lasers_off()
        assert all(laser.setpoint_w == 0.0 or not laser.emission for laser in bench.world.lasers.values())
        folder = only_folder(out)
        metadata = json.loads((folder / "metadata.json").read_text())
        assert metadata["status"] == "ended" and metadata["ended"] == how
        assert metadata["lasers_off_at_end"] is True and metadata["safe_state_problems"] == []
        assert metadata["data_rows"] + metadata["uncommitted_rows"] >= hook.rows_when_triggered
        if how == "failed":
            assert "detector cable pulled" in metadata["error"]
            assert "detector cable pulled" in (folder / "run.log").read_text()
        assert (folder / "summary.json").exists()
    finally:
        bench.close()


@pytest.mark.parametrize("name", sorted(PROCEDURES))
def test_a_finished_run_folder_is_complete_and_readable_by_pymeasure(name, tmp_path):
    cls = PROCEDURES[name]
    bench = open_bench(cls.DEFAULT_BENCH)
    try:
        outcome = run_procedure(cls(bench=bench, **QUICK[name]), tmp_path)
        assert outcome.ended == "finished" and bench.world.all_lasers_off()
    finally:
        bench.close()
    folder = outcome.folder
    results = Results.load(str(folder / "data.csv"))  # pymeasure's own reader, procedure rebuilt from the header
    assert type(results.procedure) is cls
    assert results.procedure.parameter_values() == cls(**QUICK[name]).parameter_values()
    table = pd.read_csv(folder / "data.csv", comment="#")
    assert list(table.columns) == cls.DATA_COLUMNS and len(table) > 0
    assert results.data.shape == table.shape

    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["ended"] == "finished" and metadata["error"] is None
    assert metadata["simulated"] is True and metadata["seed"] == 1
    assert metadata["software"]["anplab"] and metadata["software"]["pymeasure"]
    assert metadata["started"] <= metadata["finished"]
    assert metadata["parameters"] == json.loads(json.dumps(cls(**QUICK[name]).parameter_values()))
    instruments = metadata["bench"]["instruments"]
    assert set(instruments) >= {"pump_1064", "power_meter", "galvo", "spad", "cryostat"}
    for record in instruments.values():  # models, identification strings, settings, limits, calibrations
        assert record["identification"] and "status_error" not in record
        assert {"driver", "address", "settings", "limits"} <= set(record)
        assert "calibration" in record or record["role"] == "temperature_controller"  # sensor curves live in it
    summary = json.loads((folder / "summary.json").read_text())
    assert summary and "analysis_error" not in summary
    assert list((folder / "figures").glob("*.png"))
    assert "started" in (folder / "run.log").read_text()
