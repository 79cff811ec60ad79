"""Holding the cryostat at a temperature: it gets there, stays, and the approach is recorded."""

import pytest

from anplab.instruments.errors import LimitError
from anplab.procedures.base import open_bench
from anplab.procedures.hold_temperature import HoldTemperature


def test_the_cryostat_reaches_and_holds_the_temperature(run_on_bench):
    run = run_on_bench(HoldTemperature, temperature=250.0, ramp_rate=20.0, hold=20.0)
    assert run.outcome.ended == "finished"
    data = run.data()
    assert data.temperature_k.iloc[0] > 290 and abs(data.temperature_k.iloc[-1] - 250.0) < 0.2
    assert data.time_s.is_monotonic_increasing and len(data) > 20
    assert run.summary["settle_time_s"] > 120  # 45 K at 20 K/min, then the hold
    assert run.bench.world.cryostat.sample_k == pytest.approx(250.0, abs=0.5)
    assert (run.folder / "figures" / "temperature.png").exists()


def test_a_temperature_outside_the_controller_limits_is_refused():
    bench = open_bench("simulated")
    try:
        with pytest.raises(LimitError, match="temperature 500 K is outside"):
            HoldTemperature(bench=bench, temperature=500.0).check_against_bench()
    finally:
        bench.close()
