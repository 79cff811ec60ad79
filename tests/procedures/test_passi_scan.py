"""PASSI scan: particle image widths match the model's image of the same field, and narrow towards threshold."""

import numpy as np
import pytest

from anplab.procedures.analysis.particles import find_particles, particle_widths
from anplab.procedures.passi_scan import PassiScan
from anplab.simulated.physics.imaging import passi_image


def test_image_widths_match_the_models_image_of_the_same_particles(run_on_bench):
    run = run_on_bench(PassiScan, pixels=48)
    assert run.outcome.ended == "finished"
    summary = run.summary
    images = run.images()
    centre = (float(np.mean(images["passi_0"]["x_um"])),
              float(np.mean(images["passi_0"]["y_um"])))  # the aimed particle
    assert summary["threshold_kw_cm2"] == pytest.approx(run.model_threshold(at=centre), rel=0.10)
    world = run.bench.world
    spot = world.beam.spot(1064.0)
    assert sorted(images) == ["passi_0", "passi_1", "passi_2"]
    # The particles as the analysis finds them: in the image with the most signal.
    reference = max(images.values(), key=lambda entry: entry["image"].sum())
    found = find_particles(reference["image"], reference["x_um"], reference["y_um"], min_separation_um=0.6)
    assert len(found) >= 1
    widths = []
    for name, entry in sorted(images.items()):
        x, y = np.asarray(entry["x_um"]), np.asarray(entry["y_um"])
        assert entry["image"].shape == (48, 48) and entry["image"].dtype.kind in "iu"  # counts per pixel
        model = passi_image(world.sample.sample, x, y, float(entry["intensity_kw_cm2"]), spot,
                            temperature_k=world.sample.temperature_k, band="800nm")
        measured = np.median(particle_widths(entry["image"], x, y, found).fwhm_nm)
        expected = np.median(particle_widths(model, x, y, found).fwhm_nm)
        assert measured == pytest.approx(expected, rel=0.15)
        widths.append(measured)
    # Closer to threshold, narrower: far below the ~380 nm diffraction-limited spot.
    assert widths[0] < widths[1] < widths[2] < 250
    rows = summary["widths"]
    assert [r["fwhm_nm"] for r in rows] == pytest.approx(widths, rel=1e-6)
    assert all(r["power_law_fwhm_nm"] > 0 for r in rows)
    assert summary["best_fwhm_nm"] == pytest.approx(min(widths), rel=1e-6)
    assert (run.folder / "figures" / "fwhm_vs_intensity.png").exists()


def test_a_field_at_given_coordinates_and_intensities(run_on_bench):
    run = run_on_bench(PassiScan, centre="-2.5,-2.5", width=4.0, pixels=32, dwell=0.01, intensities="20")
    image = run.images()["passi_0"]
    assert image["x_um"][0] == pytest.approx(-4.5) and image["y_um"][-1] == pytest.approx(-0.5)
    positions = run.bench.world.sample.sample.positions_um
    inside = np.all(np.abs(positions - [-2.5, -2.5]) < 2.0 - 0.15, axis=1)  # not within a spot of the edge
    near_edge = np.all(np.abs(positions - [-2.5, -2.5]) < 2.0 + 0.15, axis=1)
    assert inside.sum() <= run.summary["particles_found"] <= near_edge.sum()
    assert run.summary["widths"][0]["intensity_kw_cm2"] == pytest.approx(20.0)


def test_a_field_without_particles_is_reported_not_failed(run_on_bench):
    run = run_on_bench(PassiScan, centre="0,0", width=4.0, pixels=16, dwell=0.01, intensities="20")
    assert run.outcome.ended == "finished"
    positions = run.bench.world.sample.sample.positions_um
    if np.any(np.all(np.abs(positions) < 2.2, axis=1)):
        pytest.skip("this seed put a particle in the field")
    assert run.summary["particles_found"] == 0
    assert "analysis_error" not in run.summary and "best_fwhm_nm" not in run.summary
