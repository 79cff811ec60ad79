"""The parametric bootstrap: deterministic under its seed, intervals that hold the truth, and in fit.json."""

import json

import numpy as np
import pandas as pd
import pytest

from anplab import cli
from anplab.fitting.bootstrap import bootstrap, redraw
from anplab.fitting.coverage import interval_coverage
from anplab.fitting.fit import fit_particle


def test_a_bootstrap_is_the_same_under_its_seed_and_differs_under_another(make_data):
    data, setup = make_data({"shell_nm": 5.0, "collection_efficiency": 0.12}, rise_at=None, seed=4)
    fit = fit_particle(data, setup)
    first = bootstrap(data, setup, fit, 3, seed=11)
    again = bootstrap(data, setup, fit, 3, seed=11)
    other = bootstrap(data, setup, fit, 3, seed=12)
    assert first == again
    assert first["interval_68"] != other["interval_68"]
    assert first["replicates"] == 3 and first["failed"] == 0


def test_redraws_carry_the_fits_noise_model(make_data):
    data, _ = make_data({}, rise_at=None)
    mean = {"dark": [1000.0], "s_curve": np.full(len(data.s_curve), 1e5)}
    draws = np.array([redraw(data, mean, np.random.default_rng(k), 0.01).s_curve.counts for k in range(40)])
    # Variance mu + f^2 mu^2 = 1e5 + 1e6: ten times Poisson's; the relative sd of the sample sd is ~2 %.
    assert np.var(draws, ddof=1) == pytest.approx(1.1e6, rel=0.15)
    assert data.s_curve.counts.sum() != draws[0].sum()  # the data themselves are left alone


def test_bootstrap_intervals_agree_with_the_jacobian_and_hold_the_truth(make_data):
    truth = {"shell_nm": 4.2, "collection_efficiency": 0.08}
    data, setup = make_data(truth, rise_at=None, seed=7)
    fit = fit_particle(data, setup)
    boot = bootstrap(data, setup, fit, 24, seed=1)
    for name, value in truth.items():
        low, high = boot["interval_95"][name]
        assert low < value < high
        # Where the model is nearly linear over the spread, the bootstrap sd is the Jacobian's (24 refits: ~15 %).
        assert boot["sd"][name] == pytest.approx(fit.uncertainties[name], rel=0.45)


@pytest.mark.slow
def test_bootstrap_68_percent_intervals_cover_the_truth_in_about_68_percent_of_particles(make_data):
    rng = np.random.default_rng(5)
    lows, highs, truths = [], [], []
    for k in range(30):
        truth = {"shell_nm": float(rng.uniform(3.5, 7.5)), "collection_efficiency": float(rng.uniform(0.05, 0.25))}
        data, setup = make_data(truth, rise_at=None, seed=100 + k)
        boot = bootstrap(data, setup, fit_particle(data, setup), 20, seed=k)
        low, high = boot["interval_68"]["shell_nm"]
        lows.append(low), highs.append(high), truths.append(truth["shell_nm"])
    stats = interval_coverage(lows, highs, truths)
    assert stats["p_value"] > 0.01, stats  # consistent with 68 % at 30 particles (binomial sd ~8.5 %)


def test_anplab_fit_bootstrap_writes_percentile_intervals_beside_the_jacobians(tmp_path, make_data):
    data, _ = make_data({"shell_nm": 4.5, "collection_efficiency": 0.10}, rise_at=None)
    path = tmp_path / "other_lab.csv"
    pd.concat([data.s_curve.assign(kind="s-curve"), data.dark.assign(kind="dark")]).to_csv(path, index=False)
    arguments = ["fit", str(path), "--quiet", "--quantum-efficiency", "0.65", "--dead-time", "22e-9",
                 "--bootstrap", "3", "--seed", "2", "--scheduler", "serial"]
    assert cli.main(arguments) == 0
    (only,) = json.loads((tmp_path / "other_lab.fit.json").read_text())["fits"]
    boot = only["bootstrap"]
    assert boot["replicates"] == 3 and boot["seed"] == 2
    low, high = boot["interval_68"]["shell_nm"]
    assert low <= high and set(boot["interval_95"]) == set(only["uncertainties"])
    assert cli.main(arguments) == 0
    assert json.loads((tmp_path / "other_lab.fit.json").read_text())["fits"][0]["bootstrap"] == boot
