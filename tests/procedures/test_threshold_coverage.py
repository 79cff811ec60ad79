"""The threshold's stated uncertainty covers the model's threshold at the stated rate, for coarse and fine sweeps.

Each seed is one bench-like sweep of the physics engine's own S-curve: the
particle sits at a random place in the beam (so the threshold falls anywhere
between grid points), the power meter reads the intensity to 0.5 %, the
detector adds 100 dark counts/s (measured to DARK_RELATIVE_ERROR), and each point gates until it holds
about 400 counts (0.3 s to 4.8 s), as the power sweep does.
"""

import numpy as np
import pandas as pd
import pytest

from anplab.procedures.analysis.threshold import avalanche_threshold
from anplab.procedures.particle_experiment import DARK_RELATIVE_ERROR
from anplab.simulated.physics.characteristics import avalanche_threshold as model_threshold
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.steady_state import steady_state

MATERIAL = get_material("tm-1064")
TRUTH = float(model_threshold(MATERIAL, band="800nm").intensity_kw_cm2)
DARK_RATE_S = 100.0
PLATEAU_RATE_S = 8e4  # counts/s at 60 kW/cm^2, as on the default bench


def bench_like_sweep(points: int, seed: int) -> tuple[pd.DataFrame, float]:
    rng = np.random.default_rng(seed)
    at_particle = np.exp(rng.uniform(-0.3, 0.3))  # the particle's place in the beam
    nominal = np.geomspace(1.0, 60.0, points)
    emission = steady_state(MATERIAL, nominal * at_particle).emission("800nm")
    rate = DARK_RATE_S + emission * PLATEAU_RATE_S / float(steady_state(MATERIAL, 60.0).emission("800nm"))
    gate = np.clip(400.0 / rate, 0.3, 4.8)
    counts = rng.poisson(rate * gate)
    measured = nominal * at_particle * (1 + 0.005 * rng.standard_normal(points))
    table = pd.DataFrame({"intensity_kw_cm2": measured, "counts": counts, "gate_s": gate,
                          "count_rate_s": counts / gate})
    dark_s = 1.0 / (DARK_RELATIVE_ERROR**2 * DARK_RATE_S)  # the dark point as the procedures count it (4 s)
    dark = rng.poisson(DARK_RATE_S * dark_s) / dark_s
    return table, dark


@pytest.mark.parametrize("points", [12, 60])
def test_threshold_uncertainty_covers_the_model_threshold_over_20_seeds(points):
    pulls = []
    for seed in range(20):
        table, dark = bench_like_sweep(points, seed)
        estimate = avalanche_threshold(table, background=dark, background_error=DARK_RELATIVE_ERROR * dark,
                                       bootstrap=100, seed=seed)
        pulls.append((estimate.threshold_kw_cm2 - TRUTH) / estimate.threshold_uncertainty_kw_cm2)
    pulls = np.abs(pulls)
    within_1, within_2 = float(np.mean(pulls < 1)), float(np.mean(pulls < 2))
    print(f"{points} points: within 1 sigma {within_1:.0%}, within 2 sigma {within_2:.0%}")
    assert 0.5 <= within_1 <= 0.9  # ~68 % (20 draws: +-10 %)
    assert within_2 >= 0.85  # ~95 %


def test_a_dark_reading_that_came_out_low_is_within_the_uncertainty():
    """The dark rate is subtracted from every point, so its error is common to all of them: a reading 1.6 sigma
    low (92 for 100 counts/s, as on seed 1 of the default bench) lifts every point just below threshold
    "above background".  Counted into each point's noise and redrawn by the bootstrap, it keeps the 60-point
    sweep's threshold within its 1-sigma bar in most of 12 seeds (17 % of them when it was left out)."""
    dark = DARK_RATE_S * (1 - 1.6 * DARK_RELATIVE_ERROR)
    pulls = []
    for seed in range(12):
        table, _ = bench_like_sweep(60, seed)
        estimate = avalanche_threshold(table, background=dark, background_error=DARK_RELATIVE_ERROR * dark,
                                       bootstrap=100, seed=seed)
        pulls.append((estimate.threshold_kw_cm2 - TRUTH) / estimate.threshold_uncertainty_kw_cm2)
    assert np.mean(np.abs(pulls) < 1) >= 0.6, pulls
    assert np.mean(np.abs(pulls) < 2) >= 0.9, pulls
