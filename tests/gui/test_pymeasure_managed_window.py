"""An anplab procedure queued in pymeasure's own ManagedWindow records every point, as anplab's runner does.

A pymeasure user builds a window from a procedure class; nothing of anplab's GUI is involved.  The window's
manager runs the procedure on pymeasure's Worker, writes pymeasure's Results file and plots from it.
"""

import pandas as pd
import pytest
from pymeasure.display.windows import ManagedWindow
from pymeasure.experiment import Procedure, Results

from anplab.procedures.catalog import configure
from anplab.procedures.power_sweep import PowerSweep
from anplab.procedures.runner import run_procedure

PLAN = {"points": 6, "min_intensity": 4.0, "max_intensity": 20.0}


class SweepWindow(ManagedWindow):
    """The smallest ManagedWindow a pymeasure user would write for anplab's power sweep."""

    def __init__(self, folder):
        super().__init__(procedure_class=PowerSweep, inputs=list(PLAN), displays=["points"],
                         x_axis="intensity_kw_cm2", y_axis="count_rate_s")
        self.folder = folder
        self.procedures: list[PowerSweep] = []

    def queue(self, procedure=None):
        procedure = procedure or self.make_procedure()
        for name, value in PLAN.items():
            setattr(procedure, name, value)
        self.procedures.append(procedure)
        results = Results(procedure, str(self.folder / f"sweep_{len(self.procedures)}.csv"))
        self.manager.queue(self.new_experiment(results))


@pytest.fixture
def window(qtbot, tmp_path):
    window = SweepWindow(tmp_path)
    qtbot.addWidget(window)
    yield window
    if window.manager.is_running():
        window.manager.abort()


def test_managed_window_records_every_point_and_ends_dark(window, qtbot, tmp_path):
    window.queue()
    qtbot.waitUntil(lambda: window.procedures[0].status in (Procedure.FINISHED, Procedure.FAILED, Procedure.ABORTED),
                    timeout=600_000)
    procedure = window.procedures[0]
    assert procedure.status == Procedure.FINISHED
    recorded = Results.load(str(tmp_path / "sweep_1.csv")).data

    reference_run = run_procedure(configure("power-sweep", PLAN), tmp_path / "runner")
    reference = pd.read_csv(reference_run.folder / "data.csv", comment="#")
    assert len(recorded) == len(reference) > PLAN["points"] - 1
    pd.testing.assert_series_equal(recorded.power_setpoint_w, reference.power_setpoint_w)
    assert procedure.bench.world.all_lasers_off()


def test_aborting_in_the_window_leaves_every_laser_off(window, qtbot):
    window.queue()
    procedure = window.procedures[0]
    qtbot.waitUntil(lambda: procedure.bench is not None and procedure.status == Procedure.RUNNING, timeout=600_000)
    window.manager.abort()
    qtbot.waitUntil(lambda: procedure.status in (Procedure.ABORTED, Procedure.FINISHED, Procedure.FAILED),
                    timeout=600_000)
    assert procedure.status == Procedure.ABORTED  # stopped mid-sweep (a sweep takes seconds of wall time)
    assert procedure.bench.world.all_lasers_off()
