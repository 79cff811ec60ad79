"""Photopatterning an ANP film: the written pattern reads back faithfully, the dose record is exact, erasing works."""

import numpy as np
import pytest

from anplab.procedures.patterns import built_in_pattern
from anplab.procedures.photopatterning import Photopatterning


def test_a_written_pattern_reads_back_and_erases(run_on_bench):
    run = run_on_bench(Photopatterning)
    assert run.outcome.ended == "finished"
    summary = run.summary
    assert summary["fidelity"] >= 0.9
    assert summary["contrast"] > 0.5
    assert abs(summary["after_erase_fidelity"]) < 0.3  # the film is uniform again
    images = run.images()
    assert {"target", "dose_j", "readout", "readout_after_erase"} <= set(images)
    np.testing.assert_array_equal(images["target"]["image"], built_in_pattern("cross", 16))


def test_the_dose_record_matches_what_the_film_received(run_on_bench):
    run = run_on_bench(Photopatterning, pattern="square", pattern_pixels=8, pixel=0.6, read_pixels=24)
    data = run.data()
    target = built_in_pattern("square", 8)
    assert len(data) == int((target > 0).sum())  # one row per written pixel
    dose_map = run.images()["dose_j"]["image"]
    assert dose_map.sum() == pytest.approx(data.dose_j.sum())
    assert np.array_equal(dose_map > 0, target > 0)
    film = run.bench.world.sample.sample
    film.flush()
    received = film.fluence_j_cm2[852.0].sum() * (film.cell_um * 1e-4) ** 2  # J at the sample
    assert received == pytest.approx(data.dose_j.sum(), rel=0.05)
    assert summary_keys(run) >= {"pixels_written", "total_dose_j", "fidelity", "contrast"}


def summary_keys(run):
    return set(run.summary)


def test_a_pattern_from_an_image_file(run_on_bench, tmp_path):
    import matplotlib.image

    drawing = np.zeros((40, 40))
    drawing[5:35, 10:16] = 1.0  # an "L"
    drawing[29:35, 10:32] = 1.0
    path = tmp_path / "letter.png"
    matplotlib.image.imsave(path, drawing, cmap="gray")
    run = run_on_bench(Photopatterning, pattern=str(path), pattern_pixels=12, read_pixels=32)
    assert run.summary["fidelity"] >= 0.8
    target = run.images()["target"]["image"]
    assert target.shape == (12, 12) and target.max() == pytest.approx(1.0)


def test_pixels_larger_than_the_write_spot_are_written_evenly(run_on_bench):
    # 1 um pattern pixels, three times the 852 nm spot: one exposure per pixel would leave unwritten gaps.
    run = run_on_bench(Photopatterning, pattern="square", pattern_pixels=8, pixel=1.0, read_pixels=12,
                       erase_intensity=1.0)  # an erase too weak to touch the pattern
    film = run.bench.world.sample.sample
    film.flush()
    assert run.data().spots.min() >= 9
    inside = (np.abs(film.x_um) < 1.5)[None, :] & (np.abs(film.y_um) < 1.5)[:, None]  # well inside the 4 um square
    darkness = film.darkness[inside]
    assert darkness.mean() > 0.3
    assert darkness.min() > 0.9 * darkness.max()


def test_a_pattern_given_as_an_array_from_a_script(run_on_bench):
    stripes = np.zeros((10, 10))
    stripes[:, 2:4] = stripes[:, 6:8] = 1.0
    run = run_on_bench(Photopatterning, pattern_array=stripes, pattern_pixels=10, read_pixels=32)
    assert run.summary["fidelity"] >= 0.8
    np.testing.assert_array_equal(run.images()["target"]["image"], stripes)
    assert run.metadata()["parameters"]["pattern"] == "array 10x10"


def test_a_blank_or_broken_pattern_is_refused_before_anything_moves():
    from anplab.procedures.patterns import load_pattern

    with pytest.raises(ValueError, match="blank"):
        load_pattern(np.ones((8, 8)), 8)
    with pytest.raises(ValueError, match="finite"):
        load_pattern(np.full((8, 8), np.nan), 8)
