"""Synthetic particle data drawn from the model itself, with Poisson noise: for tests, benchmarks and
experiment design (how well would a measurement like this determine a parameter?)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from anplab.simulated.physics.materials import get_material

from .dataset import ParticleData, RiseTrace, Setup
from .model import expected_counts

SETUP = dict(material_key="tm-1064", temperature_k=295.0, quantum_efficiency=0.65, dead_time_s=22e-9)


def synthetic(truth: dict, *, seed: int = 0, intensities=None, rise_at: float | None = 12.0, material=None,
              traces: int = 2, concentration: float | None = None) -> tuple[ParticleData, Setup]:
    """An S-curve (16 readings of 0.2 s), a 10 s dark reading and a rise trace, drawn around ``truth``.

    ``material`` draws from another material than the setup names (data the model is not told about);
    ``concentration`` is the setup's (and the data's) dopant fraction.
    """
    rng = np.random.default_rng(seed)
    setup = Setup(**SETUP, concentration=concentration)
    setup.band = get_material(setup.material_key).default_band
    intensity = np.geomspace(3.0, 25.0, 16) if intensities is None else np.asarray(intensities, float)
    s_curve = pd.DataFrame({"intensity_kw_cm2": intensity, "counts": 0.0, "gate_s": 0.2})
    dark = pd.DataFrame({"intensity_kw_cm2": [0.0], "counts": [0.0], "gate_s": [10.0]})
    rises = []
    if rise_at is not None:
        times = (np.arange(65) + 0.5) * 0.01 - 0.05
        rises.append(RiseTrace(rise_at, times, 0.01, np.zeros(times.size), np.full(times.size, 0.01 * traces)))
    data = ParticleData("synthetic", s_curve, dark, rises, 295.0)
    values = {"shell_nm": 5.6, "collection_efficiency": 0.15, "dark_rate_s": 100.0, **truth}
    material = material or get_material(setup.material_key, concentration=concentration)
    expected = expected_counts(material, setup, data, values)
    data.s_curve["counts"] = rng.poisson(expected["s_curve"]).astype(float)
    data.dark["counts"] = rng.poisson(expected["dark"]).astype(float)
    for k, trace in enumerate(rises):
        trace.counts = rng.poisson(expected[f"rise_{k}"]).astype(float)
    return data, setup
