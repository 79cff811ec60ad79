"""The run browser on real run folders from the simulated bench (pytest-qt, offscreen)."""

import json
import shutil
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyqtgraph.Qt import QtCore

from anplab.procedures.base import open_bench
from anplab.procedures.catalog import configure
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import load_data, run_procedure
from anplab.widgets.run_browser import DataFrameModel, RunBrowser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _run(name: str, parameters: dict, out: Path) -> Path:
    bench = open_bench("simulated")
    try:
        outcome = run_procedure(configure(name, parameters, bench=bench), out)
    finally:
        bench.close()
    assert outcome.ended == "finished"
    return outcome.folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(root, sweep folder, scan folder): the scan started at least a second after the sweep."""
    root = tmp_path_factory.mktemp("runs")
    sweep = _run("power-sweep", {"points": 8, "min_intensity": 4, "max_intensity": 20}, root)
    started = datetime.fromisoformat(RunFolder(sweep).read_metadata()["started"])
    while datetime.now(started.tzinfo).replace(microsecond=0) <= started:  # start times have 1 s resolution
        time.sleep(0.05)
    scan = _run("passi-scan", {"pixels": 24, "dwell": 0.01, "intensities": "20"}, root)
    return root, sweep, scan


def _browser(qtbot, root) -> RunBrowser:
    browser = RunBrowser(root)
    qtbot.addWidget(browser)
    browser.resize(1100, 800)
    browser.show()
    qtbot.waitExposed(browser)
    return browser


def _row(browser: RunBrowser, path: Path) -> list[str]:
    row = browser.runs().index(path)
    return [browser.table.item(row, column).text() for column in range(browser.table.columnCount())]


def test_lists_runs_newest_first_with_procedure_and_ending(qtbot, runs):
    root, sweep, scan = runs
    browser = _browser(qtbot, root)
    assert browser.runs() == [scan, sweep]
    scan_row, sweep_row = _row(browser, scan), _row(browser, sweep)
    assert scan_row[1:3] == ["passi-scan", "finished"] and sweep_row[1:3] == ["power-sweep", "finished"]
    assert "threshold_kw_cm2" in sweep_row[3]
    assert sweep_row[4] == sweep.name


def test_selecting_the_sweep_loads_its_data_and_figures(qtbot, runs):
    root, sweep, _ = runs
    browser = _browser(qtbot, root)
    with qtbot.waitSignal(browser.run_loaded, timeout=5000) as signal:
        browser.select(sweep)
    assert signal.args == [sweep]
    expected = load_data(sweep)
    pd.testing.assert_frame_equal(browser.loaded_data, expected)
    assert browser.data_model.rowCount() == len(expected) > 0
    assert browser.data_model.columnCount() == len(expected.columns)
    assert browser.figure_names() == ["s_curve"]
    assert browser.loaded_summary["threshold_kw_cm2"] > 0
    assert browser.loaded_images == {}
    assert browser.table.currentRow() == browser.runs().index(sweep)
    assert browser.log_view.toPlainText()  # run.log


def test_selecting_the_scan_shows_its_images(qtbot, runs):
    root, _, scan = runs
    browser = _browser(qtbot, root)
    with qtbot.waitSignal(browser.run_loaded, timeout=5000):
        browser.select(scan)
    stored = RunFolder(scan).load_images()
    # The field image and the region-of-interest images around the particles found in it.
    assert sorted(browser.loaded_images) == sorted(stored) and "passi_0" in stored and len(stored) >= 2
    np.testing.assert_array_equal(browser.image_view.image, stored["passi_0"]["image"])
    # Placed in µm: the image's corners are the scan's first and last pixel edges.
    bounds = browser.image_view.getImageItem().mapRectToParent(browser.image_view.getImageItem().boundingRect())
    x, y = stored["passi_0"]["x_um"], stored["passi_0"]["y_um"]
    step = x[1] - x[0]
    assert bounds.left() == pytest.approx(x[0] - step / 2) and bounds.right() == pytest.approx(x[-1] + step / 2)
    assert bounds.top() == pytest.approx(y[0] - step / 2) and bounds.bottom() == pytest.approx(y[-1] + step / 2)
    assert "passi_0" in browser.figure_names()
    browser.tabs.setCurrentIndex(3)  # Images
    qtbot.wait(50)
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.grab().save(str(ARTIFACTS / "run_browser.png"))


def test_a_broken_folder_is_listed_and_reports_its_problem(qtbot, runs, tmp_path):
    _, sweep, _ = runs
    good = Path(shutil.copytree(sweep, tmp_path / sweep.name))
    broken = tmp_path / "2020-01-01T00-00-00_power-sweep"
    broken.mkdir()
    (broken / "metadata.json").write_text("{not json", encoding="utf-8")
    (broken / "summary.json").write_text("[1, 2", encoding="utf-8")
    empty = tmp_path / "not-a-run"  # no run files: not listed
    empty.mkdir()
    browser = _browser(qtbot, tmp_path)
    assert set(browser.runs()) == {good, broken}
    assert _row(browser, broken)[2] == "unreadable"
    with qtbot.waitSignal(browser.run_loaded, timeout=5000):
        browser.select(broken)
    status = browser.status_label.text()
    assert "metadata.json unreadable" in status and "summary.json unreadable" in status and "no data.csv" in status
    assert browser.loaded_data is None and browser.loaded_images == {} and browser.figure_names() == []
    # A figure that is not a PNG and an images.h5 that is not HDF5 are reported too; the rest still shows.
    (good / "figures" / "broken.png").write_bytes(b"\x89PNG garbage")
    (good / "images.h5").write_bytes(b"not hdf5")
    with qtbot.waitSignal(browser.run_loaded, timeout=5000):
        browser.select(good)
    status = browser.status_label.text()
    assert "figure broken.png unreadable" in status and "images.h5 unreadable" in status
    assert browser.figure_names() == ["s_curve"] and len(browser.loaded_data) == len(load_data(sweep))


def test_sequence_items_are_listed_and_a_new_run_can_be_added_without_a_rescan(qtbot, runs, tmp_path):
    _, sweep, scan = runs
    sequence = tmp_path / "2020-01-01T00-00-00_my-sequence"
    item = Path(shutil.copytree(sweep, sequence / "001_power-sweep"))
    (sequence / "sequence.json").write_text(json.dumps({"items": []}), encoding="utf-8")
    browser = _browser(qtbot, tmp_path)
    assert browser.runs() == [item]
    assert _row(browser, item)[4] == "2020-01-01T00-00-00_my-sequence/001_power-sweep"
    with qtbot.waitSignal(browser.run_loaded, timeout=5000):
        browser.select(item)
    new = Path(shutil.copytree(scan, tmp_path / scan.name))
    browser.add_folder(new)
    assert browser.runs() == [new, item]  # newest first; the chosen run stays chosen
    assert browser.current_run() == item
    # Mark the copied sweep as killed mid-run: a refresh picks the change up.
    metadata = RunFolder(item).read_metadata()
    metadata.update(status="running", ended=None)
    RunFolder(item).write_metadata(metadata)
    with qtbot.waitSignal(browser.run_loaded, timeout=5000):
        browser.refresh_button.click()
    assert browser.runs() == [new, item] and _row(browser, item)[2] == "running/interrupted"
    assert browser.current_run() == item


def test_the_data_model_serves_a_large_table_lazily(qtbot):
    frame = pd.DataFrame({"i": np.arange(100_000), "x": np.linspace(0, 1, 100_000)})
    model = DataFrameModel(frame)
    assert model.rowCount() == 100_000 and model.columnCount() == 2
    assert model.data(model.index(99_999, 0)) == "99999" and model.data(model.index(99_999, 1)) == "1"
    assert model.headerData(1, QtCore.Qt.Orientation.Horizontal) == "x"
