"""A settled particle is counted from the linearised equations, and that equals integrating them.

The simulated sample advances particles near their steady state without the
stiff solver (simulated/physics/settled.py).  Here the same sequence of gates
(settling, the laser's own noise, a pump step right after settling, a
temperature change) runs once with that fast path and once with every gate
integrated; the photons per gate must agree far below shot noise, and the
fast path must actually have been taken for most gates and refused right
after each change.
"""

import copy

import numpy as np
import pytest

from anplab.simulated.physics.focal_spot import AirySpot
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.samples import ParticleField
from anplab.simulated.world import sample_response
from anplab.simulated.world.sample_response import Illumination, SampleResponse

TM = get_material("tm-1064")
SPOT = AirySpot(1064.0, 1.4)
GATE_S = 0.1


def make_sample() -> SampleResponse:
    # Three particles, one on the beam and two on its flank, with different shells: a spread of intensities.
    field = ParticleField(TM, [(0.0, 0.0), (0.12, 0.0), (0.0, 0.2)], shell_nm=[5.6, 4.0, 7.0], darkness=0.0)
    return SampleResponse(field, ("800nm",), temperature_k=295.0)


def schedule(peak_kw_cm2: float):
    """(duration, intensity, temperature) steps: settle, jitter, pump step, temperature steps."""
    rng = np.random.default_rng(7)
    steps = [(1.0, peak_kw_cm2, 295.0)] * 30
    steps += [(GATE_S, peak_kw_cm2 * (1 + 3e-4 * rng.standard_normal()), 295.0) for _ in range(40)]
    steps += [(GATE_S, peak_kw_cm2 * 1.2, 295.0)] * 40  # a pump step right after settling
    steps += [(GATE_S, peak_kw_cm2 * 1.2, 296.0)] * 40  # the cryostat moved by a kelvin
    steps += [(0.005, peak_kw_cm2 * 1.2, 296.0)] * 10  # short steps (the batched stepper's range)
    return steps


def run(sample: SampleResponse, steps) -> np.ndarray:
    out = []
    for duration, intensity, temperature in steps:
        sample.temperature_k = temperature
        light = Illumination(1064.0, intensity, SPOT, 0.0, 0.0)
        out.append(sample.advance(duration, [light])[0, 0])
    return np.array(out)


@pytest.mark.parametrize("peak_kw_cm2", [9.0, 15.0, 40.0])
def test_fast_path_counts_what_the_solver_counts(monkeypatch, peak_kw_cm2):
    steps = schedule(peak_kw_cm2)
    fast_sample, solved_sample = make_sample(), make_sample()

    taken = []
    real = sample_response.advance_linear

    def spy(system, n, duration_s, weights):
        done, n_after, photons = real(system, n, duration_s, weights)
        taken.append(int(done.sum()))
        return done, n_after, photons

    with monkeypatch.context() as patch:
        patch.setattr(sample_response, "advance_linear", spy)
        fast = run(fast_sample, steps)
    fast_path_calls = list(taken)

    with monkeypatch.context() as patch:  # the reference: every step integrated
        patch.setattr(sample_response, "advance_linear",
                      lambda system, n, d, w: (np.zeros(n.shape[1], bool), n, np.zeros((w.shape[0], n.shape[1]))))
        solved = run(solved_sample, steps)

    assert np.all(solved > 0)
    # Shot noise of a 0.1 s gate here is >= 1e-3 relative; the two must agree a hundred times better.
    np.testing.assert_allclose(fast, solved, rtol=2e-5)
    np.testing.assert_allclose(fast_sample._state, solved_sample._state, rtol=1e-4, atol=1e-12)
    # The fast path carried most of the gates, and not the first gate after either change.
    particles = len(fast_sample.sample)
    assert sum(fast_path_calls) >= 0.5 * particles * len(steps)
    assert fast_path_calls[70] < particles  # first gate after the pump step
    assert fast_path_calls[110] < particles  # first gate after the temperature step


def test_binned_counts_of_a_settled_particle_are_rate_times_bin(monkeypatch):
    fast_sample, solved_sample = make_sample(), make_sample()
    light = [Illumination(1064.0, 15.0, SPOT, 0.0, 0.0)]
    for sample in (fast_sample, solved_sample):
        for _ in range(40):
            sample.advance(1.0, light)
    edges = np.linspace(0.0, 0.5, 51)
    fast = fast_sample.advance(0.5, light, edges)
    with monkeypatch.context() as patch:
        patch.setattr(sample_response, "steady_nearby", lambda system, n, **_: (np.zeros(n.shape[1], bool), n))
        solved = solved_sample.advance(0.5, light, edges)
    np.testing.assert_allclose(fast, solved, rtol=2e-5)


def test_state_after_fast_path_is_a_pure_function_of_the_state():
    """Resume identity: the fast path keeps no memory, so a copy of the state continues identically."""
    sample = make_sample()
    light = [Illumination(1064.0, 12.0, SPOT, 0.0, 0.0)]
    for _ in range(30):
        sample.advance(1.0, light)
    twin = copy.deepcopy(sample)
    a = [sample.advance(GATE_S, light)[0, 0] for _ in range(5)]
    b = [twin.advance(GATE_S, light)[0, 0] for _ in range(5)]
    assert a == b
    np.testing.assert_array_equal(sample._state, twin._state)
