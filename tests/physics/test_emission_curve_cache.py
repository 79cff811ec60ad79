"""EmissionCurve.cached: the same emission as a fresh tabulation, solved once per particle kind."""

import numpy as np
import pytest

from anplab.simulated.physics import emission_curve
from anplab.simulated.physics.characteristics import avalanche_threshold
from anplab.simulated.physics.emission_curve import EmissionCurve
from anplab.simulated.physics.focal_spot import AirySpot
from anplab.simulated.physics.imaging import passi_image
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.samples import ParticleField
from anplab.simulated.physics.steady_state import steady_state

TM = get_material("tm-1064")


@pytest.mark.parametrize("seed", [3, 11])
def test_cached_curves_give_the_fresh_curves_emission_and_solve_once(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    shells = rng.normal(TM.shell_nm, 0.8, size=5)
    dark = rng.uniform(0.0, 0.3, size=5)
    peak = float(rng.uniform(3.0, 40.0))
    probe = peak * np.geomspace(1e-6, 1.0, 300)
    cached = EmissionCurve.cached(TM, peak * 1e-7, peak, temperature_k=295.0, shell_nm=shells, darkness=dark,
                                  band="800nm")
    exact = steady_state(TM, probe[:, None], 295.0, shell_nm=shells[None, :], darkness=dark[None, :]).emission("800nm")
    assert cached.log_i[0] <= np.log(peak * 1e-7) and cached.log_i[-1] >= np.log(peak)
    for kind in range(5):  # also across the threshold, where the slope jumps from ~2 to ~50
        np.testing.assert_allclose(cached.evaluate(probe, kind), exact[:, kind], rtol=5e-3)
    # Asked again, at a nearby intensity and for a subset in another order: nothing is solved.
    calls = []
    real = emission_curve.steady_state
    monkeypatch.setattr(emission_curve, "steady_state", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = EmissionCurve.cached(TM, peak * 1.2e-7, peak * 1.2, temperature_k=295.0, shell_nm=shells[[3, 1]],
                                 darkness=dark[[3, 1]], band="800nm")
    assert calls == []
    np.testing.assert_array_equal(again.evaluate(probe, 0), cached.evaluate(probe, 3))
    # Another temperature is another curve.
    EmissionCurve.cached(TM, peak * 1e-7, peak, temperature_k=200.0, shell_nm=shells[:1], band="800nm")
    assert calls == [1]


def test_an_image_at_another_intensity_reuses_the_fields_curves(monkeypatch):
    field = ParticleField.random(TM, 12, (6.0, 6.0), seed=5, shell_sd_nm=0.8)
    spot = AirySpot(1064.0, 1.4)
    axis = np.linspace(-3.0, 3.0, 40)
    threshold = float(avalanche_threshold(TM).intensity_kw_cm2)
    first = passi_image(field, axis, axis, 1.05 * threshold, spot)
    calls = []
    real = emission_curve.steady_state
    monkeypatch.setattr(emission_curve, "steady_state", lambda *a, **k: calls.append(1) or real(*a, **k))
    second = passi_image(field, axis, axis, 1.05 * threshold, spot)
    nearby = passi_image(field, axis, axis, 1.2 * threshold, spot)
    assert calls == []
    np.testing.assert_array_equal(first, second)
    assert nearby.max() > first.max()
