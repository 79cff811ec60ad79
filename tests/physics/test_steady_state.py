"""The steady-state solver: exact roots, conservation, agreement with the dynamics, bistability."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anplab.simulated.physics.conditions import Conditions
from anplab.simulated.physics.materials import MATERIALS, get_material
from anplab.simulated.physics.pump_waveforms import Constant
from anplab.simulated.physics.rate_equations import RateSystem
from anplab.simulated.physics.steady_state import steady_state
from anplab.simulated.physics.transient import transient

TM = get_material("tm-1064")


def species_sums(material, populations):
    return np.stack([populations[..., sl].sum(axis=-1) for sl in material.species_slices], axis=-1)


@pytest.mark.parametrize("key", sorted(MATERIALS))
def test_steady_states_are_roots_of_the_rate_equations(key):
    material = get_material(key)
    intensity = np.geomspace(1e-2, 1e4, 300)
    ss = steady_state(material, intensity)
    system = RateSystem(material, Conditions.broadcast(material, intensity))
    rates = system.rhs(ss.populations.T)
    gross = system.gross_rates(ss.populations.T)
    assert np.all(np.abs(rates) <= 1e-9 * gross + 1e-300)
    assert np.allclose(species_sums(material, ss.populations), 1.0, atol=1e-12)
    assert ss.populations.min() >= 0.0
    assert not ss.bistable.any()  # mean-field presets are monostable


@settings(max_examples=40, deadline=None)
@given(
    intensity=st.floats(0.0, 3e4),
    temperature=st.floats(4.0, 450.0),
    shell=st.floats(0.0, 12.0),
    darkness=st.floats(0.0, 1.0),
    key=st.sampled_from(sorted(MATERIALS)),
)
def test_populations_stay_physical_for_any_conditions(intensity, temperature, shell, darkness, key):
    material = get_material(key)
    ss = steady_state(material, intensity, temperature, shell_nm=shell, darkness=darkness)
    assert ss.populations.min() >= 0.0
    assert np.allclose(species_sums(material, ss.populations), 1.0, atol=1e-12)
    assert np.all(np.isfinite(ss.emission()))


@pytest.mark.parametrize("factor", [0.3, 0.9, 1.0, 1.1, 3.0])
def test_long_transient_settles_on_the_steady_state(factor):
    intensity = 6.69 * factor
    expected = steady_state(TM, intensity).emission()
    trace = transient(TM, Constant(intensity), [0.0, 60.0]).emission()
    assert trace[-1] == pytest.approx(float(expected), rel=1e-4)


def test_one_second_from_dark_is_still_short_at_threshold():
    # Why steady states are solved algebraically, never by integrating for a fixed time.
    expected = float(steady_state(TM, 6.69).emission())
    after_one_second = transient(TM, Constant(6.69), [0.0, 1.0]).emission()[-1]
    assert after_one_second < 0.97 * expected


def test_broadcasting_over_intensity_and_temperature():
    ss = steady_state(TM, np.geomspace(1, 100, 7)[None, :], np.array([77.0, 300.0])[:, None])
    assert ss.populations.shape == (2, 7, TM.n_levels)
    assert ss.emission().shape == (2, 7)
    single = steady_state(TM, 10.0, 77.0).emission()
    assert ss.emission()[0, 3] == pytest.approx(float(single), rel=1e-9)


def test_zero_intensity_is_dark():
    ss = steady_state(TM, 0.0)
    assert np.array_equal(ss.populations, TM.dark_populations())
    assert ss.emission() == 0.0


def test_exact_slope_agrees_with_finite_differences():
    intensity = np.array([1.0, 6.0, 6.69, 7.5, 40.0])
    h = 1e-5
    e_lo, e_hi = steady_state(TM, intensity[None, :] * np.array([[1 - h], [1 + h]])).emission()
    numeric = (np.log(e_hi) - np.log(e_lo)) / (np.log(1 + h) - np.log(1 - h))
    assert steady_state(TM, intensity).slope() == pytest.approx(numeric, rel=1e-4)


def test_bistability_is_found_and_confirmed_by_the_dynamics(bistable_toy):
    intensity = np.geomspace(1e2, 1e7, 26)
    ss = steady_state(bistable_toy, intensity)
    window = intensity[ss.bistable]
    assert 1e3 < window.min() < 5e3 and 1e5 < window.max() < 5e5
    assert ss.bistable.sum() >= 5
    assert np.all(np.isfinite(ss.unstable[ss.bistable]))
    assert np.all(np.isnan(ss.unstable[~ss.bistable]))
    lower, middle, upper = (ss.emission(branch=b)[ss.bistable] for b in ("lower", "unstable", "upper"))
    assert np.all((lower < middle) & (middle < upper))

    k = np.flatnonzero(ss.bistable)[3]
    from_dark = transient(bistable_toy, Constant(intensity[k]), [0.0, 50.0]).emission()[-1]
    from_bright = transient(bistable_toy, Constant(intensity[k]), [0.0, 50.0], initial=ss.upper[k]).emission()[-1]
    assert from_dark == pytest.approx(ss.emission()[k], rel=1e-3)
    assert from_bright == pytest.approx(ss.emission(branch="upper")[k], rel=1e-3)
