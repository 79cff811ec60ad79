"""Readings record the intensity the pick-off measured, not the one asked for.

Near the threshold the emission changes by the slope S (30-80) times the
intensity's relative error, so a pump a few per cent off its calibration,
which no drift check catches (they allow 5 %), would move every threshold by
as much if the rows held the setpoint.  The bench here has a pump that
delivers 2 % under its setpoint for the whole run.
"""

import numpy as np
import pytest
import yaml

from anplab.instruments.bench import Bench, default_bench_text
from anplab.instruments.bench_file import parse_bench
from anplab.procedures.rise_time import LOCATE, RiseTime
from anplab.procedures.runner import load_data, run_procedure
from anplab.procedures.thermometry import Thermometry

SAG = 0.98


def weak_pump_bench() -> Bench:
    data = yaml.safe_load(default_bench_text())
    data["simulation"]["faults"] = {"laser_sags": [{"at_s": 0.0, "laser": "pump_1064", "factor": SAG,
                                                    "duration_s": 1e9}]}
    return Bench.open(parse_bench(yaml.safe_dump(data)))


def delivered_fraction(recorded, asked) -> float:
    """Median of recorded over asked-for intensities: the sag, give or take the laser's setpoint steps (which
    put single points a few per cent either way at low power) and the meter's noise; 1.0 for setpoints."""
    return float(np.median(np.asarray(recorded) / asked))


def test_a_thermometry_sweep_records_the_intensity_the_pick_off_measured(tmp_path):
    bench = weak_pump_bench()
    try:
        outcome = run_procedure(Thermometry(bench=bench, temperatures="295", hold=1.0, repeats=1, sweep_points=6,
                                            refine_points=0, sweep_min=4.0, sweep_max=12.0), tmp_path)
        assert outcome.ended == "finished"
        sweep = load_data(outcome.folder).query("kind == 1")
        asked = np.geomspace(4.0, 12.0, 6)
        assert delivered_fraction(sweep.intensity_kw_cm2, asked) == pytest.approx(SAG, abs=0.01)
        from_beam = [bench.peak_intensity_kw_cm2("pump_1064", w) for w in sweep.beam_power_w]
        assert sweep.intensity_kw_cm2.to_numpy() == pytest.approx(from_beam, rel=1e-9)
    finally:
        bench.close()


def test_the_threshold_location_records_the_intensity_the_pick_off_measured(tmp_path):
    bench = weak_pump_bench()
    try:
        procedure = RiseTime(bench=bench, auto_factors="1.5", max_repeats=1, search_intensity=60.0)
        outcome = run_procedure(procedure, tmp_path)
        assert outcome.ended == "finished"
        located = load_data(outcome.folder).query(f"phase == {LOCATE}")
        survey = located.intensity_kw_cm2.to_numpy()[:10]  # the locate survey's log grid, 2-60 kW/cm^2
        assert delivered_fraction(survey, np.geomspace(2.0, 60.0, 10)) == pytest.approx(SAG, abs=0.01)
    finally:
        bench.close()
