"""Synthetic particle data drawn from the model itself (anplab.fitting.synthetic): the truth is known."""

import pytest

from anplab.fitting.synthetic import synthetic


@pytest.fixture
def make_data():
    return synthetic
