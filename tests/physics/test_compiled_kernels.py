"""The compiled kernels of the simulated bench's per-gate work are their numpy versions, to rounding.

The simulated sample advances particles still settling through short counting
gates with ``compiled_stepper.advance_fixed`` instead of ``stepper.advance``;
both must give the same populations and photons for random particles,
intensities (below, at and far above threshold), temperatures, shells,
darkness and step lengths, from the dark state and from mid-transient.  The
settled-particle fast path finds its steady state by compiled Newton steps:
they must equal the numpy ones from random populations and conditions, as must
the compiled right-hand side and Jacobian the solver uses for a lone particle.
"""

import numpy as np
import pytest

from anplab.simulated.physics.compiled_stepper import advance_fixed, one_point_equations
from anplab.simulated.physics.conditions import Conditions
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.rate_equations import RateSystem
from anplab.simulated.physics.settled import _newton_step_numpy, newton_step
from anplab.simulated.physics.stepper import advance

TM = get_material("tm-1064")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_steps_match_numpy_steps(seed):
    rng = np.random.default_rng(seed)
    k = 5
    cond = Conditions(rng.uniform(0.5, 60.0, k), rng.uniform(150.0, 300.0, k), rng.uniform(3.0, 8.0, k),
                      rng.uniform(0.0, 0.5, k), shape=(k,))
    system = RateSystem(TM, cond)
    weights = np.array([TM.band_weights("800nm"), TM.band_weights("1470nm")])
    n = np.repeat(TM.dark_populations()[:, None], k, axis=1)
    for duration in rng.uniform(1e-5, 0.01, 6):  # successive gates: later ones start mid-transient
        expected_n, expected_photons = advance(system, n, duration, system.flux, weights)
        got_n, got_photons = advance_fixed(system, n, duration, system.flux, weights)
        np.testing.assert_allclose(got_n, expected_n, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(got_photons, expected_photons, rtol=1e-9, atol=1e-12 * expected_photons.max())
        assert not np.allclose(got_n, n)  # the step did move the particles
        n = got_n


def test_zero_duration_is_no_step():
    cond = Conditions(np.array([9.0]), np.array([295.0]), np.array([5.6]), np.array([0.0]), shape=(1,))
    system = RateSystem(TM, cond)
    n = TM.dark_populations()[:, None]
    got_n, photons = advance_fixed(system, n, 0.0, system.flux, np.array([TM.band_weights("800nm")]))
    np.testing.assert_array_equal(got_n, n)
    assert photons.shape == (1, 1) and photons[0, 0] == 0.0


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_compiled_newton_step_matches_numpy(seed):
    # Random conditions and random normalised populations (far from and near a steady state).
    rng = np.random.default_rng(seed)
    k = 7
    cond = Conditions(rng.uniform(0.0, 80.0, k), rng.uniform(100.0, 320.0, k), rng.uniform(2.0, 9.0, k),
                      rng.uniform(0.0, 0.9, k), shape=(k,))
    system = RateSystem(TM, cond)
    n = rng.uniform(0.0, 1.0, (TM.n_levels, k))
    n /= n.sum(axis=0)
    for _ in range(4):  # Newton iterates: the later ones are close to the steady state
        expected = _newton_step_numpy(system, n)
        got = newton_step(system, n)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-13 * np.abs(expected).max())
        n = np.maximum(n + got, 0.0)


@pytest.mark.parametrize("seed", [7, 8])
def test_one_point_equations_are_the_rate_equations(seed):
    # transient.evolve integrates a lone particle with these compiled callbacks.
    rng = np.random.default_rng(seed)
    cond = Conditions(rng.uniform(0.0, 80.0, 1), rng.uniform(100.0, 320.0, 1), rng.uniform(2.0, 9.0, 1),
                      rng.uniform(0.0, 0.9, 1), shape=(1,))
    system = RateSystem(TM, cond)
    rhs, jacobian = one_point_equations(system, float(system.flux[0]))
    for _ in range(5):
        n = rng.uniform(0.0, 1.0, (TM.n_levels, 1))
        np.testing.assert_allclose(rhs(n[:, 0]), system.rhs(n)[:, 0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(jacobian(n[:, 0]), system.jacobian(n)[:, :, 0], rtol=1e-12, atol=1e-9)
