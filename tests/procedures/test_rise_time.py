"""Rise-time series: critical slowing down at the threshold, times that match the model well above it."""

import numpy as np
import pytest

from anplab.procedures.rise_time import DECAY, LOCATE, RISE, RiseTime
from anplab.simulated.physics import characteristics


def test_rise_time_peaks_at_the_threshold_and_matches_the_model_above_it(run_on_bench):
    run = run_on_bench(RiseTime)
    assert run.outcome.ended == "finished"
    truth = run.model_threshold()
    summary = run.summary
    assert summary["threshold_kw_cm2"] == pytest.approx(truth, rel=0.10)
    assert summary["slowest_rise_intensity_kw_cm2"] == pytest.approx(truth, rel=0.10)
    # Critical slowing down: an order of magnitude between threshold and twice threshold.
    t90 = {float(k): v for k, v in summary["t90_s"].items()}
    assert summary["slowest_t90_s"] > 8 * t90[max(t90)]

    field = run.bench.world.sample.sample
    k, relative = run.aimed_particle()
    well_above = [r for r in summary["rises"] if r["intensity_kw_cm2"] >= 1.2 * truth]
    assert len(well_above) >= 3
    model = characteristics.rise_time(field.material, [r["intensity_kw_cm2"] * relative for r in well_above],
                                      run.bench.world.sample.temperature_k, band="800nm", shell_nm=field.shell_nm[k])
    for row, t50, t90 in zip(well_above, model.t50_s, model.t90_s):
        assert row["t50_s"] == pytest.approx(t50, rel=0.10)
        assert row["t90_s"] == pytest.approx(t90, rel=0.25)
        # No avalanche on the way down: the decay (a value, or an upper limit when it fell within one bin) is fast.
        decay = row.get("decay_time_s", row.get("decay_time_limit_s", {}).get("value_s"))
        assert decay is None or decay < row["t50_s"]
    assert any("decay_time_s" in r or "decay_time_limit_s" in r for r in well_above)

    data = run.data()
    rises, decays = data[data.phase == RISE], data[data.phase == DECAY]
    assert rises.intensity_kw_cm2.nunique() == decays.intensity_kw_cm2.nunique() == len(summary["rises"])
    assert (data.phase == LOCATE).sum() >= 10  # the threshold search's readings are data too
    first = rises[rises.intensity_kw_cm2 == rises.intensity_kw_cm2.min()]
    assert first.time_s.min() < 0 < first.time_s.max()  # a baseline before the step
    assert np.allclose(np.diff(first.time_s), first.gate_s.iloc[0])
    assert (run.folder / "figures" / "rise_traces.png").exists()


def test_rise_times_at_given_intensities(run_on_bench):
    run = run_on_bench(RiseTime, intensities="10, 15", max_repeats=4)
    assert [round(r["intensity_kw_cm2"], 6) for r in run.summary["rises"]] == [10.0, 15.0]
    assert "threshold_kw_cm2" not in run.summary  # nothing was located
    t90 = run.summary["t90_s"]
    assert t90["10"] > t90["15"]
