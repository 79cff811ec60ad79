"""Particle heating: energy bookkeeping, conduction, the self-consistent temperature and its slope."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anplab.simulated.physics.constants import photon_energy_j
from anplab.simulated.physics.errors import ModelInputError
from anplab.simulated.physics.heating import HeatBalance, ParticleHeating, heated_steady_state
from anplab.simulated.physics.material import Band, Level, Material, Species
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.materials.hosts import NAYF4
from anplab.simulated.physics.processes import PumpTransition, RadiativeDecay, SurfaceQuenching
from anplab.simulated.physics.steady_state import steady_state

PRYB = get_material("pryb-852")
TM = get_material("tm-1064")


def two_level(radiative_s: float, quenching_s: float, energy_cm: float = 10000.0) -> Material:
    """One absorbing ion whose excited level decays radiatively and non-radiatively (no shell)."""
    return Material(
        key="two-level",
        title="two-level absorber",
        reference="test",
        host=NAYF4,
        species=(Species("X", 0.1, (Level("g", 0.0), Level("e", energy_cm))),),
        processes=(
            PumpTransition("X:g", "X:e", 1e-19),
            RadiativeDecay("X:e", "X:g", radiative_s, band="line"),
            SurfaceQuenching("X:e", "X:g", bare_rate_s=quenching_s, decay_length_nm=1e9),
        ),
        pump_wavelength_nm=1000.0,
        bands=(Band("line", 1000.0),),
        core_diameter_nm=30.0,
        shell_nm=0.0,
    )


@settings(max_examples=30, deadline=None)
@given(radiative=st.floats(1.0, 1e5), quenching=st.floats(0.0, 1e5), intensity=st.floats(1e-3, 1e3))
def test_heat_is_the_absorbed_power_times_the_non_radiative_fraction(radiative, quenching, intensity):
    material = two_level(radiative, quenching)  # the level sits exactly at the photon energy
    ss = steady_state(material, intensity)
    n = ss.populations.reshape(1, -1)
    balance = HeatBalance(ss.system)
    ions = material.ions_per_particle("X")
    absorbed = photon_energy_j(1000.0) * ss.system.flux[0] * 1e-19 * n[0, 0] * ions
    expected = absorbed * quenching / (radiative + quenching)
    assert balance.power_w(n)[0] == pytest.approx(expected, rel=1e-9, abs=1e-9 * absorbed)


def test_a_stokes_shifted_emitter_heats_by_the_energy_it_does_not_re_emit():
    # Level 20 % below the photon, purely radiative: 20 % of the absorbed power stays as heat.
    material = two_level(1000.0, 0.0, energy_cm=8000.0)
    ss = steady_state(material, 10.0)
    n = ss.populations.reshape(1, -1)
    balance = HeatBalance(ss.system)
    absorbed = np.einsum("pl,pl->p", balance.absorbed, n)[0]
    assert balance.power_w(n)[0] == pytest.approx(0.2 * absorbed, rel=1e-12)


@settings(max_examples=20, deadline=None)
@given(kappa=st.floats(0.01, 100.0), shell=st.floats(0.0, 20.0))
def test_conduction_from_a_sphere(kappa, shell):
    heating = ParticleHeating(kappa)
    radius_m = (10.0 + shell) * 1e-9
    assert heating.kelvin_per_watt(TM.with_changes(core_diameter_nm=20.0), shell) == pytest.approx(
        1.0 / (4 * math.pi * kappa * radius_m), rel=1e-12)


def test_the_particle_temperature_is_self_consistent():
    # A poorly conducting surrounding makes the feedback strong enough to see (tens of kelvin).
    heating = ParticleHeating(3e-7)
    intensity = np.geomspace(100.0, 3000.0, 12)
    heated = heated_steady_state(PRYB, intensity, 250.0, heating)
    assert np.all(heated.temperature_rise_k > 0.01) and heated.temperature_rise_k.max() > 10
    again = steady_state(PRYB, intensity, heated.particle_temperature_k)
    n = again.populations.reshape(-1, PRYB.n_levels)
    rise = heating.kelvin_per_watt(PRYB, PRYB.shell_nm) * HeatBalance(again.system).power_w(n)
    np.testing.assert_allclose(heated.particle_temperature_k, 250.0 + rise, rtol=0, atol=1e-6)
    # Up to a few times the threshold Pr/Yb emission falls on heating (a higher threshold), so a heated
    # particle is dimmer than one held at 250 K; deep in saturation the order may turn.
    below_saturation = intensity < 1000.0
    cold = steady_state(PRYB, intensity, 250.0).emission()
    assert np.all(heated.emission()[below_saturation] < cold[below_saturation])


def test_the_slope_includes_the_warming_and_matches_finite_differences():
    heating = ParticleHeating(1e-7)
    intensity = np.array([150.0, 250.0, 400.0, 1500.0])
    eps = 1e-4
    heated = heated_steady_state(PRYB, intensity, 250.0, heating)
    up = heated_steady_state(PRYB, intensity * (1 + eps), 250.0, heating).emission()
    down = heated_steady_state(PRYB, intensity * (1 - eps), 250.0, heating).emission()
    numeric = (np.log(up) - np.log(down)) / (np.log1p(eps) - np.log1p(-eps))
    np.testing.assert_allclose(heated.slope(), numeric, rtol=2e-3)
    # ... and, where warming raises the threshold under the pump, is lower than the slope at fixed temperature.
    isothermal = steady_state(PRYB, intensity, heated.particle_temperature_k).slope()
    assert np.all(heated.slope() < isothermal)
    assert isothermal[1] - heated.slope()[1] > 0.5


def test_an_isolated_nanoparticle_in_water_warms_by_microkelvins():
    heated = heated_steady_state(TM, np.array([1.0, 6.7, 100.0]), 300.0, ParticleHeating(0.6))
    assert np.all(heated.temperature_rise_k > 0) and heated.temperature_rise_k.max() < 1e-4
    np.testing.assert_allclose(heated.emission(), steady_state(TM, [1.0, 6.7, 100.0]).emission(), rtol=1e-6)


def test_no_light_no_heat_and_shapes_are_kept():
    heated = heated_steady_state(TM, np.zeros((2, 3)), np.array([[280.0], [300.0]]), ParticleHeating(0.6))
    assert heated.particle_temperature_k.shape == (2, 3)
    np.testing.assert_array_equal(heated.particle_temperature_k, np.broadcast_to([[280.0], [300.0]], (2, 3)))


def test_runaway_and_meaningless_conductivities_are_refused():
    with pytest.raises(ModelInputError, match="heating"):
        heated_steady_state(PRYB, 5000.0, 300.0, ParticleHeating(1e-9))
    for kappa in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ModelInputError, match="thermal_conductivity"):
            ParticleHeating(kappa)
