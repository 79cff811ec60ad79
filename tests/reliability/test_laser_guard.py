"""Lasers off after a crash: SIGKILL the process that drives them, read the laser from outside.

The instruments are served by ``anplab serve-sim`` in a process of their own,
so to anplab (and to the laser guard) they are real instruments on the
network; the laser is read back over its own protocol by this test, a third
process, after the one that switched it on was killed.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from anplab.drivers.ipg_ylr import IPGYLR
from anplab.instruments.bench import Bench
from anplab.instruments.laser_guard import DEADLINE_S

from .conftest import bench_file, python_env, served_bench_data

#: Observation slack on top of the guard's bound: the test polls the laser over TCP from a third process.
_SLACK_S = 1.0

VICTIM = textwrap.dedent("""
    import random, sys, time
    from anplab.instruments.bench import Bench
    bench = Bench.open(sys.argv[1])
    laser = bench.laser("pump_1064")
    laser.set_power(0.5)
    laser.emission_on()
    print("on", flush=True)
    rng = random.Random(int(sys.argv[2]))
    while True:  # a run at work: settings and readings back to back, to be killed anywhere among them
        laser.set_power(rng.uniform(0.1, 0.8))
        bench.power_meter().power_w
        laser.emission
""")


def emitting(laser: IPGYLR) -> bool:
    return laser.emission_enabled


def time_to_off(laser: IPGYLR, limit_s: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if not emitting(laser):
            return time.monotonic() - started
        time.sleep(0.01)
    return None


@pytest.fixture
def served(serve_sim, tmp_path):
    served = serve_sim()
    path = bench_file(tmp_path, served_bench_data(served.resources))
    laser = IPGYLR(served.resources["pump_1064"], visa_library="@py")
    yield path, laser
    laser.adapter.close()


def test_sigkill_at_random_moments_leaves_the_laser_off_within_the_bound(served, tmp_path, campaign, report):
    path, laser = served
    script = tmp_path / "victim.py"
    script.write_text(VICTIM)
    rng = random.Random(7)
    times = []
    for trial in range(6):
        process = subprocess.Popen([sys.executable, str(script), str(path), str(trial)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=python_env())
        try:
            assert process.stdout.readline().strip() == "on", process.stderr.read()
            time.sleep(rng.uniform(0.0, 1.5))
            assert emitting(laser)
            process.send_signal(signal.SIGKILL)
            took = time_to_off(laser, DEADLINE_S + _SLACK_S)
        finally:
            process.kill()
            process.communicate()
        campaign("SIGKILL with the laser on (laser read from outside)").case(
            held=took is not None, note=f"trial {trial}: off after {took:.3f} s" if took is not None else
            f"trial {trial}: STILL ON")
        assert took is not None, f"trial {trial}: the laser was still on {DEADLINE_S + _SLACK_S} s after SIGKILL"
        times.append(took)
        assert laser.current_setpoint == 0.0
    report("laser guard", [f"SIGKILL to emission off, read from outside: median {sorted(times)[len(times) // 2]:.3f} "
                           f"s, worst {max(times):.3f} s over {len(times)} kills (bound {DEADLINE_S:g} s)"])


def test_a_killed_run_leaves_the_laser_off_and_the_guard_says_so_in_the_run_folder(served, tmp_path):
    path, laser = served
    out = tmp_path / "runs"
    process = subprocess.Popen(
        [sys.executable, "-m", "anplab", "run", "thermometry", "--bench", str(path), "--out", str(out), "--quiet",
         "--set", "target=here", "--set", "temperatures=295", "--set", "hold=1", "--set", "repeats=50",
         "--set", "intensity=12"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=python_env())
    try:
        deadline = time.monotonic() + 120
        while not emitting(laser):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the run never switched the pump on"
            time.sleep(0.05)
        time.sleep(0.5)
        process.send_signal(signal.SIGKILL)
        took = time_to_off(laser, DEADLINE_S + _SLACK_S)
    finally:
        process.kill()
        process.communicate()
    assert took is not None
    (folder,) = out.iterdir()
    log = (folder / "laser_guard.log").read_text()
    assert "pump_1064 switched off and confirmed off" in log


def test_every_bench_opening_puts_the_lasers_in_the_safe_state_first(served):
    path, laser = served
    laser.current_setpoint = 40.0
    laser.emission_on()  # left on by someone, or by a crash the guard could not see
    assert emitting(laser)
    bench = Bench.open(path, guard=False)
    try:
        assert not emitting(laser) and laser.current_setpoint == 0.0
    finally:
        bench.close()


def test_a_clean_close_releases_the_guard_and_touches_nothing_after(served):
    path, laser = served
    bench = Bench.open(path)
    guard = bench.guard.process
    bench.laser().set_power(0.3)
    bench.laser().emission_on()
    bench.close()
    assert guard.wait(timeout=10) == 0
    assert not emitting(laser)
    laser.emission_on()  # the guard is gone: nothing switches it off behind the user's back
    time.sleep(0.5)
    assert emitting(laser)
    laser.emission_off()
