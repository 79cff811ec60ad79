"""Fits of particles measured on the simulated bench recover each one's shell and the collection efficiency.

The truth is the bench's: each particle's own shell (the default field's
shell-thickness spread) and the detector's collection efficiency.  A small
field runs in the normal suite; the whole default field (40 particles) is a
slow test, as is benchmarks/fit_coverage.py, which prints the same figures.
"""

import numpy as np
import pytest

from anplab.benchmarks.fit_coverage import summarise, survey_and_fit

#: Stated recovery tolerances (relative): shell thickness, collection efficiency.
SHELL_TOLERANCE, COLLECTION_TOLERANCE = 0.05, 0.10


@pytest.fixture(scope="module")
def small_field(tmp_path_factory):
    return survey_and_fit(8, 11.0, seed=1, workers=0, folder=tmp_path_factory.mktemp("coverage8"))


@pytest.fixture(scope="module")
def default_field(tmp_path_factory):
    return survey_and_fit(folder=tmp_path_factory.mktemp("coverage40"), workers=2)


def check_recovery(report: dict) -> dict:
    assert report["surveyed"] == report["distinct"] == report["field_particles"]  # every particle, once
    summary = summarise(report)
    assert summary["fitted"] == report["surveyed"]
    # A p < 1e-3 verdict may catch a particle the bench measured oddly (1 of the default field's 40 does).
    assert summary["explained"] >= 0.9 * summary["fitted"]
    assert summary["shell_nm"]["worst_relative_error"] < SHELL_TOLERANCE
    assert summary["collection_efficiency"]["worst_relative_error"] < COLLECTION_TOLERANCE
    return summary


def test_fits_of_a_surveyed_field_recover_every_shell_and_the_collection_efficiency(small_field):
    summary = check_recovery(small_field)
    # The stated uncertainties are neither absurd nor zero: the truth lies within a few of them.
    for name in ("shell_nm", "collection_efficiency"):
        rows = [r for r in small_field["rows"] if r.get("values")]
        pulls = np.array([(r["values"][name] - r["truth"][name]) / r["uncertainties"][name] for r in rows])
        assert np.all(np.isfinite(pulls)) and np.max(np.abs(pulls)) < 8, (name, pulls)
        assert summary[name]["median_sd"] > 0


@pytest.mark.slow
def test_fits_of_the_default_field_recover_every_particle(default_field):
    summary = check_recovery(default_field)
    assert summary["fitted"] >= 30


@pytest.mark.slow
def test_collection_efficiency_uncertainties_cover_the_truth_in_about_68_percent(default_field):
    # Consistent with 68 % at 40 particles (binomial sd ~7 %): measured 26/40.
    stats = summarise(default_field)["collection_efficiency"]["one_sigma"]
    assert stats["p_value"] > 0.01, stats


@pytest.mark.slow
def test_shell_uncertainties_cover_the_truth_in_about_68_percent(default_field):
    # Measured 21/40 (p = 0.04): the shell's stated sd is 0.4 %, so the fit feels a 0.5 % error in the
    # intensity the particle saw (readings near the knee settle to within the settling tolerance, a little
    # below steady state; the beam re-parked 2.5 nm off centre, median), still consistent with 68 % at this
    # count.  Re-parked 9 nm off centre it was 15/40.
    stats = summarise(default_field)["shell_nm"]["one_sigma"]
    assert stats["p_value"] > 0.01, stats
