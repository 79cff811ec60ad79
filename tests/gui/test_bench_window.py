"""The bench window on the simulated bench in virtual time (pytest-qt, offscreen).

Screenshots go to test-artifacts/.
"""

from pathlib import Path

import numpy as np
import pytest
from pyqtgraph.Qt import QtCore

from anplab.gui import MainWindow
from anplab.procedures.base import open_bench
from anplab.procedures.catalog import PROCEDURES
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import load_data

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EXAMPLE_SEQUENCE = Path(__file__).resolve().parents[2] / "examples" / "overnight_thermometry.yaml"
SWEEP = {"points": 16, "min_intensity": 3.0, "max_intensity": 25.0}
SCAN = {"centre": "0,0", "width": 4.0, "pixels": 24, "dwell": 0.01, "intensities": "12,20"}


@pytest.fixture
def window(qtbot, tmp_path):
    bench = open_bench("simulated")
    window = MainWindow(bench, tmp_path / "runs", poll_ms=100)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.shutdown()
    bench.close()


def emitting(bench) -> list[str]:
    return [name for name, laser in bench.world.lasers.items() if laser.emitting]


def screenshot(window, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    window.grab().save(str(ARTIFACTS / name))


def test_every_procedure_has_a_form_checked_against_the_bench(window, qtbot):
    form = window.form
    assert [form.picker.itemText(k) for k in range(form.picker.count())] == list(PROCEDURES)
    assert window.add_button.isEnabled()
    form.inputs["power-sweep"].max_intensity.setValue(1e4)  # more than the 1064 nm pump's limit gives
    qtbot.waitUntil(lambda: not window.add_button.isEnabled(), timeout=2000)
    assert "outside the bench limits" in form.problem_text()
    form.select("hold-temperature")
    form.inputs["hold-temperature"].temperature.setValue(77.0)
    qtbot.waitUntil(lambda: window.add_button.isEnabled(), timeout=2000)


def test_a_sweep_and_a_scan_run_from_the_queue_with_live_plots(window, qtbot):
    window.queue.pause()  # queue both, then let them go
    window.form.select("power-sweep")
    window.form.set_values(SWEEP)
    sweep = window.add_to_queue()
    window.form.select("passi-scan")
    window.form.set_values(SCAN)
    scan = window.add_to_queue()
    assert sweep and scan and [run.id for run in window.queue.pending] == [sweep.id, scan.id]
    window.queue.resume()
    qtbot.waitUntil(lambda: sweep.status == "finished", timeout=120_000)
    # The worker marks the run finished; the window hears of it on its own thread, a batch later.
    qtbot.waitUntil(lambda: scan.status == "finished" and scan.id in window.live_views
                    and window.live_title.text().startswith(f"#{scan.id} ") and "finished" in window.live_title.text(),
                    timeout=180_000)
    qtbot.wait(300)  # the last batch and redraw

    sweep_view = window.live_views[sweep.id].panels["scurve"]
    rows = load_data(sweep.folder)
    lit = rows[rows.intensity_kw_cm2 > 0]
    assert len(lit) == 16
    # As the run's figure: above the mean dark rate of the file, points at or below it left out.
    dark = rows[rows.direction == 0].count_rate_s.mean()
    above = lit[lit.count_rate_s > dark].sort_values("intensity_kw_cm2")
    # Redraws are throttled: wait for the one after the last batch, however loaded the machine is.  The
    # item's original data, not getData(): that is clipped to the view, whose range a hidden plot (the scan
    # is shown now) may not have updated.
    def plotted() -> bool:
        shown = sweep_view.points.getOriginalDataset()[0]
        return shown is not None and len(shown) == len(above) and np.allclose(np.sort(shown),
                                                                               above.intensity_kw_cm2)

    try:
        qtbot.waitUntil(plotted, timeout=30_000)
    except Exception:  # say what differs: the plot, its dark level, or the rows it was given
        raise AssertionError(f"plotted {sweep_view.points.getOriginalDataset()[0]} (dark {sweep_view.dark_rate}, "
                             f"{len(sweep_view.dark)} dark rows, {len(sweep_view.data)} lit rows received) but "
                             f"the file has {above.intensity_kw_cm2.tolist()} above dark {dark}") from None
    x, y = sweep_view.points.getOriginalDataset()
    order = np.argsort(x)
    assert np.allclose(x[order], above.intensity_kw_cm2)
    assert np.allclose(y[order], above.count_rate_s - dark)
    assert sweep_view.curve_plot.ctrl.logXCheck.isChecked() and sweep_view.curve_plot.ctrl.logYCheck.isChecked()
    bars = sweep_view.error_bars.opts  # Poisson: log10(net + sqrt(N)/gate) above each point
    sigma = np.sqrt(above.counts) / above.gate_s
    assert np.allclose(np.sort(bars["top"]), np.sort(np.log10(above.count_rate_s - dark + sigma)
                                                     - np.log10(above.count_rate_s - dark)))
    shown = window.results.text()  # the scan ended last: its headline results beside the plots
    assert shown.startswith("threshold: ") and "S_max: " in shown and "FWHM: " in shown
    slope_x, slope_y = sweep_view.slope.getOriginalDataset()
    assert slope_y.max() > 5  # the avalanche is steep

    images = RunFolder(scan.folder).load_images()
    live = window.live_views[scan.id].panels["image"]
    for name in ("passi_0", "passi_1"):
        assert np.array_equal(live.images[name], images[name]["image"])
    assert window.live_views[scan.id].panels["image"].view.getImageItem().image is not None
    assert "finished" in window.live_title.text()
    assert {Path(p) for p in window.browser.runs()} >= {sweep.folder, scan.folder}
    screenshot(window, "bench_window.png")
    assert not emitting(window.bench)


def test_all_lasers_off_mid_run_reaches_the_safe_state_and_holds_it(window, qtbot):
    window.form.select("power-sweep")
    window.form.set_values({"points": 200, "min_intensity": 3.0, "max_intensity": 25.0})
    run = window.add_to_queue()
    qtbot.waitUntil(lambda: run.id in window.live_views and window.live_views[run.id].rows > 5, timeout=60_000)
    assert emitting(window.bench)
    qtbot.mouseClick(window.off_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.bench.latch.engaged and window.queue.paused
    qtbot.waitUntil(lambda: not emitting(window.bench), timeout=5_000)
    qtbot.waitUntil(lambda: run.status == "stopped", timeout=30_000)
    assert all(laser.setpoint_w == 0 for laser in window.bench.world.lasers.values())
    assert load_data(run.folder).shape[0] < 200
    qtbot.waitUntil(lambda: "latched" in " ".join(window.status_panel.warnings()).lower(), timeout=5_000)
    screenshot(window, "bench_window_all_off.png")
    window.release_button.click()
    assert not window.bench.latch.engaged


def test_pending_runs_can_be_reordered_and_removed_and_a_sequence_loaded(window, qtbot):
    window.queue.pause()
    window.form.select("hold-temperature")
    first, second, third = (window.add_to_queue() for _ in range(3))
    window.queue.move(third.id, -2)
    assert [run.id for run in window.queue.pending] == [third.id, first.id, second.id]
    window.queue.remove(first.id)
    assert [run.id for run in window.queue.pending] == [third.id, second.id]
    loaded = window.load_sequence(EXAMPLE_SEQUENCE)
    assert len(loaded) == 90 and loaded[1].label == "S-curve at 300 K"
    window._show_queue()
    assert window.queue_table.rowCount() == 92
    bad = EXAMPLE_SEQUENCE.read_text().replace("points: 30", "points: 30, colour: red")
    path = Path(window.queue.out_dir).parent / "bad.yaml"
    path.write_text(bad)
    assert window.load_sequence(path) == []
    assert "colour" in window.message.text() and "bad.yaml:" in window.message.text()
