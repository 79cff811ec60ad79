"""The analysis functions recover known answers from synthetic data."""

import numpy as np
import pandas as pd
import pytest

from anplab.procedures.analysis.particles import find_particles, particle_widths
from anplab.procedures.analysis.pattern import score_pattern
from anplab.procedures.analysis.rise import decay_time, rise_times
from anplab.procedures.analysis.slope import local_slope
from anplab.procedures.analysis.thermometry import calibration, temperature_from_signal
from anplab.procedures.analysis.threshold import avalanche_threshold
from anplab.simulated.physics.characteristics import avalanche_threshold as model_threshold
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.steady_state import steady_state

RNG = np.random.default_rng(42)


def test_slope_of_a_power_law_is_its_exponent():
    intensity = np.geomspace(1, 100, 20)
    data = pd.DataFrame({"intensity_kw_cm2": intensity, "count_rate_s": 3.0 * intensity**2.5})
    slopes = local_slope(data)
    assert slopes["slope"].to_numpy() == pytest.approx(2.5, abs=1e-9)


def test_slope_with_background_subtracted():
    intensity = np.geomspace(1, 100, 20)
    data = pd.DataFrame({"intensity_kw_cm2": intensity, "count_rate_s": intensity**2 + 50.0})
    assert local_slope(data, background=50.0)["slope"].to_numpy() == pytest.approx(2.0, abs=1e-9)


def noisy_s_curve(points=60, gate=1.0, efficiency=0.05, seed=0):
    material = get_material("tm-1064")
    intensity = np.geomspace(1.0, 60.0, points)
    expected = steady_state(material, intensity).emission() * efficiency * gate
    counts = np.random.default_rng(seed).poisson(expected)
    return pd.DataFrame({"intensity_kw_cm2": intensity, "counts": counts, "gate_s": gate,
                         "count_rate_s": counts / gate})


def test_threshold_of_a_noisy_model_s_curve():
    truth = float(model_threshold(get_material("tm-1064")).intensity_kw_cm2)
    estimate = avalanche_threshold(noisy_s_curve(), bootstrap=50)
    assert estimate.threshold_kw_cm2 == pytest.approx(truth, rel=0.05)
    assert 0 < estimate.threshold_uncertainty_kw_cm2 < 0.05 * truth
    assert 15 < estimate.s_max < 60 and estimate.s_max_uncertainty > 0


def test_rise_times_of_an_exponential_rise():
    tau = 0.2
    t = np.arange(-0.2, 2.0, 0.005)
    rate = np.where(t < 0, 50.0, 50.0 + 5000.0 * (1 - np.exp(-np.clip(t, 0, None) / tau)))
    trace = pd.DataFrame({"time_s": t, "counts": RNG.poisson(rate)})
    estimate = rise_times(trace, step_at_s=0.0)
    assert estimate.t50_s == pytest.approx(tau * np.log(2), rel=0.05)
    assert estimate.t90_s == pytest.approx(tau * np.log(10), rel=0.05)
    assert estimate.t90_uncertainty_s < 0.05 * estimate.t90_s


def test_decay_time_of_an_exponential_decay():
    tau = 0.05
    t = np.arange(-0.1, 0.5, 0.001)
    rate = np.where(t < 0, 4000.0, 4000.0 * np.exp(-np.clip(t, 0, None) / tau))
    trace = pd.DataFrame({"time_s": t, "counts": RNG.poisson(rate)})
    assert decay_time(trace, step_at_s=0.0) == pytest.approx(tau, rel=0.1)


def test_particles_are_found_and_their_widths_measured():
    x = np.linspace(-3, 3, 121)
    y = np.linspace(-3, 3, 121)
    xx, yy = np.meshgrid(x, y)
    sigma = 0.1 / (2 * np.sqrt(2 * np.log(2)))  # 100 nm FWHM
    truth = [(-1.5, 1.0), (0.8, -0.7), (2.0, 2.2)]
    image = 5.0 + sum(2000.0 * np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * sigma**2)) for px, py in truth)
    image = RNG.poisson(image).astype(float)
    found = find_particles(image, x, y, min_separation_um=0.5)
    assert len(found) == 3
    widths = particle_widths(image, x, y, found)
    assert widths["fwhm_nm"].to_numpy() == pytest.approx(100.0, rel=0.05)
    located = sorted(zip(widths.x_um.round(1), widths.y_um.round(1)))
    assert located == sorted(truth)


def test_thermometric_calibration_and_sensitivity():
    temperatures = np.repeat(np.linspace(200, 350, 7), 3)
    signal = 1e4 * np.exp(-0.02 * (temperatures - 200))
    data = pd.DataFrame({"temperature_k": temperatures, "count_rate_s": signal * RNG.normal(1, 0.002, signal.size)})
    table = calibration(data)
    assert table["relative_sensitivity_percent_per_k"].to_numpy() == pytest.approx(2.0, rel=0.05)
    assert temperature_from_signal(table, 1e4 * np.exp(-0.02 * 75)) == pytest.approx(275.0, abs=1.0)


def test_pattern_fidelity_and_contrast():
    target = np.zeros((32, 32))
    target[8:24, 8:24] = 1.0
    readout = np.where(np.kron(target, np.ones((2, 2))) > 0.5, 10.0, 1000.0)
    score = score_pattern(readout, target)
    assert score.fidelity > 0.99 and score.contrast == pytest.approx(0.99)
    noise = RNG.normal(1000.0, 10.0, (64, 64))
    assert abs(score_pattern(noise, target).fidelity) < 0.2
