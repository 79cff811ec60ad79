"""The temperature law: Bose occupation, the energy-gap law, phonon-assisted steps, detailed balance."""

import numpy as np
import pytest

from anplab.simulated.physics.characteristics import avalanche_threshold, relative_sensitivity
from anplab.simulated.physics.constants import BOLTZMANN_CM_PER_K
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.materials.hosts import NAYF4
from anplab.simulated.physics.phonons import bose_occupation, multiphonon_rate, phonon_factor
from anplab.simulated.physics.steady_state import steady_state

TM = get_material("tm-1064")
PRYB = get_material("pryb-852")


def test_bose_occupation_limits():
    assert bose_occupation(360.0, 4.0) < 1e-50
    hot = 1e5
    assert bose_occupation(360.0, hot) == pytest.approx(BOLTZMANN_CM_PER_K * hot / 360.0 - 0.5, rel=1e-3)


def test_energy_gap_law_reproduces_the_300_k_rates_it_was_calibrated_on():
    assert multiphonon_rate(NAYF4, 4300.0, 300.0) == pytest.approx(6.02, rel=0.01)
    assert multiphonon_rate(NAYF4, 5600.0, 300.0) == pytest.approx(0.00239, rel=0.02)


def test_multiphonon_relaxation_grows_with_temperature_and_falls_with_gap():
    temps = np.array([4.0, 77.0, 200.0, 300.0, 400.0])
    rates = multiphonon_rate(NAYF4, 3000.0, temps)
    assert np.all(np.diff(rates) > 0)
    # At 4 K only spontaneous phonon emission is left: the T = 0 energy-gap law.
    assert rates[0] == pytest.approx(NAYF4.mpr_prefactor_s * np.exp(-NAYF4.mpr_alpha_cm * 3000.0), rel=1e-6)
    assert multiphonon_rate(NAYF4, 2000.0, 300.0) > 100 * multiphonon_rate(NAYF4, 4000.0, 300.0)


def test_phonon_factors_are_one_at_the_reference_and_resonant_steps_do_not_depend_on_t():
    assert phonon_factor(800.0, 360.0, 300.0) == pytest.approx(1.0)
    assert phonon_factor(-800.0, 360.0, 300.0) == pytest.approx(1.0)
    assert np.all(phonon_factor(0.0, 360.0, np.array([4.0, 400.0])) == 1.0)
    # Stokes steps survive at 4 K (spontaneous emission), anti-Stokes steps freeze out.
    assert 0.3 < phonon_factor(800.0, 360.0, 4.0) < 1.0
    assert phonon_factor(-800.0, 360.0, 4.0) < 1e-50


def test_cross_relaxation_and_its_reverse_obey_detailed_balance():
    # Forward (phonons emitted) over reverse (phonons absorbed) goes as exp(+dE / kT).
    dE = 800.0
    for t in (150.0, 250.0, 400.0):
        ratio = phonon_factor(dE, 360.0, t) / phonon_factor(-dE, 360.0, t)
        ratio_ref = phonon_factor(dE, 360.0, 300.0) / phonon_factor(-dE, 360.0, 300.0)
        expected = np.exp(dE / (BOLTZMANN_CM_PER_K * t)) / np.exp(dE / (BOLTZMANN_CM_PER_K * 300.0))
        assert ratio / ratio_ref == pytest.approx(expected, rel=1e-9)


def test_pr_yb_threshold_and_slope_stay_in_the_published_ranges_from_minus_175_to_175_c():
    # Korczak et al. (2023), 25 C steps: S = 4.5-9, threshold from ~100 up to ~700 kW/cm^2.
    celsius = np.arange(-175.0, 176.0, 25.0)
    th = avalanche_threshold(PRYB, celsius + 273.15)
    assert np.all(np.diff(th.intensity_kw_cm2) > 0)
    assert np.all((th.intensity_kw_cm2 >= 100.0) & (th.intensity_kw_cm2 <= 700.0))
    assert th.intensity_kw_cm2[0] <= 130.0 and th.intensity_kw_cm2[-1] >= 600.0
    assert np.all((th.s_max >= 4.5) & (th.s_max <= 9.0))
    # The threshold is itself a thermometer over the whole range (> 0.5 % per K, Korczak et al.),
    # not only above room temperature.
    sensitivity = 100 * np.diff(np.log(th.intensity_kw_cm2)) / np.diff(celsius)
    assert np.all(sensitivity > 0.3)


def test_pr_yb_reservoir_moves_from_pr_to_yb_on_heating():
    # The 1G4 <-> Yb 2F5/2 exchange is near thermal balance: excited Pr3+ over excited Yb3+ is close to the
    # Boltzmann ratio (c_Pr / c_Yb) exp(dE / kT) of their ~165 cm^-1 gap, so on heating the reservoir moves
    # to the Yb3+, which the pump cannot promote.
    temps = np.array([100.0, 150.0, 300.0, 450.0])
    ss = steady_state(PRYB, 10.0, temps)
    ratio = 0.005 * ss.population("Pr:1G4") / (0.15 * ss.population("Yb:2F5/2"))
    boltzmann = (0.005 / 0.15) * np.exp(165.0 / (BOLTZMANN_CM_PER_K * temps))
    assert np.all(np.diff(ratio) < 0)
    assert np.all((ratio > 0.5 * boltzmann) & (ratio < boltzmann))


def test_pr_yb_relative_sensitivity_sign_and_size():
    # Korczak et al.: intensity falls on heating; pumped near threshold S_r reaches several %/K.
    temps = np.array([100.0, 200.0, 273.0, 300.0, 400.0])
    emission = steady_state(PRYB, 300.0, temps).emission()
    assert np.all(np.diff(emission) < 0)
    at_threshold = avalanche_threshold(PRYB, temps).intensity_kw_cm2
    s_r = np.array([relative_sensitivity(PRYB, i, t) for i, t in zip(at_threshold, temps)])
    assert np.all(s_r[1:] > 1.5)
    assert 3.0 < s_r.max() < 10.0


def test_relative_sensitivity_matches_its_definition():
    t, d = 250.0, 0.5
    e_lo, e, e_hi = steady_state(TM, 7.5, np.array([t - d, t, t + d])).emission()
    expected = 100 * abs(e_hi - e_lo) / (2 * d) / e
    assert relative_sensitivity(TM, 7.5, t, step_k=d) == pytest.approx(expected, rel=1e-9)


def test_tm_model_is_defined_from_4_to_450_k():
    th = avalanche_threshold(TM, np.array([4.0, 77.0, 300.0, 400.0]))
    assert np.all(np.isfinite(th.intensity_kw_cm2))
    assert np.all(th.s_max > 10)
