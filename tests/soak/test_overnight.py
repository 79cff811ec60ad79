"""An overnight thermometry sequence in virtual time, with faults injected throughout.

Eight hours of bench time: thirty temperatures from 300 K down to 155 K, at
each a cryostat hold and a power sweep; every instrument that speaks a wire
protocol times out, garbles, truncates or drops the line now and then; the
laser interlock opens three times for half an hour (longer than a hold and a
sweep together, so each one meets a sweep), and blips (a door
opened and shut within seconds) a dozen times at moments that fall inside
points and between checks; the cryostat takes three heat pulses.  The
sequence must finish with every point on disk exactly once, none measured
in the dark, and every laser off.  A second soak kills the sequence with
SIGKILL in the middle of an item and resumes it.  The figures are printed at
the end of the test session.
"""

import json
import signal
import subprocess
import sys
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
#: Short interlock blips, (at, seconds), spread so that they fall in holds, in sweeps and between points.
BLIPS = [(1020.0 + 2171.0 * k, 0.5 + (k % 4) * 1.5) for k in range(12)]
LINE_FAULTS = {"timeout_rate": 0.005, "garble_rate": 0.002, "truncate_rate": 0.002, "disconnect_rate": 0.001}


def faulty_bench() -> Bench:
    data = yaml.safe_load(default_bench_text())
    talkers = [name for name, spec in data["instruments"].items() if "nidaq" not in spec["driver"]]
    data["simulation"]["faults"] = {
        "devices": {name: LINE_FAULTS for name in talkers},
        # Longer than a hold, so each one is still open when a sweep starts (or opens during one).
        "interlock_trips": [{"at_s": t, "duration_s": 1800.0} for t in (5000.0, 14000.0, 23000.0)]
        + [{"at_s": t, "duration_s": d} for t, d in BLIPS],
        "cryostat_kicks": [{"at_s": t, "kelvin": 3.0} for t in (8000.0, 17000.0, 26000.0)],
    }
    data["watch"] = {"interlock": {"max_wait_s": 2400.0}}
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
    planned_sweep_keys = ["__header__", "dark", "aim"] + [f"up-{k}" for k in range(12)]
    points = rows = lost = dark = discarded = 0
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
            data = load_data(folder.path)
            swept = data[data.direction == 1]
            dark += int((~(swept.beam_power_w / swept.power_setpoint_w).between(0.9, 1.1)).sum())
        points += len(keys) - 1
        rows += sum(point["rows"] for point in ledger)
        metadata = folder.read_metadata()
        suspensions.update(s["condition"] + " " + s["outcome"] for s in metadata["suspensions"])
        discarded += len(metadata["discarded_points"])
    gave_up = [fault for fault in faults if fault["outcome"] == "gave up"]
    assert not gave_up
    assert suspensions["interlock resumed"] >= 3
    # Only the heat pulses move the cryostat off a held temperature (not the hold before each sweep).
    assert suspensions["temperature resumed"] <= 3 and set(suspensions) <= {"interlock resumed", "temperature resumed"}
    assert sum(injected.values()) > 100
    assert dark == 0 and discarded >= 1

    report("overnight soak (tests/soak/test_overnight.py)", [
        f"bench time {bench_hours:.2f} h in {wall_s:.0f} s of wall time: {len(outcome.items)} items, "
        f"{points} points, {rows} data rows, {exchanges} instrument exchanges",
        f"faults injected on the line: {dict(injected)}; ridden out by retries: "
        f"{sum(1 for f in faults if f['outcome'] == 'retried')} exchanges retried, {len(gave_up)} given up",
        f"suspensions: {dict(suspensions)}",
        f"points discarded (measured while a blip had switched the pump off) and measured again: {discarded}; "
        f"points kept dark: {dark}",
        f"items failed: {sum(item['status'] != 'finished' for item in outcome.items)}; points lost: {lost}; "
        f"lasers off at the end: {lasers_off}",
    ])


KILLED_SEQUENCE = """\
name: killed overnight
on_error: skip
steps:
  - for: temperature
    in: {from: 300, to: 270, step: -10}
    steps:
      - run: hold-temperature
        set: {temperature: "{temperature}", hold: 300, poll: 5, stability_timeout: 3600}
      - run: power-sweep
        set: {points: 12, min_intensity: 4, max_intensity: 20, gate: 0.2}
"""


def test_an_overnight_sequence_killed_mid_item_resumes_with_nothing_lost_or_twice(tmp_path, report):
    """SIGKILL in the middle of the third sweep's points (interlock blips and line faults all along), then
    ``anplab resume``: every item finished, every planned point once, none dark, lasers off."""
    data = yaml.safe_load(default_bench_text())
    talkers = [name for name, spec in data["instruments"].items() if "nidaq" not in spec["driver"]]
    data["simulation"]["faults"] = {"devices": {name: LINE_FAULTS for name in talkers},
                                    "interlock_trips": [{"at_s": t, "duration_s": 2.0} for t in (700.0, 2300.0)]}
    bench = tmp_path / "bench.yaml"
    bench.write_text(yaml.safe_dump(data))
    sequence = tmp_path / "sequence.yaml"
    sequence.write_text(KILLED_SEQUENCE.replace("name: killed overnight", f"name: killed overnight\nbench: {bench}"))
    out = tmp_path / "runs"
    process = subprocess.Popen([sys.executable, "-m", "anplab", "queue", str(sequence), "--out", str(out), "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            ledgers = list(out.glob("*/005_power-sweep/points.log"))
            if ledgers and len(ledgers[0].read_text().splitlines()) >= 8:
                break
            time.sleep(0.02)
        else:
            raise AssertionError("the sequence never reached its third sweep")
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    (folder,) = list(out.iterdir())
    resumed = subprocess.run([sys.executable, "-m", "anplab", "resume", str(folder), "--quiet"],
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    state = json.loads((folder / "sequence.json").read_text())
    assert [item["status"] for item in state["items"]] == ["finished"] * 8
    planned = ["__header__", "dark", "aim"] + [f"up-{k}" for k in range(12)]
    lost = duplicated = dark = 0
    for item in state["items"]:
        run = RunFolder(folder / item["run_folder"])
        keys = [p["key"] for p in run.committed_points()]
        duplicated += len(keys) - len(set(keys))
        if item["procedure"] == "power-sweep":
            lost += len(set(planned) - set(keys))
            swept = load_data(run.path)
            swept = swept[swept.direction == 1]
            dark += int((~(swept.beam_power_w / swept.power_setpoint_w).between(0.9, 1.1)).sum())
        assert run.read_metadata()["lasers_off_at_end"] is True
    assert lost == duplicated == dark == 0
    report("overnight soak killed and resumed (tests/soak/test_overnight.py)", [
        f"SIGKILL in item 6 of 8, then anplab resume: items finished {len(state['items'])} of 8; points lost {lost}, "
        f"duplicated {duplicated}, dark {dark}; resumed {len(state['resumed'])} time(s)"])
