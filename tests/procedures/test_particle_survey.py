"""A particle survey of a small simulated field finds every particle once and tracks each one's own threshold."""

import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from anplab.fitting.fit import fit_particle
from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.procedures.analysis.survey import AIM, RESULT, RISE
from anplab.procedures.fit_input import load_run_folder
from anplab.procedures.particle_survey import ParticleSurvey
from anplab.procedures.runner import load_data, run_procedure
from anplab.simulated.physics import characteristics


def small_field_bench(particles: int, extent_um: float, seed: int = 1) -> Bench:
    """The built-in bench (its shell-thickness spread included) with a smaller field."""
    text = resources.files("anplab.instruments").joinpath("default_bench.yaml").read_text(encoding="utf-8")
    text = (text.replace("particles: 40", f"particles: {particles}")
            .replace("extent_um: [20.0, 20.0]", f"extent_um: [{extent_um}, {extent_um}]")
            .replace("  seed: 1\n", f"  seed: {seed}\n"))
    return Bench.open(parse_bench(text, "small field"))


def model_thresholds(bench: Bench, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(field index, model threshold as the beam's peak intensity where it was parked) of each surveyed particle."""
    world = bench.world
    field = world.sample.sample
    spot = world.beam.spot(1064.0)
    indices, truths = [], []
    for row in table.itertuples():
        r = np.hypot(field.positions_um[:, 0] - row.x_um, field.positions_um[:, 1] - row.y_um)
        k = int(np.argmin(r))
        own = characteristics.avalanche_threshold(field.material, world.sample.temperature_k, band="800nm",
                                                  shell_nm=field.shell_nm[k])
        indices.append(k)
        truths.append(float(own.intensity_kw_cm2) / float(spot.relative_intensity(r[k])))
    return np.array(indices), np.array(truths)


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    bench = small_field_bench(5, 8.0)
    procedure = ParticleSurvey(bench=bench, field_size=9.0, tiles=2, overview_pixels=20, survey_points=6,
                               search_points=14, scurve_factors="0.9,1.2", rise_factor=1.5, rise_duration=0.6,
                               max_repeats=1)
    outcome = run_procedure(procedure, tmp_path_factory.mktemp("survey") / "runs")
    yield outcome, bench
    bench.close()


def test_a_survey_finds_every_particle_once_and_each_ones_threshold(survey):
    outcome, bench = survey
    assert outcome.ended == "finished"
    table = pd.DataFrame(outcome.summary["particles"])
    field = bench.world.sample.sample
    assert outcome.summary["particles_found"] == len(field) == 5
    indices, truths = model_thresholds(bench, table)
    assert sorted(indices) == list(range(len(field)))  # every particle, none twice (the tiles overlap)
    np.testing.assert_allclose(table.threshold_kw_cm2, truths, rtol=0.10)
    # The field's shells differ, and so do the thresholds: the survey sees which particle is which.
    assert np.ptp(field.shell_nm) > 1.0
    assert np.corrcoef(table.threshold_kw_cm2, truths)[0, 1] > 0.8
    assert outcome.summary["spread"]["threshold_kw_cm2"]["relative_sd"] > 0.03
    assert table.s_max.gt(10).all() and table.t90_s.gt(0).all()


def test_a_survey_writes_its_table_and_figures(survey):
    outcome, _ = survey
    folder = outcome.folder
    csv = pd.read_csv(folder / "particles.csv")
    assert len(csv) == 5 and {"x_um", "y_um", "threshold_kw_cm2", "s_max", "t90_s"} <= set(csv.columns)
    for stem in ("threshold_map", "histograms", "correlations"):
        assert (folder / "figures" / f"{stem}.png").stat().st_size > 10_000
    data = load_data(folder)
    # One result row per particle, after its aim, its readings and its rise trace.
    assert (data.kind == RESULT).sum() == 5 and (data.kind == AIM).sum() == 5
    assert set(data.loc[data.kind == RISE, "particle"]) == set(range(5))
    assert "threshold_kw_cm2~s_max" in outcome.summary["correlations"]


def test_a_fit_of_surveyed_particles_recovers_their_shells_and_the_collection_efficiency(survey):
    outcome, bench = survey
    particles, setup = load_run_folder(outcome.folder)
    assert len(particles) == 5 and all(p.rises for p in particles)
    table = pd.DataFrame(outcome.summary["particles"])
    indices, _ = model_thresholds(bench, table)
    field = bench.world.sample.sample
    metadata = json.loads((outcome.folder / "metadata.json").read_text())
    truth_collection = metadata["bench"]["instruments"]["spad"]["calibration"]["collection_efficiency"]
    for k in (0, 1):  # two particles keep the test short; benchmarks/fit_throughput.py fits whole surveys
        result = fit_particle(particles[k], setup)
        assert result.explains_data, result.verdict
        assert result.values["shell_nm"] == pytest.approx(field.shell_nm[indices[k]], rel=0.05)
        assert result.values["collection_efficiency"] == pytest.approx(truth_collection, rel=0.10)
