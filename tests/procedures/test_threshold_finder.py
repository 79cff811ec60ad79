"""Homing in on the threshold: points go where the slope peaks, not where noise wiggles."""

import numpy as np
import pytest

from anplab.procedures.threshold_finder import home_in
from anplab.simulated.physics.characteristics import avalanche_threshold
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.steady_state import steady_state

TM = get_material("tm-1064")
THRESHOLD = float(avalanche_threshold(TM, 295.0).intensity_kw_cm2)


def noisy_counter(seed, dark_rate=100.0, efficiency=0.1, seconds=4.0):
    """Net count rate above a Poisson dark background, and its sigma, as a detector would give them."""
    rng = np.random.default_rng(seed)

    def measure(intensity):
        signal = efficiency * float(steady_state(TM, intensity, 295.0).emission())
        counts = rng.poisson((signal + dark_rate) * seconds)
        return counts / seconds - dark_rate, np.sqrt(max(counts, 1)) / seconds

    return measure


@pytest.mark.parametrize("seed", range(8))
def test_the_search_ends_next_to_the_threshold_despite_noise_below_it(seed):
    taken = home_in(noisy_counter(seed), 1.0, 60.0, survey_points=8, precision=0.02, max_points=20)
    assert len(taken) <= 20
    refined = [intensity for intensity, _, _ in taken[8:]]
    assert refined, "no refinement after the survey"
    assert np.median(np.abs(np.log(np.array(refined) / THRESHOLD))) < np.log(1.15)


def test_the_search_stops_once_the_peak_is_bracketed_to_the_precision():
    def exact(intensity):
        return float(steady_state(TM, intensity, 295.0).emission()), 0.0

    taken = home_in(exact, 1.0, 60.0, survey_points=8, precision=0.02, max_points=100)
    assert len(taken) < 30
    spacing = np.diff(np.log(sorted(i for i, _, _ in taken)))
    assert spacing.min() <= 0.02
