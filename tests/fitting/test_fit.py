"""The model fit recovers known parameters, refuses data it cannot explain, and says what is wrong with bad input."""

import numpy as np
import pandas as pd
import pytest

from anplab import cli
from anplab.fitting.dataset import load_csv
from anplab.fitting.errors import FitInputError
from anplab.fitting.fit import fit_particle


def test_a_joint_fit_recovers_shell_and_collection_efficiency(make_data):
    data, setup = make_data({"shell_nm": 4.5, "collection_efficiency": 0.10})
    result = fit_particle(data, setup)
    assert result.values["shell_nm"] == pytest.approx(4.5, rel=0.10)
    assert result.values["collection_efficiency"] == pytest.approx(0.10, rel=0.10)
    # The uncertainties are honest: the truth lies within four of them, and they are not absurdly wide.
    for name, truth in (("shell_nm", 4.5), ("collection_efficiency", 0.10)):
        assert abs(result.values[name] - truth) < 4 * result.uncertainties[name]
        assert result.uncertainties[name] < 0.05 * truth
    assert result.explains_data and result.p_value > 1e-3
    assert -1 <= result.correlations["shell_nm"]["collection_efficiency"] <= 1


def test_a_thin_shell_and_another_cross_relaxation_are_recovered(make_data):
    data, setup = make_data({"shell_nm": 3.0, "cross_relaxation_scale": 1.6})
    result = fit_particle(data, setup, free=("shell_nm", "collection_efficiency", "cross_relaxation_scale"))
    assert result.values["shell_nm"] == pytest.approx(3.0, rel=0.10)
    assert result.values["collection_efficiency"] == pytest.approx(0.15, rel=0.10)
    # Cross-relaxation is the weakest-determined of the three (it moves the threshold as the shell does):
    # recovered to 30 %, within three of its stated uncertainties, which are correspondingly wide.
    assert result.values["cross_relaxation_scale"] == pytest.approx(1.6, rel=0.30)
    assert abs(result.values["cross_relaxation_scale"] - 1.6) < 3 * result.uncertainties["cross_relaxation_scale"]
    assert result.uncertainties["cross_relaxation_scale"] > 5 * result.uncertainties["shell_nm"] / 3.0
    assert result.explains_data


def test_data_the_model_cannot_explain_is_reported_as_such(make_data):
    data, setup = make_data({}, rise_at=None)
    # A plain power law with S = 3 and no threshold: no shell or collection efficiency makes an avalanche of it.
    rate = 50.0 * data.s_curve.intensity_kw_cm2**3
    data.s_curve["counts"] = np.random.default_rng(1).poisson(rate * data.s_curve.gate_s + 20).astype(float)
    result = fit_particle(data, setup)
    assert not result.explains_data
    assert result.p_value < 1e-3 and "does not explain" in result.verdict


def test_the_fit_uses_the_rise_trace(make_data):
    data, setup = make_data({"shell_nm": 4.5, "collection_efficiency": 0.10})
    with_rise = fit_particle(data, setup)
    alone = fit_particle(data, setup, use_rises=False)
    assert with_rise.points > alone.points
    assert with_rise.uncertainties["shell_nm"] < alone.uncertainties["shell_nm"]


@pytest.mark.parametrize("case, columns, message", [
    ("no counts", ["intensity_kw_cm2", "gate_s"], "missing column counts"),
    ("no gate", ["intensity_kw_cm2", "counts"], "missing column gate_s"),
])
def test_a_csv_without_its_columns_is_refused_in_one_line(tmp_path, capsys, case, columns, message):
    path = tmp_path / "other_lab.csv"
    pd.DataFrame({c: [1.0, 2.0] for c in columns}).to_csv(path, index=False)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(path), "--quiet"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error


def test_too_few_points_are_refused(tmp_path, capsys, make_data):
    data, _ = make_data({}, rise_at=None, intensities=[5.0, 8.0, 12.0])
    path = tmp_path / "three.csv"
    pd.concat([data.s_curve, data.dark.assign(kind="dark")]).to_csv(path, index=False)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(path), "--quiet"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "needs at least 6" in error and "\n" not in error
    with pytest.raises(FitInputError):
        fit_particle(*make_data({}, rise_at=None, intensities=[5.0, 8.0, 12.0]))


def test_a_run_folder_of_another_experiment_is_refused(tmp_path, capsys):
    folder = tmp_path / "2026-12-02T10-00-00_photopatterning"
    folder.mkdir()
    (folder / "metadata.json").write_text('{"procedure": "photopatterning"}')
    (folder / "data.csv").write_text("x,y\n1,2\n")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(folder), "--quiet"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "'photopatterning' run" in error and "\n" not in error


def test_a_csv_from_another_setup_is_fitted_and_fit_json_written_beside_it(tmp_path, capsys, make_data):
    data, _ = make_data({"shell_nm": 4.5, "collection_efficiency": 0.10}, rise_at=None)
    path = tmp_path / "other_lab.csv"
    pd.concat([data.s_curve.assign(kind="s-curve"), data.dark.assign(kind="dark")]).to_csv(path, index=False)
    assert len(load_csv(path)) == 1
    assert cli.main(["fit", str(path), "--quiet", "--quantum-efficiency", "0.65", "--dead-time", "22e-9"]) == 0
    import json

    fit = json.loads((tmp_path / "other_lab.fit.json").read_text())
    (only,) = fit["fits"]
    assert only["values"]["shell_nm"] == pytest.approx(4.5, rel=0.10)
    assert only["explains_data"] is True
    assert (tmp_path / only["figure"]).stat().st_size > 10_000


def test_another_concentration_is_recovered_when_the_setup_names_it(make_data):
    # 4 % Tm instead of the preset's 8 %: its threshold is ~30 % higher, and the shell is still found.
    data, setup = make_data({"shell_nm": 4.0, "collection_efficiency": 0.12}, concentration=0.04, seed=3)
    result = fit_particle(data, setup)
    assert result.explains_data
    for name, truth in (("shell_nm", 4.0), ("collection_efficiency", 0.12)):
        assert result.values[name] == pytest.approx(truth, rel=0.05)
        assert abs(result.values[name] - truth) < 4 * result.uncertainties[name]


def test_data_of_another_composition_is_not_fitted_as_the_preset(make_data):
    from anplab.simulated.physics.materials import get_material

    # 20 % Tm measured, the preset's 8 % assumed: a shell moves the threshold, but not the S-curve and the
    # rise together the way more cross-relaxation does.
    data, setup = make_data({}, material=get_material("tm-1064", concentration=0.2), seed=2)
    result = fit_particle(data, setup)
    assert not result.explains_data and "does not explain" in result.verdict


def test_a_distorted_s_curve_gets_a_failing_verdict(make_data):
    data, setup = make_data({}, rise_at=None, seed=2)
    intensity = data.s_curve.intensity_kw_cm2
    # A detector saturating above ~12 kW/cm^2 flattens the plateau: no model particle looks like that.
    data.s_curve["counts"] = np.random.default_rng(3).poisson(
        data.s_curve.counts / (1 + (intensity / 12.0) ** 2)).astype(float)
    result = fit_particle(data, setup)
    assert not result.explains_data and result.p_value < 1e-3


def test_a_csv_with_units_in_its_cells_is_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "units.csv"
    path.write_text("intensity_kw_cm2,counts,gate_s\n5 kW/cm2,100,0.2\n6 kW/cm2,120,0.2\n")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(path), "--quiet"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "column intensity_kw_cm2 must hold numbers" in error and "\n" not in error


def test_an_unknown_material_is_refused_in_one_line(tmp_path, capsys, make_data):
    data, _ = make_data({}, rise_at=None)
    path = tmp_path / "other_lab.csv"
    pd.concat([data.s_curve, data.dark.assign(kind="dark")]).to_csv(path, index=False)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["fit", str(path), "--quiet", "--material", "tm-9999"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "unknown material 'tm-9999'" in error and "\n" not in error
