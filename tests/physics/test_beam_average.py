"""Beam-averaged S-curves against independent integrals, power-law invariance and the single-particle slope."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from anplab.simulated.physics.beam_average import beam_averaged_s_curve
from anplab.simulated.physics.characteristics import avalanche_threshold
from anplab.simulated.physics.errors import ModelInputError
from anplab.simulated.physics.focal_spot import AirySpot, GaussianSpot
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.steady_state import steady_state

from .test_heating import two_level

TM = get_material("tm-1064")
PRYB = get_material("pryb-852")


def test_gaussian_average_is_lee_et_al_s_one_dimensional_integral():
    # For a Gaussian spot E_avg = (pi w^2 / 2) integral_0^I0 E(I) dI / I: computed here by adaptive quadrature
    # on the single-particle steady state, independently of the engine's grid and convolution.
    spot = GaussianSpot(1064.0, 1.4)
    peaks = np.array([2.0, 6.0, 6.7, 7.5, 20.0])
    curve = beam_averaged_s_curve(TM, peaks, spot)

    def emission(log_i):
        return float(steady_state(TM, np.exp(log_i)).emission())

    for peak, value, slope in zip(peaks, curve.emission, curve.slope):
        tail = emission(np.log(peak) - 20) / 2.0  # below e^-20 of the peak, E ~ I^2
        integral = quad(emission, np.log(peak) - 20, np.log(peak), limit=400, epsrel=1e-7)[0] + tail
        assert value == pytest.approx(np.pi * spot.waist_um**2 / 2 * integral, rel=2e-3)
        assert slope == pytest.approx(emission(np.log(peak)) / integral, rel=2e-3)


@pytest.mark.parametrize("spot_kind", [GaussianSpot, AirySpot])
def test_a_linear_absorber_collects_the_whole_beam_power(spot_kind):
    # Far from saturation a two-level ion emits in proportion to the intensity, so the layer's emission is
    # E(I0) / I0 times the integral of the intensity over the plane: the beam power over the peak intensity.
    material = two_level(1000.0, 0.0)
    spot = spot_kind(1000.0, 0.9)
    peak = 1e-3
    curve = beam_averaged_s_curve(material, peak, spot)
    single = float(steady_state(material, peak).emission())
    area_um2 = float(spot.power_mw(peak)) * 1e-3 / (peak * 1e3) * 1e8
    # The Airy pattern's rings beyond the spot's reach carry ~2 / (pi v) = 1.7 % of a linear signal.
    assert float(curve.emission) == pytest.approx(single * area_um2, rel=0.02 if spot_kind is AirySpot else 1e-3)
    assert float(curve.slope) == pytest.approx(1.0, abs=1e-3)


@settings(max_examples=10, deadline=None)
@given(na=st.floats(0.3, 1.5))
def test_the_slope_does_not_depend_on_the_spot_size_and_emission_scales_with_its_area(na):
    peaks = np.geomspace(3.0, 30.0, 7)
    reference = beam_averaged_s_curve(TM, peaks, GaussianSpot(1064.0, 1.0))
    other = beam_averaged_s_curve(TM, peaks, GaussianSpot(1064.0, na))
    np.testing.assert_allclose(other.slope, reference.slope, rtol=1e-6)
    np.testing.assert_allclose(other.emission, reference.emission / na**2, rtol=1e-6)


@pytest.mark.parametrize("material", [TM, PRYB], ids=lambda m: m.key)
@pytest.mark.parametrize("spot_kind", [GaussianSpot, AirySpot])
def test_averaging_over_the_spot_lowers_the_peak_slope_but_keeps_the_power_laws(material, spot_kind):
    threshold = avalanche_threshold(material)
    i_th = float(threshold.intensity_kw_cm2)
    peaks = i_th * np.geomspace(1 / 300, 300, 600)
    curve = beam_averaged_s_curve(material, peaks, spot_kind(material.pump_wavelength_nm, 1.4))
    single = steady_state(material, peaks).slope()
    assert curve.slope[0] == pytest.approx(single[0], abs=0.05)  # S = 2 far below: any average keeps it
    assert curve.slope.max() < 0.85 * float(threshold.s_max)
    assert curve.slope.max() > 0.5 * float(threshold.s_max)
    # The average's steepest point lies at or just above the single particle's threshold.
    assert i_th <= peaks[np.argmax(curve.slope)] <= 1.2 * i_th


def test_shape_is_kept_and_bad_intensities_are_refused():
    curve = beam_averaged_s_curve(TM, np.full((2, 3), 7.0), GaussianSpot(1064.0, 1.4))
    assert curve.emission.shape == (2, 3) and curve.slope.shape == (2, 3)
    for bad in (0.0, -1.0, np.nan, []):
        with pytest.raises(ModelInputError, match="peak_intensity"):
            beam_averaged_s_curve(TM, bad, GaussianSpot(1064.0, 1.4))
