"""PASSI scan: particle image widths match the model's image of the same field, and narrow towards threshold;
just above threshold, with the dwell the measured rise time asks for, the images reach the physics' resolution."""

import numpy as np
import pytest

from anplab.procedures.analysis.particles import find_particles, particle_widths
from anplab.procedures.passi_scan import PassiScan
from anplab.simulated.physics import characteristics
from anplab.simulated.physics.imaging import passi_image


def engine_width(run, entry, row) -> float:
    """FWHM (nm) of the physics engine's own steady-state image of an ROI, fitted as the procedure fits it.

    The engine's emission rates are scaled to the counts the image's fit found (peak amplitude over the
    background), so that the fit's Poisson weights are those of the measured image.
    """
    world = run.bench.world
    x, y = np.asarray(entry["x_um"]), np.asarray(entry["y_um"])
    rates = passi_image(world.sample.sample, x, y, float(entry["intensity_kw_cm2"]), world.beam.spot(1064.0),
                        temperature_k=world.sample.temperature_k, band="800nm")
    model = row["background"] + row["amplitude"] * rates / rates.max()
    found = find_particles(model, x, y, min_separation_um=float(x[-1] - x[0]) + 1.0).head(1)
    return float(particle_widths(model, x, y, found, window_um=2.0 * float(x[-1] - x[0])).fwhm_nm[0])


def check_regions_of_interest(run, centre) -> dict:
    """Every ROI image's width against the engine's, the rise time against the model's; the best ROI row."""
    summary, images = run.summary, run.images()
    world = run.bench.world
    field = world.sample.sample
    rois = summary["roi_widths"]
    assert rois and "dwell_warnings" not in summary
    for row in rois:
        entry = images[row["image"]]
        assert row["dwell_s"] == pytest.approx(1.5 * row["rise_t90_s"]) and row["dwell_s"] >= row["rise_t90_s"]
        assert row["fwhm_nm"] == pytest.approx(engine_width(run, entry, row), rel=0.15)
        assert 0 < row["power_law_fwhm_nm"] < 380 and row["slope"] > 2
    # The rise was timed on the aimed particle (the field's centre): its t90 is the model's at the
    # intensity that particle saw.  Just above threshold one rise trace (2000 signal counts) scatters by about
    # 17 % (twelve repeats on seed 7: 0.50-0.88 s about a mean of 0.65 s, the model's 0.66 s; twice the counts
    # did not narrow it), so within 45 %: 2.5 of that scatter.
    k, relative = run.aimed_particle(at=centre)
    for intensity, t90 in summary["rise_t90_s"].items():
        model = characteristics.rise_time(field.material, float(intensity) * relative, world.sample.temperature_k,
                                          band="800nm", shell_nm=field.shell_nm[k]).t90_s
        assert t90 == pytest.approx(float(model), rel=0.45)
    best = summary["best_roi"]
    assert best["fwhm_nm"] == pytest.approx(min(r["fwhm_nm"] for r in rois))
    return best


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
    roi_names = [f"roi_0_{p}" for p in range(len(summary["roi_widths"]))]
    assert sorted(images) == ["passi_0", "passi_1", "passi_2", *roi_names]
    rois = {name: images.pop(name) for name in list(images) if name.startswith("roi_")}
    # The particles as the analysis finds them: in the field image with the most signal.
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
    # Just above threshold, in the regions of interest, the image is narrower than any field image.
    assert all(entry["image"].shape == (21, 21) for entry in rois.values())
    best = check_regions_of_interest(run, centre)
    assert summary["best_fwhm_nm"] == pytest.approx(best["fwhm_nm"]) and best["fwhm_nm"] < min(widths)
    assert summary["best_fwhm_nm"] <= 70.0
    assert (run.folder / "figures" / "fwhm_vs_intensity.png").exists()
    assert (run.folder / "figures" / "best_profile.png").exists()


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


@pytest.mark.parametrize("seed", ["7"])
def test_another_seed_reaches_the_engines_resolution_on_every_particle_imaged(run_on_bench, monkeypatch, seed):
    monkeypatch.setenv("ANPLAB_TEST_SEED", seed)
    run = run_on_bench(PassiScan, pixels=32, auto_factors="1.5")
    assert run.outcome.ended == "finished"
    images = run.images()
    centre = (float(np.mean(images["passi_0"]["x_um"])), float(np.mean(images["passi_0"]["y_um"])))
    best = check_regions_of_interest(run, centre)
    assert run.summary["best_fwhm_nm"] == pytest.approx(best["fwhm_nm"])
    assert best["fwhm_nm"] <= 70.0


def test_a_dwell_shorter_than_the_rise_is_warned_of(run_on_bench, caplog):
    run = run_on_bench(PassiScan, pixels=24, auto_factors="1.5", dwell_factor=0.2, roi_pixels=11, max_rois=1)
    summary = run.summary
    (t90,) = summary["rise_t90_s"].values()
    dwell = run.images()["roi_0_0"]["dwell_s"]
    assert dwell == pytest.approx(0.2 * t90)
    (warning,) = summary["dwell_warnings"]
    assert "shorter than the rise time" in warning and f"{dwell:.3g} s" in warning
    assert any("shorter than the rise time" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
