"""The dark point counts to its statistical target, and a valid earlier dark reading is reused, not re-counted."""

import numpy as np

from anplab.procedures.base import open_bench
from anplab.procedures.particle_experiment import DARK_MAX_AGE_S, DARK_RELATIVE_ERROR
from anplab.procedures.power_sweep import DARK, PowerSweep
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import load_data, run_procedure


def _dark_row(outcome):
    data = load_data(outcome.folder)
    (row,) = data[data.direction == DARK].itertuples()
    return row


def _sweep(bench, tmp_path, memory=None, name="a"):
    procedure = PowerSweep(bench=bench, points=3)
    if memory:
        procedure.inherit(memory)
    outcome = run_procedure(procedure, tmp_path, folder_name=name)
    assert outcome.ended == "finished", outcome.error
    return outcome


def test_dark_point_reaches_its_relative_error_and_is_reused_while_valid(tmp_path):
    bench = open_bench(PowerSweep.DEFAULT_BENCH)
    try:
        first = _sweep(bench, tmp_path, name="first")
        dark = _dark_row(first)
        assert dark.counts >= 1.0 / DARK_RELATIVE_ERROR**2  # 400 counts: 5 %
        assert dark.gate_s < 10.0  # stopped by its count target, not by the 10 s limit
        memory = RunFolder(first.folder).read_state()
        assert memory["dark_reading"]["counts"] == dark.counts

        start = bench.clock.now()
        second = _sweep(bench, tmp_path, memory, name="second")
        again = _dark_row(second)
        assert (again.counts, again.gate_s) == (dark.counts, dark.gate_s)  # the same reading, recorded again
        spent_on_dark = again.time_s - start
        assert spent_on_dark < 0.5 * dark.gate_s  # not counted again

        bench.clock.sleep(DARK_MAX_AGE_S + 1.0)  # too old now: counted anew
        third = _sweep(bench, tmp_path, memory, name="third")
        fresh = _dark_row(third)
        assert fresh.time_s - memory["dark_reading"]["at_s"] > DARK_MAX_AGE_S
        assert not np.isclose(fresh.time_s, again.time_s)
        assert fresh.counts >= 1.0 / DARK_RELATIVE_ERROR**2
    finally:
        bench.close()


def test_dark_reading_of_another_detector_or_temperature_is_not_reused():
    bench = open_bench(PowerSweep.DEFAULT_BENCH)
    try:
        procedure = PowerSweep(bench=bench, points=3)
        procedure.resolve_instruments()
        now = bench.clock.now()
        valid = {"counts": 400, "seconds": 4.0, "at_s": now, "detector": procedure.detector.name, "kelvin": None}
        procedure.inherit({"dark_reading": valid})
        assert procedure.reusable_dark() == valid
        for changed in ({"detector": "another"}, {"kelvin": 77.0}, {"at_s": now + 1.0}):  # future: a new clock
            procedure.inherit({"dark_reading": {**valid, **changed}})
            assert procedure.reusable_dark() is None, changed
    finally:
        bench.close()
