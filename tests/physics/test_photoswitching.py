"""Reversible NIR photoswitching: dose-driven, action-spectrum-selective, persistent, fatigue-free."""

import numpy as np
import pytest

from anplab.simulated.physics.focal_spot import AirySpot, GaussianSpot
from anplab.simulated.physics.imaging import film_image
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.photoswitching import ActionBand, Photoswitching
from anplab.simulated.physics.samples import Film
from anplab.simulated.physics.steady_state import steady_state

TM = get_material("tm-1064")
SWITCH = TM.photoswitching


def test_action_spectrum_darkens_in_the_visible_nir_band_and_brightens_at_1064():
    k_dark, k_bright = SWITCH.rates(np.array([500.0, 700.0, 852.0, 1064.0]), 50.0)
    assert k_dark[0] > 0 and k_dark[1] > 0
    assert 0 < k_dark[2] < 0.5 * k_dark[1]  # 852 nm sits on the red edge of the band
    assert k_dark[3] < 1e-6 * k_dark[1]
    assert k_bright[3] > 0 and k_bright[1] == pytest.approx(0.0, abs=1e-9 * k_bright[3])


def test_the_band_edge_is_configurable():
    wider = Photoswitching(darkening=ActionBand(400.0, 900.0, 8.0))
    assert wider.rates(852.0, 50.0)[0] > 3 * SWITCH.rates(852.0, 50.0)[0]


def test_switching_depends_on_dose_not_on_how_it_is_delivered():
    once = SWITCH.evolve(0.0, 852.0, 100.0, 2e-3)
    halves = SWITCH.evolve(SWITCH.evolve(0.0, 852.0, 100.0, 1e-3), 852.0, 100.0, 1e-3)
    double_power_half_time = SWITCH.evolve(0.0, 852.0, 200.0, 1e-3)
    assert halves == pytest.approx(once, rel=1e-12)
    # Darkening is one-photon: power x time is what counts (brightening at 852 nm is negligible).
    assert double_power_half_time == pytest.approx(once, rel=1e-6)


def test_brightening_is_nonlinear_so_read_outs_spare_the_pattern():
    _, read = SWITCH.rates(1064.0, 8.0)
    _, erase = SWITCH.rates(1064.0, 500.0)
    assert read < 0.02 and erase > 30.0
    written = 0.95
    assert SWITCH.evolve(written, 1064.0, 8.0, 1.0) > 0.93  # a second of read-out
    assert SWITCH.evolve(written, 1064.0, 500.0, 0.1) < 0.01  # a tenth of a second of erase


def test_state_persists_in_the_dark():
    dark = SWITCH.evolve(0.0, 700.0, 100.0, 1.0)
    assert SWITCH.evolve(dark, 1064.0, 0.0, 3600.0) == pytest.approx(dark)


def test_darkened_particles_emit_far_less_under_the_avalanche():
    bright, dark = steady_state(TM, 7.5, darkness=[0.0, 1.0]).emission()
    assert bright > 30 * dark


def test_a_thousand_write_erase_cycles_leave_the_contrast_unchanged():
    darkness = 0.0
    contrasts = []
    for _ in range(1000):
        darkness = SWITCH.evolve(darkness, 852.0, 200.0, 20e-3)  # write
        written = darkness
        darkness = SWITCH.evolve(darkness, 1064.0, 300.0, 0.5)  # erase
        contrasts.append((written, darkness))
    first, last = np.array(contrasts[0]), np.array(contrasts[-1])
    assert first[0] > 0.9 and first[1] < 0.05
    assert last == pytest.approx(first, abs=1e-9)


def test_film_records_dose_and_reads_back_a_written_pattern():
    film = Film(TM, 6.0, 6.0, cell_nm=20.0)
    write = GaussianSpot(852.0, 1.4)
    grid = np.arange(-1.0, 1.0, 0.1)
    xx, yy = np.meshgrid(grid, grid)
    film.expose(xx, yy, 852.0, 100.0, 1e-3, write)
    film.flush()
    assert film.darkness[film.ny // 2, film.nx // 2] > 0.9
    assert film.darkness[5, 5] < 1e-3
    # The dose record integrates to the energy delivered: pixels x power x dwell.
    dose = film.fluence_j_cm2[852.0]
    delivered_j = xx.size * write.power_mw(100.0) * 1e-3 * 1e-3
    assert dose.sum() * (film.cell_um * 1e-4) ** 2 == pytest.approx(delivered_j, rel=0.02)
    axis = np.linspace(-2.5, 2.5, 11)
    image = film_image(film, axis, axis, 7.5, AirySpot(1064.0, 1.4))
    assert image[5, 0] > 30 * image[5, 5]  # written square is dark in the read-out


def test_splitting_exposures_gives_the_same_film():
    spot = GaussianSpot(852.0, 1.4)
    a, b = Film(TM, 3.0, 3.0), Film(TM, 3.0, 3.0)
    a.expose(0.0, 0.0, 852.0, 100.0, 2e-3, spot)
    b.expose([0.0, 0.0], [0.0, 0.0], 852.0, 100.0, [1e-3, 1e-3], spot)
    a.flush(), b.flush()
    assert np.allclose(a.darkness, b.darkness, atol=1e-12)
