"""Watched conditions: an interlock, a straying cryostat, a sagging pump suspend a run; saturation aborts it."""

import json

import pytest
import yaml

from anplab.instruments.bench import Bench, default_bench_text
from anplab.instruments.bench_file import parse_bench
from anplab.procedures.power_sweep import UP, PowerSweep
from anplab.procedures.runner import load_data, run_procedure
from anplab.procedures.thermometry import EMISSION, Thermometry

SWEEP = dict(points=20, min_intensity=3.0, max_intensity=20.0)


def bench_with(faults: dict | None = None, watch: dict | None = None, spad_max_rate: float | None = None) -> Bench:
    data = yaml.safe_load(default_bench_text())
    data["simulation"]["faults"] = faults or {}
    if watch:
        data["watch"] = watch
    if spad_max_rate:
        data["instruments"]["spad"]["limits"]["max_count_rate_s"] = spad_max_rate
    return Bench.open(parse_bench(yaml.safe_dump(data)))


def run(procedure_cls, bench, tmp_path, **parameters):
    try:
        outcome = run_procedure(procedure_cls(bench=bench, **parameters), tmp_path)
        assert bench.world.all_lasers_off()
        return outcome, json.loads((outcome.folder / "metadata.json").read_text()), load_data(outcome.folder)
    finally:
        bench.close()


def test_an_interlock_trip_suspends_the_run_which_carries_on_when_it_closes(tmp_path):
    # The door opens 10 s into the sweep (which starts ~15 s in, after the dark count and the particle
    # search, and would end ~44 s in) and closes 40 s later.
    bench = bench_with({"interlock_trips": [{"at_s": 25.0, "duration_s": 40.0}]}, {"poll_s": 1.0})
    outcome, metadata, data = run(PowerSweep, bench, tmp_path, **SWEEP)
    assert outcome.ended == "finished"
    (suspension,) = metadata["suspensions"]
    assert suspension["condition"] == "interlock" and suspension["outcome"] == "resumed"
    assert 60 <= suspension["resumed_at_s"] <= 70
    up = data[data.direction == UP]
    assert len(up) == 20  # every point once
    ratio = up.beam_power_w / up.power_setpoint_w
    assert ratio.between(0.85, 1.15).all()  # none was measured in the dark
    assert outcome.summary["threshold_kw_cm2"] == pytest.approx(6.7, rel=0.1)


def test_an_interlock_that_stays_open_aborts_the_run_after_the_wait(tmp_path):
    bench = bench_with({"interlock_trips": [{"at_s": 25.0}]}, {"poll_s": 1.0, "interlock": {"max_wait_s": 30}})
    outcome, metadata, data = run(PowerSweep, bench, tmp_path, **SWEEP)
    assert outcome.ended == "failed"
    assert "emission lost" in outcome.error and "pump_1064 (interlock open)" in outcome.error
    assert "not cleared after 30 s" in outcome.error
    assert metadata["suspensions"][0]["outcome"] == "gave up"
    assert metadata["lasers_off_at_end"] is True
    assert 0 < (data.direction == UP).sum() < 20  # what was measured before is kept


def test_a_sagging_pump_suspends_the_run_until_it_recovers(tmp_path):
    bench = bench_with({"laser_sags": [{"at_s": 25.0, "laser": "pump_1064", "factor": 0.7, "duration_s": 20.0}]},
                       {"poll_s": 5.0})
    outcome, metadata, data = run(PowerSweep, bench, tmp_path, **SWEEP)
    assert outcome.ended == "finished"
    assert [s["condition"] for s in metadata["suspensions"]][0] == "pump_drift"
    assert all(s["outcome"] == "resumed" for s in metadata["suspensions"])
    up = data[data.direction == UP]
    assert (up.beam_power_w / up.power_setpoint_w).between(0.9, 1.1).all()


def test_a_pump_that_stays_off_its_setpoint_ends_the_run_after_the_wait(tmp_path):
    # Drift is judged only by measuring the point again: without a budget over all those measurements a
    # pump that never recovers would have the run re-measure one point forever.
    bench = bench_with({"laser_sags": [{"at_s": 25.0, "laser": "pump_1064", "factor": 0.7, "duration_s": 1e9}]},
                       {"poll_s": 1.0, "pump_drift": {"max_wait_s": 30}})
    outcome, metadata, data = run(PowerSweep, bench, tmp_path, **SWEEP)
    assert outcome.ended == "failed"
    assert "pump_1064 delivered" in outcome.error and "not cleared after 30 s" in outcome.error
    tries = [s for s in metadata["suspensions"] if s["condition"] == "pump_drift"]
    assert len({s["point"] for s in tries}) == 1 and len(tries) >= 2  # measured again before giving up
    assert tries[-1]["outcome"] == "gave up" and tries[-1]["at_s"] - tries[0]["at_s"] >= 30
    assert metadata["lasers_off_at_end"] is True
    up = data[data.direction == UP]
    assert 0 < len(up) < 20 and (up.beam_power_w / up.power_setpoint_w).between(0.9, 1.1).all()


def test_a_straying_cryostat_suspends_thermometry_until_it_is_back(tmp_path):
    bench = bench_with({"cryostat_kicks": [{"at_s": 175.0, "kelvin": 4.0}]}, {"poll_s": 2.0})  # while at 290 K
    outcome, metadata, data = run(Thermometry, bench, tmp_path, temperatures="295,290,285", hold=20.0, repeats=40,
                                  gate=0.5)
    assert outcome.ended == "finished"
    conditions = [s["condition"] for s in metadata["suspensions"]]
    assert "temperature" in conditions
    emission = data[data.kind == EMISSION]
    assert (emission.temperature_k - emission.temperature_setpoint_k).abs().max() < 1.0


def test_a_counter_near_saturation_aborts_the_run(tmp_path):
    bench = bench_with(spad_max_rate=30_000)  # the particle reaches ~80,000 /s at 60 kW/cm^2
    outcome, metadata, data = run(PowerSweep, bench, tmp_path, points=30)
    assert outcome.ended == "failed" and "spad counted" in outcome.error
    assert metadata["suspensions"][0]["action"] == "abort"
    up = data[data.direction == UP]
    assert up.count_rate_s.max() < 0.9 * 30_000  # the point that saturated was not recorded


def test_watching_can_be_switched_off(tmp_path):
    bench = bench_with(spad_max_rate=30_000, watch={"enabled": False})
    outcome, metadata, _ = run(PowerSweep, bench, tmp_path, points=10, min_intensity=5.0)
    assert outcome.ended == "finished" and metadata["suspensions"] == []
