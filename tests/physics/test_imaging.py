"""Focal spots, PASSI images of particle fields, and image widths."""

import math

import numpy as np
import pytest

from anplab.simulated.physics.characteristics import avalanche_threshold
from anplab.simulated.physics.focal_spot import AirySpot, GaussianSpot
from anplab.simulated.physics.imaging import passi_fwhm, passi_image, power_law_fwhm
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.samples import ParticleField
from anplab.simulated.physics.steady_state import steady_state

TM = get_material("tm-1064")


@pytest.mark.parametrize("kind", [GaussianSpot, AirySpot])
def test_spots_convert_power_to_peak_intensity_and_back(kind):
    spot = kind(1064.0, 1.4)
    assert spot.relative_intensity(0.0) == pytest.approx(1.0)
    assert spot.power_mw(spot.peak_intensity_kw_cm2(2.5)) == pytest.approx(2.5)
    half = spot.radius_at(0.5)
    assert 2e3 * half == pytest.approx(spot.fwhm_nm, rel=0.01)
    assert spot.relative_intensity(spot.radius_at(0.2)) == pytest.approx(0.2, rel=1e-6)


def test_gaussian_peak_intensity_is_two_p_over_pi_w_squared():
    spot = GaussianSpot(1064.0, 1.4)
    w_cm = spot.waist_um * 1e-4
    assert spot.peak_intensity_kw_cm2(1.0) == pytest.approx(2 * 1e-3 / (math.pi * w_cm**2) * 1e-3)


def test_airy_spot_encloses_the_power():
    spot = AirySpot(1064.0, 1.4)
    r = np.linspace(0, 40 * spot.reach_um, 400001)
    area_integral = np.trapezoid(spot.relative_intensity(r) * 2 * np.pi * r, r) * 1e-8  # cm^2
    power_w = spot.peak_intensity_kw_cm2(1.0) * 1e3 * area_integral
    assert power_w == pytest.approx(1e-3, rel=0.01)


def test_image_width_follows_the_power_law_far_below_threshold():
    spot = GaussianSpot(1064.0, 1.4)
    width = float(passi_fwhm(TM, 0.05, spot))
    assert width == pytest.approx(spot.fwhm_nm / math.sqrt(2.0), rel=0.01)
    assert power_law_fwhm(1064.0, 1.4, 2.0) == pytest.approx(1064.0 / (2.8 * math.sqrt(2.0)))


def test_field_image_shows_each_particle_with_the_single_particle_width():
    spot = AirySpot(1064.0, 1.4)
    intensity = 1.2 * float(avalanche_threshold(TM).intensity_kw_cm2)
    field = ParticleField(TM, [[-1.0, 0.0], [1.5, 0.0]], shell_nm=[5.6, 5.6], darkness=0.0)
    x = np.linspace(-2.0, 2.5, 2251)  # 2 nm pixels
    image = passi_image(field, x, np.array([0.0]), intensity, spot)[0]
    expected_width = float(passi_fwhm(TM, intensity, spot))
    peak = float(steady_state(TM, intensity).emission())
    for centre in (-1.0, 1.5):
        near = np.abs(x - centre) < 0.5
        profile = image[near]
        assert profile.max() == pytest.approx(peak, rel=1e-3)
        width_nm = 2e3 * np.count_nonzero(profile >= profile.max() / 2) * (x[1] - x[0]) / 2
        assert width_nm == pytest.approx(expected_width, rel=0.05)


def test_particles_with_thinner_shells_are_dimmer_just_above_threshold():
    spot = AirySpot(1064.0, 1.4)
    field = ParticleField(TM, [[-1.0, 0.0], [1.0, 0.0]], shell_nm=[5.6, 3.0], darkness=0.0)
    x = np.array([-1.0, 1.0])
    thick, thin = passi_image(field, x, np.array([0.0]), 7.5, spot)[0]
    assert thick > 10 * thin


def test_random_field_is_reproducible_and_respects_the_minimum_separation():
    a = ParticleField.random(TM, 50, (20.0, 20.0), min_separation_um=1.0, seed=3)
    b = ParticleField.random(TM, 50, (20.0, 20.0), min_separation_um=1.0, seed=3)
    assert np.array_equal(a.positions_um, b.positions_um)
    d = np.hypot(*(a.positions_um[:, None, :] - a.positions_um[None, :, :]).transpose(2, 0, 1))
    assert d[~np.eye(50, dtype=bool)].min() >= 1.0
    assert a.shell_nm.std() > 0.1
