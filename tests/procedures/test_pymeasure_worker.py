"""anplab procedures under pymeasure's own Worker and Results (what ManagedWindow runs them with)."""

import threading

import pandas as pd
import pytest
from pymeasure.experiment import Procedure, Results, Worker

from anplab.procedures.catalog import configure
from anplab.procedures.records import batch, batch_rows
from anplab.procedures.runner import run_procedure

CASES = {
    "power-sweep": {"points": 5, "min_intensity": 4.0, "max_intensity": 20.0},  # one row per point
    "rise-time": {"intensities": "9,12", "max_repeats": 1, "rise_duration": 0.5},  # a trace per point
}


def run_under_worker(procedure, path) -> Results:
    results = Results(procedure, str(path))
    worker = Worker(results)
    worker.start()
    # Worker.join() returns once a stop is *asked for*; wait for the thread itself (generous: loaded machines).
    threading.Thread.join(worker, timeout=600)
    assert not worker.is_alive(), "the worker never finished"
    return results


@pytest.mark.parametrize("name", CASES)
def test_every_point_recorded_by_pymeasure(name, tmp_path):
    procedure = configure(name, CASES[name])
    run_under_worker(procedure, tmp_path / "pymeasure.csv")
    assert procedure.status == Procedure.FINISHED
    recorded = Results.load(str(tmp_path / "pymeasure.csv")).data

    # The same plan through anplab's runner, on a bench with the same seed: the same rows, one for one.
    outcome = run_procedure(configure(name, CASES[name]), tmp_path)
    assert outcome.ended == "finished"
    reference = pd.read_csv(outcome.folder / "data.csv", comment="#")
    assert len(recorded) == len(reference) > 0
    assert list(recorded.columns) == list(reference.columns)
    plan = "power_setpoint_w" if name == "power-sweep" else "intensity_kw_cm2"
    pd.testing.assert_series_equal(recorded[plan], reference[plan])
    assert procedure.bench is not None and procedure.bench.world.all_lasers_off()


def test_a_batch_is_pymeasures_dict_of_equal_columns():
    rows = [{"a": 1, "b": 2.5}, {"a": 2}, {"b": 4.0, "c": "x"}]
    record = batch(rows)
    assert list(record) == ["a", "b", "c"]
    assert {len(values) for values in record.values()} == {3}
    back = batch_rows(record)
    assert back[0] == {"a": 1, "b": 2.5, "c": pytest.approx(float("nan"), nan_ok=True)}
    assert back[2]["c"] == "x" and back[1]["a"] == 2
    assert batch_rows(rows) == rows  # a plain list of rows passes as it is
    with pytest.raises(ValueError):
        batch_rows({"a": [1, 2], "b": [1]})
