"""The default material reproduces the published photon-avalanche figures (Lee et al., Nature 2021)."""

import numpy as np
import pytest

from anplab.simulated.physics.characteristics import avalanche_threshold, best_passi_intensity, rise_time
from anplab.simulated.physics.focal_spot import AirySpot
from anplab.simulated.physics.imaging import passi_fwhm
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.processes import PumpTransition
from anplab.simulated.physics.steady_state import steady_state

TM = get_material("tm-1064")


@pytest.fixture(scope="module")
def threshold():
    return avalanche_threshold(TM)


def test_slope_is_two_at_low_pump_and_below_one_in_saturation(threshold):
    i_th = float(threshold.intensity_kw_cm2)
    slope = steady_state(TM, [i_th / 300, i_th / 100, 30 * i_th, 100 * i_th]).slope()
    assert slope[:2] == pytest.approx([2.0, 2.0], abs=0.05)
    assert np.all(slope[2:] < 1.0)


def test_threshold_and_peak_slope_match_published_values(threshold):
    assert 5.0 <= threshold.intensity_kw_cm2 <= 8.0
    # 26 is the measured finite-resolution secant; the exact local slope peaks higher.
    assert threshold.s_max >= 26.0


def test_slope_peak_is_sharp(threshold):
    i_th = float(threshold.intensity_kw_cm2)
    around = steady_state(TM, i_th * np.array([0.8, 1.25])).slope()
    assert np.all(around < threshold.s_max / 2)


def test_finite_resolution_secant_slope_is_near_the_measured_26(threshold):
    # A measurement with ~10 % intensity steps sees the secant, not the local slope.
    i_th = float(threshold.intensity_kw_cm2)
    low, high = i_th / 1.05, i_th * 1.05
    e_low, e_high = steady_state(TM, [low, high]).emission()
    secant = np.log(e_high / e_low) / np.log(high / low)
    assert 20 <= secant <= 45


def test_rise_time_peaks_at_threshold_with_critical_slowing_down(threshold):
    i_th = float(threshold.intensity_kw_cm2)
    factors = np.array([0.5, 0.9, 1.0, 1.1, 2.0])
    t90 = rise_time(TM, i_th * factors).t90_s
    assert 0.3 <= t90[2] <= 2.0
    assert t90[2] == t90.max()
    assert 0.01 <= t90[0] <= 0.1  # tens of ms at half the threshold
    assert 0.01 <= t90[4] <= 0.1  # and at twice the threshold


def test_esa_is_ten_thousand_times_gsa():
    pumps = {p.label.split()[0]: p.cross_section_cm2 for p in TM.processes if isinstance(p, PumpTransition)}
    assert pumps["ESA"] / pumps["GSA"] >= 1e4


def test_passi_resolution_at_best_intensity_and_at_twice_threshold(threshold):
    spot = AirySpot(1064.0, 1.4)
    best_intensity, best_fwhm = best_passi_intensity(TM, spot)
    assert 55.0 <= best_fwhm <= 80.0
    assert threshold.intensity_kw_cm2 <= best_intensity <= 1.1 * threshold.intensity_kw_cm2
    at_twice = float(passi_fwhm(TM, 2 * threshold.intensity_kw_cm2, spot))
    assert 170.0 <= at_twice <= 240.0
