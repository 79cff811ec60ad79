"""Detected counts: collection efficiency, dark counts, dead time, Poisson statistics."""

import numpy as np
import pytest

from anplab.simulated.physics.detection import Detection
from anplab.simulated.physics.errors import ModelInputError


def test_count_rate_scales_with_collection_and_adds_dark_counts():
    path = Detection(collection_efficiency=0.05, quantum_efficiency=0.6, dark_count_rate_s=100.0)
    assert path.count_rate([0.0, 1e5]) == pytest.approx([100.0, 100.0 + 1e5 * 0.03])


def test_dead_time_saturates_at_one_over_tau():
    spad = Detection(collection_efficiency=1.0, dead_time_s=22e-9)
    assert spad.count_rate(1e12) == pytest.approx(1 / 22e-9, rel=1e-3)
    assert spad.count_rate(1e4) == pytest.approx(1e4, rel=1e-3)
    assert spad.saturation_fraction(1 / 22e-9) == pytest.approx(0.5)


def test_counts_are_poisson_around_the_expected_rate():
    path = Detection(collection_efficiency=0.1, dark_count_rate_s=50.0)
    counts = path.counts(np.full(20000, 1e4), 1e-3, np.random.default_rng(1))
    mean = (1e4 * 0.1 + 50.0) * 1e-3
    assert counts.mean() == pytest.approx(mean, rel=0.02)
    assert counts.var() == pytest.approx(mean, rel=0.05)


def test_dead_time_loses_nothing_at_low_rates_and_follows_the_saturation_law():
    spad = Detection(collection_efficiency=1.0, dark_count_rate_s=100.0, dead_time_s=22e-9)
    rng = np.random.default_rng(5)
    low = spad.counts(np.zeros(40000), 0.1, rng)
    assert low.mean() == pytest.approx(10.0, rel=0.01)  # no systematic loss of whole counts
    high = spad.counts(np.full(2000, 2e7), 1e-3, rng)
    assert high.mean() == pytest.approx(spad.count_rate(2e7) * 1e-3, rel=0.01)


def test_bad_detection_parameters_are_refused():
    with pytest.raises(ModelInputError, match="collection_efficiency"):
        Detection(collection_efficiency=1.5)
    with pytest.raises(ModelInputError, match="gate_s"):
        Detection(0.1).counts(1.0, 0.0, np.random.default_rng())
