"""No dark point is ever kept: interlock blips at random times, inside points and between checks.

An interlock that opens for a moment switches the laser's emission off, and
it stays off when the interlock closes again (as on real lasers).  Whatever
the moment and the length of the blip, every committed point must have been
measured with the pump on at its setpoint: the point that overlapped the
blip is discarded and measured again once the run is back in the light
(suspend policy), or the run ends without it (abort policy).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.procedures.power_sweep import UP, PowerSweep
from anplab.procedures.rise_time import RISE, RiseTime
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import load_data, run_procedure

from .conftest import default_bench_data

SWEEP = dict(points=12, min_intensity=4.0, max_intensity=20.0)
#: This sweep on the default bench: the dark count to ~4 s, the particle search to ~15 s, its points to ~33 s
#: (test_the_blip_span_covers_the_clean_sweep keeps this true as the procedure gets faster).
SWEEP_SPAN_S = (0.0, 40.0)
CAMPAIGN = "interlock blips: power-sweep (suspend)"


def bench_with(trips: list[dict], watch: dict | None = None, seed: int = 1) -> Bench:
    data = default_bench_data()
    data["simulation"]["seed"] = seed
    data["simulation"]["faults"] = {"interlock_trips": trips}
    data["watch"] = {"poll_s": 0.5, **(watch or {})}
    return Bench.open(parse_bench(yaml.safe_dump(data)))


def sweep_once(tmp_path, trips, watch=None, **parameters):
    bench = bench_with(trips, watch)
    try:
        outcome = run_procedure(PowerSweep(bench=bench, **{**SWEEP, **parameters}), tmp_path)
        lasers_off = bench.world.all_lasers_off()
    finally:
        bench.close()
    metadata = json.loads((outcome.folder / "metadata.json").read_text())
    return outcome, metadata, load_data(outcome.folder), lasers_off


def dark_rows(up: pd.DataFrame, tolerance: float = 0.1) -> int:
    """Rows whose measured pump was not at the setpoint (a point measured with the pump off)."""
    ratio = up.beam_power_w / up.power_setpoint_w
    return int((~ratio.between(1 - tolerance, 1 + tolerance)).sum())


blips = st.lists(
    st.fixed_dictionaries({
        "at_s": st.floats(*SWEEP_SPAN_S, allow_nan=False),
        "duration_s": st.floats(0.05, 10.0, allow_nan=False),
    }),
    min_size=1, max_size=3,
)


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(trips=blips)
def test_no_dark_point_is_kept_whatever_the_blips(tmp_path_factory, campaign, trips):
    tmp_path = tmp_path_factory.mktemp("blips")
    outcome, metadata, data, lasers_off = sweep_once(tmp_path, trips)
    up = data[data.direction == UP]
    keys = [p["key"] for p in RunFolder(outcome.folder).committed_points()]
    planned = {f"up-{k}" for k in range(SWEEP["points"])}
    lost = len(planned - set(keys))
    duplicated = len(keys) - len(set(keys))
    dark = dark_rows(up)
    held = outcome.ended == "finished" and lost == 0 and duplicated == 0 and dark == 0 and lasers_off
    blipped = [(round(t["at_s"], 1), round(t["duration_s"], 2)) for t in trips]
    campaign(CAMPAIGN).case(held=held, lost=lost, duplicated=duplicated, dark=dark,
                            note=f"{len(trips)} blip(s) {blipped}: "
                                 f"{len(metadata['discarded_points'])} point(s) discarded, "
                                 f"{len(metadata['suspensions'])} suspension(s)")
    assert outcome.ended == "finished", outcome.error
    assert dark == 0 and lost == 0 and duplicated == 0 and len(up) == SWEEP["points"]
    assert lasers_off
    # Every blip that came while the pump was wanted on left a record: a suspension and a discarded point.
    for record in metadata["discarded_points"]:
        assert record["condition"] == "interlock" and ("emission lost" in record["reason"]
                                                       or "interlock is open" in record["reason"])
    assert len(metadata["suspensions"]) >= len(metadata["discarded_points"])
    if _while_pumping(trips, data):  # the laser stays off after a blip: the next check cannot miss it
        assert metadata["discarded_points"]
    assert outcome.summary["discarded_points"] == metadata["discarded_points"]


def _while_pumping(trips, data) -> bool:
    """Whether a blip began while the pump was wanted on: from the end of the dark count to the last point."""
    dark_end = float(data[data.direction != UP].time_s.max())
    last = float(data[data.direction == UP].time_s.max())
    return any(dark_end < trip["at_s"] < last for trip in trips)


def point_times(tmp_path, **parameters) -> dict[str, float]:
    """When each point of this sweep is committed on a bench without faults (bench seconds): blips are placed
    by these, so they fall where they are meant to however fast the procedure becomes."""
    outcome, _, _, _ = sweep_once(tmp_path, [], **parameters)
    return {point["key"]: point["bench_s"] for point in RunFolder(outcome.folder).committed_points()
            if point.get("bench_s") is not None}


REPORTED = dict(points=20, min_intensity=1.0, max_intensity=60.0)


def test_the_reported_case_is_measured_again_not_recorded_dark(tmp_path, campaign):
    """The case found by the black-box campaign: a 2 s blip in the middle of a 20-point sweep (then at 101 s)."""
    times = point_times(tmp_path / "clean", **REPORTED)
    at_s = 0.5 * (times["up-9"] + times["up-10"])  # while point up-10 is being measured
    outcome, metadata, data, lasers_off = sweep_once(tmp_path / "blipped", [{"at_s": at_s, "duration_s": 2.0}],
                                                     **REPORTED)
    up = data[data.direction == UP]
    dark = dark_rows(up)
    campaign(CAMPAIGN).case(held=dark == 0 and outcome.ended == "finished", dark=dark,
                            note=f"the reported case: 2 s blip at {at_s:.1f} s (mid-sweep), 20 points")
    assert outcome.ended == "finished" and len(up) == 20 and dark == 0
    (discarded,) = metadata["discarded_points"]
    assert "pump_1064" in discarded["reason"]
    assert metadata["suspensions"][0]["outcome"] == "resumed"


@pytest.fixture(scope="module")
def sweep_times(tmp_path_factory) -> dict[str, float]:
    return point_times(tmp_path_factory.mktemp("clean"))


# Searching for the particle, a slow point near threshold, the last (bright) point.
@pytest.mark.parametrize("moment", ["search", "near threshold", "last"])
def test_an_abort_policy_aborts_and_keeps_no_dark_point(tmp_path, campaign, sweep_times, moment):
    during = {"search": ("dark", "aim"), "near threshold": ("up-2", "up-3"), "last": ("up-10", "up-11")}[moment]
    at_s = 0.5 * (sweep_times[during[0]] + sweep_times[during[1]])
    outcome, metadata, data, lasers_off = sweep_once(tmp_path, [{"at_s": at_s, "duration_s": 2.0}],
                                                     watch={"interlock": {"action": "abort"}})
    up = data[data.direction == UP]
    dark = dark_rows(up) if len(up) else 0
    campaign("interlock blips: power-sweep (abort)").case(held=outcome.ended == "failed" and dark == 0, dark=dark)
    assert outcome.ended == "failed" and "emission lost" in outcome.error
    assert dark == 0 and lasers_off
    assert metadata["suspensions"][-1]["outcome"] == "aborted"


def test_with_the_watch_disabled_a_dark_point_still_ends_the_run(tmp_path, sweep_times):
    at_s = 0.5 * (sweep_times["up-5"] + sweep_times["up-6"])  # mid-sweep, wherever the clean run puts it
    outcome, metadata, data, _ = sweep_once(tmp_path, [{"at_s": at_s, "duration_s": 2.0}],
                                            watch={"enabled": False})
    up = data[data.direction == UP]
    assert outcome.ended == "failed" and dark_rows(up) == 0


def test_the_blip_span_covers_the_clean_sweep(sweep_times):
    """The random blips are drawn over SWEEP_SPAN_S: it must cover the sweep, or they test less than they say."""
    assert max(sweep_times.values()) <= SWEEP_SPAN_S[1]
    assert max(sweep_times.values()) >= 0.5 * SWEEP_SPAN_S[1]


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(at_s=st.floats(20.0, 120.0), duration_s=st.floats(0.05, 5.0))
def test_rise_traces_are_never_kept_dark(tmp_path_factory, campaign, at_s, duration_s):
    """Traces switch the pump's power but not its emission; a blip inside a trace loses the trace, not the truth."""
    parameters = dict(intensities="9,12,16", max_repeats=2, rise_duration=0.5, target="here")
    clean = _rise(tmp_path_factory.mktemp("clean"), [], parameters)
    blipped = _rise(tmp_path_factory.mktemp("blipped"), [{"at_s": at_s, "duration_s": duration_s}], parameters)
    plateau = {}
    for name, data in (("clean", clean[1]), ("blipped", blipped[1])):
        rise = data[(data.phase == RISE) & (data.time_s > 0.3)]
        plateau[name] = rise.groupby("intensity_kw_cm2").counts.mean()
    ratio = (plateau["blipped"] / plateau["clean"]).to_numpy()
    dark = int((ratio < 0.5).sum())
    campaign("interlock blips: rise-time traces").case(held=blipped[0].ended == "finished" and dark == 0, dark=dark)
    assert blipped[0].ended == "finished"
    assert dark == 0 and np.all(np.isfinite(ratio)) and len(ratio) == 3


def _rise(tmp_path, trips, parameters):
    bench = bench_with(trips)
    try:
        outcome = run_procedure(RiseTime(bench=bench, **parameters), tmp_path)
    finally:
        bench.close()
    return outcome, load_data(outcome.folder)
