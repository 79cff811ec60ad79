"""An overnight thermometry sequence in virtual time, with faults injected throughout.

Eight hours of bench time: thirty temperatures from 300 K down to 155 K, at
each a cryostat hold and a power sweep; every instrument that speaks a wire
protocol times out, garbles, truncates or drops the line now and then; the
laser interlock opens three times for fifteen minutes; the cryostat takes three
heat pulses.  The sequence must finish with every point on disk exactly
once and every laser off.  The figures are printed at the end of the test
session.
"""

import time
from collections import Counter

import yaml

from anplab.instruments.bench import Bench, default_bench_text
from anplab.instruments.bench_file import parse_bench
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import load_data
from anplab.procedures.sequence_file import parse_sequence
from anplab.procedures.sequence_runner import run_sequence

SEQUENCE = """\
name: overnight thermometry
on_error: skip
steps:
  - for: temperature
    in: {from: 300, to: 155, step: -5}
    steps:
      - run: hold-temperature
        set: {temperature: "{temperature}", hold: 840, poll: 5, stability_timeout: 3600}
      - run: power-sweep
        set: {points: 12, min_intensity: 4, max_intensity: 20, gate: 0.2}
"""
LINE_FAULTS = {"timeout_rate": 0.005, "garble_rate": 0.002, "truncate_rate": 0.002, "disconnect_rate": 0.001}


def faulty_bench() -> Bench:
    data = yaml.safe_load(default_bench_text())
    talkers = [name for name, spec in data["instruments"].items() if "nidaq" not in spec["driver"]]
    data["simulation"]["faults"] = {
        "devices": {name: LINE_FAULTS for name in talkers},
        # Longer than a hold, so each one is still open when a sweep starts (or opens during one).
        "interlock_trips": [{"at_s": t, "duration_s": 900.0} for t in (5000.0, 14000.0, 23000.0)],
        "cryostat_kicks": [{"at_s": t, "kelvin": 3.0} for t in (8000.0, 17000.0, 26000.0)],
    }
    data["watch"] = {"interlock": {"max_wait_s": 1200.0}}
    return Bench.open(parse_bench(yaml.safe_dump(data), "soak bench"))


def test_an_overnight_sequence_survives_faults_with_every_point_once(tmp_path, report):
    plan = parse_sequence(SEQUENCE, "overnight.yaml")
    bench = faulty_bench()
    started = time.monotonic()
    try:
        outcome = run_sequence(plan, tmp_path, bench)
        bench_hours = bench.clock.now() / 3600
        lasers_off = bench.world.all_lasers_off()
        exchanges = sum(device.commands_handled for device in bench.devices.values())
        injected = Counter()
        for device in bench.devices.values():
            injected.update(device.faults.injected)
        faults = list(bench.fault_log)
    finally:
        bench.close()
    wall_s = time.monotonic() - started

    assert outcome.ended == "finished" and lasers_off
    assert bench_hours >= 8.0
    planned_sweep_keys = ["__header__", "dark"] + [f"up-{k}" for k in range(12)]
    points = rows = lost = 0
    suspensions = Counter()
    for item in outcome.items:
        folder = RunFolder(tmp_path / outcome.folder.name / item["run_folder"])
        ledger = folder.committed_points()
        keys = [point["key"] for point in ledger]
        assert len(keys) == len(set(keys))  # nothing twice
        assert len(load_data(folder.path)) == sum(point["rows"] for point in ledger)  # nothing stray
        if item["procedure"] == "power-sweep":
            assert item["status"] == "finished" and keys == planned_sweep_keys  # nothing missing
            lost += len(set(planned_sweep_keys) - set(keys))
        points += len(keys) - 1
        rows += sum(point["rows"] for point in ledger)
        suspensions.update(s["condition"] + " " + s["outcome"] for s in folder.read_metadata()["suspensions"])
    gave_up = [fault for fault in faults if fault["outcome"] == "gave up"]
    assert not gave_up
    assert suspensions["interlock resumed"] >= 3
    # Only the heat pulses move the cryostat off a held temperature (not the hold before each sweep).
    assert suspensions["temperature resumed"] <= 3 and set(suspensions) <= {"interlock resumed", "temperature resumed"}
    assert sum(injected.values()) > 100

    report("overnight soak (tests/soak/test_overnight.py)", [
        f"bench time {bench_hours:.2f} h in {wall_s:.0f} s of wall time: {len(outcome.items)} items, "
        f"{points} points, {rows} data rows, {exchanges} instrument exchanges",
        f"faults injected on the line: {dict(injected)}; ridden out by retries: "
        f"{sum(1 for f in faults if f['outcome'] == 'retried')} exchanges retried, {len(gave_up)} given up",
        f"suspensions: {dict(suspensions)}",
        f"items failed: {sum(item['status'] != 'finished' for item in outcome.items)}; points lost: {lost}; "
        f"lasers off at the end: {lasers_off}",
    ])
