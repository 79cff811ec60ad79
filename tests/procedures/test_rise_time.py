"""Rise-time series: critical slowing down at the threshold, times that match the model well above it."""

import numpy as np
import pytest
from pymeasure.experiment import Parameter

from anplab.procedures.rise_time import (
    BASELINE,
    DECAY,
    FUTILE_AFTER,
    LOCATE,
    MIN_TRACES,
    RISE,
    TIMEABLE_SIGMA,
    RiseTime,
    too_faint,
)
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
    assert_budget_records(summary, 10000, 64)
    assert_no_value_is_a_bound(run)
    # Critical slowing down from both sides: at or below the located threshold a rise is timed shorter than the
    # slowest one by 1.645 of its uncertainty, or bounded below it at 95 %.
    assert summary["slowest_rise_intensity_kw_cm2"] > min(r["intensity_kw_cm2"] for r in summary["rises"])
    assert summary["shorter_below_slowest_kw_cm2"]
    for intensity in summary["shorter_below_slowest_kw_cm2"]:
        (row,) = [r for r in summary["rises"] if r["intensity_kw_cm2"] == intensity]
        # On the model's side of the peak below it: the model's t90 peaks about 1 % above its threshold.
        assert intensity <= summary["threshold_kw_cm2"] * 1.0001 and intensity < 1.01 * truth
        bound = row.get("t90_limit_s", {}).get("value_s", row.get("t90_s", np.nan) + 1.645 * row["t90_uncertainty_s"])
        assert bound < summary["slowest_t90_s"]
    # The points that might see the peak from below (at or under the located threshold, or stepped down from the
    # slowest rise) counted their baseline with the pump off between traces; the others did not.
    counted = data[data.phase == BASELINE].intensity_kw_cm2
    assert len(counted)
    slowest = summary["slowest_rise_intensity_kw_cm2"]
    assert ((counted <= summary["threshold_kw_cm2"] * 1.0001) | (counted < slowest)).all()


def test_rise_times_at_given_intensities(run_on_bench):
    # Both well resolved by the default 10 ms bins: by 15 kW/cm^2 the rise from t50 to t90 fits within one bin,
    # and its t90 is then given as a limit, not a value.
    run = run_on_bench(RiseTime, intensities="9, 12", max_repeats=4)
    assert [round(r["intensity_kw_cm2"], 6) for r in run.summary["rises"]] == [9.0, 12.0]
    assert "threshold_kw_cm2" not in run.summary  # nothing was located
    t90 = run.summary["t90_s"]
    assert t90["9"] > t90["12"]


def assert_budget_records(summary: dict, target: int, max_repeats: int) -> None:
    """Every intensity reached its target or its record says why, and the reason is true (``max_repeats``, or
    more for the points below the slowest rise, which record their own budget)."""
    for row in summary["rises"]:
        assert row["traces"] >= 1 and row["target_counts"] == target
        if row["stopped"] == "target reached":
            assert row["signal_counts"] >= target
        elif row["stopped"].startswith("max traces"):
            assert row["traces"] >= max_repeats and row["signal_counts"] < target
            assert f"({row['traces']})" in row["stopped"]
        elif row["stopped"].startswith("timed shorter"):
            assert row["intensity_kw_cm2"] in summary["shorter_below_slowest_kw_cm2"]
        elif row["stopped"].endswith("would not be timed shorter than the slowest rise within its budget"):
            # A point looking for the peak from below, ended as futile (rise_and_decay).
            assert row["intensity_kw_cm2"] <= max(summary["threshold_kw_cm2"] * 1.0001,
                                                  summary["slowest_rise_intensity_kw_cm2"])
            assert row["traces"] >= FUTILE_AFTER and row["signal_counts"] < target
            assert row["intensity_kw_cm2"] not in summary["shorter_below_slowest_kw_cm2"]
        else:
            assert row["stopped"].startswith("too faint"), row["stopped"]
            max_repeats = int(row["stopped"].rsplit("(", 1)[1].rstrip(")"))
            assert MIN_TRACES <= row["traces"] < max_repeats
            assert (row["signal_sigma"] + 1) * np.sqrt(max_repeats / row["traces"]) < TIMEABLE_SIGMA
            assert "rise_error" in row and "t90_limit_s" not in row
            assert too_faint(row["signal_counts"], row["signal_counts"] / row["signal_sigma"], row["traces"],
                             max_repeats)
            assert "t90_s" not in summary or f"{row['intensity_kw_cm2']:.4g}" not in summary["t90_s"]


def assert_no_value_is_a_bound(run) -> None:
    """No reported time is where a read-off sits when it is only a limit: a trace's first or last bin."""
    data = run.data()
    for row in run.summary["rises"]:
        at = data[data.intensity_kw_cm2 == row["intensity_kw_cm2"]]
        for phase, keys in ((RISE, ("t50_s", "t90_s")), (DECAY, ("decay_time_s",))):
            bins = at[(at.phase == phase) & (at.time_s > 0)].time_s
            edges = [bins.min(), bins.max()]
            for key in keys:
                if np.isfinite(row.get(key, float("nan"))):
                    assert not np.any(np.isclose(row[key], edges, rtol=1e-9, atol=0)), (key, row)
        for key in ("t50_limit_s", "t90_limit_s", "decay_time_limit_s"):
            if key in row:
                assert row[key]["side"] in ("upper", "lower") and row[key]["value_s"] > 0
                assert not np.isfinite(row.get(key.replace("_limit", ""), float("nan")))


@pytest.mark.parametrize("seed", ["3", "11"])
def test_decays_within_a_bin_are_limits_and_dark_waits_follow_them(run_on_bench, monkeypatch, seed):
    monkeypatch.setenv("ANPLAB_TEST_SEED", seed)
    run = run_on_bench(RiseTime, intensities="9, 13, 11", max_repeats=3, rise_duration=1.0, target_counts=3000)
    assert run.outcome.ended == "finished"
    summary = run.summary
    assert_no_value_is_a_bound(run)
    assert_budget_records(summary, 3000, 3)
    decays = [r.get("decay_time_s", r.get("decay_time_limit_s", {}).get("value_s")) for r in summary["rises"]]
    timed = [d for d in decays if d is not None]
    assert timed, summary["rises"]
    # Brightest first; its first rise waits the full dark_wait (no decay yet), every later one the stated multiple
    # of a measured decay, far shorter.
    records = sorted(summary["rises"], key=lambda r: -r["intensity_kw_cm2"])
    assert records[0]["dark_s"] == pytest.approx(1.0)
    for row in records[1:]:
        assert row["dark_s"] < 1.0
        assert row["dark_s"] >= 80.0 * min(timed) * (1 - 1e-9)
    data = run.data()
    assert set(data.columns) >= {"traces", "dark_s"}
    assert (data[data.phase == RISE].groupby("intensity_kw_cm2").traces.nunique() == 1).all()


def test_dark_decays_zero_waits_dark_wait_every_time(run_on_bench):
    run = run_on_bench(RiseTime, intensities="12, 9", max_repeats=2, rise_duration=0.5, dark_decays=0,
                       dark_wait=0.3, target_counts=10**6)
    assert [r["dark_s"] for r in run.summary["rises"]] == [pytest.approx(0.3)] * 2
    assert all(r["stopped"].startswith("max traces (2)") for r in run.summary["rises"])


def test_the_rise_trace_parameters_are_one_set():
    from anplab.procedures.particle_survey import ParticleSurvey
    from anplab.procedures.rise_parameters import RiseParameters

    names = [n for n in vars(RiseParameters) if isinstance(getattr(RiseParameters, n), Parameter)]
    assert {"bin_width", "rise_duration", "dark_wait", "dark_decays", "target_counts", "max_repeats"} <= set(names)
    for name in names:
        assert name not in vars(RiseTime)  # rise-time uses them as they are
        assert isinstance(getattr(ParticleSurvey, name), type(getattr(RiseParameters, name)))
    # The survey's own choices are defaults only, with the shared limits.
    assert ParticleSurvey.max_repeats.default == 4 and ParticleSurvey.max_repeats.maximum == 10000
    assert RiseTime.max_repeats.default == 64
    assert ParticleSurvey().max_repeats == 4 and RiseTime().max_repeats == 64
