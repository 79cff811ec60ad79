"""The per-point proof costs one exchange per thing it must ask, once per point.

Every point is checked once before it is committed (procedures/suspenders.py):
one emission query for each laser the run wants on, one reading of a
controller whose temperature the run holds; the rest (pump readings, the
temperature readings the point took, the counter's peak rate) it already
has.  Counted on the simulated devices' ``commands_handled``.
"""

import pytest

from anplab.procedures import base, suspenders
from anplab.procedures.base import open_bench
from anplab.procedures.power_sweep import PowerSweep
from anplab.procedures.runner import run_procedure
from anplab.procedures.thermometry import Thermometry


def exchanges_per_check(monkeypatch, tmp_path, procedure_cls, **parameters):
    """Run the procedure; returns the points measured and the exchanges of each check, by device."""
    bench = open_bench(procedure_cls.DEFAULT_BENCH)
    devices = bench.devices

    def snapshot():
        return {name: device.commands_handled for name, device in devices.items()}

    checks, points = [], []
    real_check, real_point = suspenders.Suspenders.check, base.BenchProcedure.point

    def check(self, procedure, point=""):
        before = snapshot()
        trip = real_check(self, procedure, point)
        after = snapshot()
        checks.append((point, {name: after[name] - before[name] for name in after if after[name] != before[name]}))
        return trip

    def point(self, key, measure):
        points.append(key)
        return real_point(self, key, measure)

    monkeypatch.setattr(suspenders.Suspenders, "check", check)
    monkeypatch.setattr(base.BenchProcedure, "point", point)
    try:
        outcome = run_procedure(procedure_cls(bench=bench, **parameters), tmp_path)
    finally:
        bench.close()
    assert outcome.ended == "finished", outcome.error
    return points, checks


def test_power_sweep_point_checks_the_pump_once(monkeypatch, tmp_path):
    points, checks = exchanges_per_check(monkeypatch, tmp_path, PowerSweep, points=5)
    assert [key for key, _ in checks] == points  # one check per point, no second one
    by_point = dict(checks)
    assert by_point["dark"] == {}  # the pump is not wanted on: nothing to ask
    sweep = [exchanges for key, exchanges in checks if key.startswith("up-")]
    assert len(sweep) == 5
    assert all(exchanges == {"pump_1064": 1} for exchanges in sweep), sweep


@pytest.mark.parametrize("procedure_cls, parameters", [(Thermometry, {"temperatures": "300,290", "sweep_points": 3})])
def test_held_temperature_is_read_once_per_check(monkeypatch, tmp_path, procedure_cls, parameters):
    points, checks = exchanges_per_check(monkeypatch, tmp_path, procedure_cls, **parameters)
    assert [key for key, _ in checks] == points
    held = [exchanges for key, exchanges in checks if key.startswith(("emission-", "sweep-"))]
    assert held and all(exchanges == {"pump_1064": 1, "cryostat": 1} for exchanges in held), held


def test_a_whole_sweep_point_asks_the_pump_and_meter_only_what_it_needs(monkeypatch, tmp_path):
    """Besides the check: one setpoint written to the pump and one power-meter reading; no watch of its own."""
    bench = open_bench(PowerSweep.DEFAULT_BENCH)
    devices = {name: device for name, device in bench.devices.items() if name in ("pump_1064", "power_meter")}
    exchanges, real_point = {}, base.BenchProcedure.point

    def point(self, key, measure):
        before = {name: device.commands_handled for name, device in devices.items()}
        rows = real_point(self, key, measure)
        exchanges[key] = {name: device.commands_handled - before[name] for name, device in devices.items()}
        return rows

    monkeypatch.setattr(base.BenchProcedure, "point", point)
    try:
        outcome = run_procedure(PowerSweep(bench=bench, points=6), tmp_path)
    finally:
        bench.close()
    assert outcome.ended == "finished", outcome.error
    sweep = {key: n for key, n in exchanges.items() if key.startswith("up-")}
    assert len(sweep) == 6
    assert all(n == {"pump_1064": 2, "power_meter": 1} for n in sweep.values()), sweep
