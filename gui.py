"""The anplab bench window: ``python gui.py`` or ``anplab-gui``.

    anplab-gui                           # the built-in simulated bench, in real time
    anplab-gui --bench my_bench.yaml     # real hardware
    anplab-gui --virtual                 # a simulated bench in virtual time (demonstrations)

Choose an experiment, set its parameters (the form is generated from the
procedure's own declarations and checked against the bench as you type),
queue it, and watch it live; the status panel polls every instrument from its
own thread; "All lasers off" latches every laser off at once, whatever is
running.  Finished runs are in the Runs tab, the rate-equation model in the
Model tab.  No instrument is ever called from the GUI thread.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.widgets.live_plots import LiveView
from anplab.widgets.model_explorer import ModelExplorer
from anplab.widgets.procedure_form import ProcedureForm
from anplab.widgets.run_browser import RunBrowser
from anplab.widgets.run_queue import QueuedRun, RunQueue
from anplab.widgets.status_panel import StatusPanel, StatusPoller

_QUEUE_COLUMNS = ("#", "Run", "Status", "Progress", "Folder")


class MainWindow(QtWidgets.QMainWindow):
    """Experiment form and queue on the left, live plots in the middle, bench status on the right."""

    def __init__(self, bench, out_dir: str | Path = "runs", *, poll_ms: int = 500):
        super().__init__()
        self.bench = bench
        self.setWindowTitle(f"anplab — {bench.config.name}")
        self.queue = RunQueue(bench, out_dir, parent=self)
        self.live: LiveView | None = None
        self.live_views: dict[int, LiveView] = {}  # by run id: the runs whose plots are still shown
        self._views_by_procedure: dict[str, LiveView] = {}

        self.form = ProcedureForm(bench)
        self.add_button = QtWidgets.QPushButton("Add to queue")
        self.add_button.clicked.connect(self.add_to_queue)
        self.form.validity_changed.connect(self.add_button.setEnabled)
        self.load_button = QtWidgets.QPushButton("Load sequence…")
        self.load_button.clicked.connect(self._choose_sequence)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        left = _column(self.form, _row(self.add_button, self.load_button), self.message)

        self.queue_table = QtWidgets.QTableWidget(0, len(_QUEUE_COLUMNS))
        self.queue_table.setHorizontalHeaderLabels(_QUEUE_COLUMNS)
        self.queue_table.horizontalHeader().setStretchLastSection(True)
        self.queue_table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.up_button = QtWidgets.QPushButton("Up")
        self.down_button = QtWidgets.QPushButton("Down")
        self.remove_button = QtWidgets.QPushButton("Remove")
        self.abort_button = QtWidgets.QPushButton("Abort current run")
        self.pause_button = QtWidgets.QPushButton("Pause queue")
        self.up_button.clicked.connect(lambda: self._move_selected(-1))
        self.down_button.clicked.connect(lambda: self._move_selected(+1))
        self.remove_button.clicked.connect(self._remove_selected)
        self.abort_button.clicked.connect(self.queue.abort_current)
        self.pause_button.clicked.connect(self._toggle_pause)
        queue_box = _column(self.queue_table, _row(self.up_button, self.down_button, self.remove_button,
                                                   self.pause_button, self.abort_button))

        self.live_holder = QtWidgets.QStackedWidget()
        self.live_title = QtWidgets.QLabel("No run yet: choose an experiment and add it to the queue.")
        self.browser = RunBrowser(out_dir)
        self.explorer = ModelExplorer()
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(_column(self.live_title, self.live_holder), "Live")
        self.tabs.addTab(self.browser, "Runs")
        self.tabs.addTab(self.explorer, "Model")

        self.status_panel = StatusPanel(bench)
        self.poller = StatusPoller(bench, interval_ms=poll_ms)
        self.poller.status.connect(self.status_panel.show_status)
        self.off_button = QtWidgets.QPushButton("ALL LASERS OFF")
        self.off_button.setMinimumHeight(64)
        self.off_button.setStyleSheet("QPushButton { background: #c62828; color: white; font-size: 18px; "
                                      "font-weight: bold; border-radius: 6px; }")
        self.off_button.clicked.connect(self.all_lasers_off)
        self.release_button = QtWidgets.QPushButton("Release the laser latch")
        self.release_button.setEnabled(False)
        self.release_button.clicked.connect(self.release_latch)
        right = _column(self.off_button, self.release_button, self.status_panel)

        centre = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        centre.addWidget(self.tabs)
        centre.addWidget(queue_box)
        centre.setStretchFactor(0, 3)
        main = QtWidgets.QSplitter()
        for part in (left, centre, right):
            main.addWidget(part)
        main.setStretchFactor(1, 4)
        left.setMaximumWidth(380)
        right.setMaximumWidth(420)
        self.setCentralWidget(main)
        self.resize(1500, 900)

        self.queue.changed.connect(self._show_queue)
        self.queue.run_started.connect(self._run_started)
        self.queue.records.connect(self._records)
        self.queue.run_finished.connect(self._run_finished)
        self._progress_timer = QtCore.QTimer(self, interval=500)
        self._progress_timer.timeout.connect(self._show_queue)
        self._progress_timer.start()
        self.poller.start()

    # -- the queue ------------------------------------------------------------------------------
    def add_to_queue(self) -> QueuedRun | None:
        try:
            run = self.queue.add(self.form.procedure_name, self.form.values())
        except (ValueError, LookupError) as problem:
            self._say(f"⚠ {problem}", error=True)
            return None
        self._say(f"queued {run.label} (#{run.id})")
        return run

    def load_sequence(self, path: str | Path) -> list[QueuedRun]:
        try:
            runs = self.queue.load_sequence(path)
        except (ValueError, LookupError) as problem:
            self._say(f"⚠ {problem}", error=True)
            return []
        self._say(f"queued {len(runs)} runs from {Path(path).name}")
        return runs

    def _choose_sequence(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Load a sequence file", "", "Sequence (*.yaml *.yml)")
        if path:
            self.load_sequence(path)

    def _selected_pending(self) -> int | None:
        rows = {index.row() for index in self.queue_table.selectedIndexes()}
        if not rows:
            return None
        item = self.queue_table.item(min(rows), 0)
        run_id = int(item.text())
        return run_id if any(run.id == run_id for run in self.queue.pending) else None

    def _move_selected(self, offset: int) -> None:
        run_id = self._selected_pending()
        if run_id is not None:
            self.queue.move(run_id, offset)
            self._select_run(run_id)

    def _remove_selected(self) -> None:
        run_id = self._selected_pending()
        if run_id is not None:
            self.queue.remove(run_id)

    def _toggle_pause(self) -> None:
        if self.queue.paused:
            self.queue.resume()
        else:
            self.queue.pause()

    def _show_queue(self) -> None:
        runs = list(self.queue.done)[-20:] + ([self.queue.current] if self.queue.current else []) + \
            list(self.queue.pending)
        self.queue_table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            cells = (str(run.id), run.label, run.status if not run.error else f"{run.status}: {run.error}",
                     f"{run.progress:.0f} %" if run.status == "running" else "",
                     run.folder.name if run.folder else "")
            for col, text in enumerate(cells):
                item = self.queue_table.item(row, col)
                if item is None:
                    self.queue_table.setItem(row, col, QtWidgets.QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        self.pause_button.setText("Start queue" if self.queue.paused else "Pause queue")
        self.abort_button.setEnabled(self.queue.current is not None)

    def _select_run(self, run_id: int) -> None:
        for row in range(self.queue_table.rowCount()):
            if self.queue_table.item(row, 0).text() == str(run_id):
                self.queue_table.selectRow(row)

    # -- live plots -----------------------------------------------------------------------------
    def _run_started(self, run: QueuedRun) -> None:
        # One view per experiment, emptied for its next run: memory stays bounded over a long session
        # (the data are on disk; the Runs tab reloads them) and no plot is rebuilt per run.
        view = self._views_by_procedure.get(run.procedure)
        if view is None:
            view = self._views_by_procedure[run.procedure] = LiveView(run.procedure)
            self.live_holder.addWidget(view)
        else:
            view.reset()
        self.live_views = {run_id: shown for run_id, shown in self.live_views.items() if shown is not view}
        self.live_views[run.id] = view
        self.live_holder.setCurrentWidget(view)
        self.live = view
        self.live_title.setText(f"#{run.id} {run.label}: running")

    def _records(self, run: QueuedRun, batch: list) -> None:
        view = self.live_views.get(run.id)
        if view is not None:
            for topic, record in batch:
                view.add(topic, record)

    def _run_finished(self, run: QueuedRun) -> None:
        view = self.live_views.get(run.id)
        if view is not None:
            view.stop()
        self.live_title.setText(f"#{run.id} {run.label}: {run.status}" + (f" ({run.error})" if run.error else ""))
        if run.folder is not None:
            self.browser.add_folder(run.folder)

    # -- safety ---------------------------------------------------------------------------------
    def all_lasers_off(self) -> None:
        """Latch every laser off now, stop the run, hold the queue; the instruments are called off this thread."""
        self.queue.pause()
        self.queue.abort_current()
        self.bench.latch.engage("All lasers off pressed")  # at once: a run still going cannot turn them back on
        self.release_button.setEnabled(True)
        self._say("All lasers off: every laser latched off; the queue is paused.", error=True)
        threading.Thread(target=self.bench.all_lasers_off, args=("All lasers off pressed",),
                         name="all lasers off", daemon=True).start()

    def release_latch(self) -> None:
        self.bench.latch.release()
        self.release_button.setEnabled(False)
        self._say("Laser latch released; start the queue when ready.")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020" if error else "")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the run and the poller, and leave the bench in its safe state."""
        self.poller.stop()
        self.queue.close()
        self.bench.safe_state()


def _column(*widgets) -> QtWidgets.QWidget:
    box = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, (QtWidgets.QTableWidget, QtWidgets.QStackedWidget,
                                                          ProcedureForm, StatusPanel)) else 0)
    return box


def _row(*widgets) -> QtWidgets.QWidget:
    box = QtWidgets.QWidget()
    layout = QtWidgets.QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def main(argv: list[str] | None = None) -> int:
    from anplab.procedures.base import BUILT_IN_BENCHES, open_bench

    parser = argparse.ArgumentParser(prog="anplab-gui", description="The anplab bench window.")
    parser.add_argument("--bench", default="simulated", metavar="FILE",
                        help=f"bench file or built-in bench ({', '.join(BUILT_IN_BENCHES)}; default simulated)")
    parser.add_argument("--out", default="runs", metavar="DIR", help="where run folders go (default: runs)")
    parser.add_argument("--virtual", action="store_true", help="run a simulated bench in virtual time")
    args = parser.parse_args(argv)
    if args.bench not in BUILT_IN_BENCHES and not Path(args.bench).is_file():
        parser.error(f"--bench: {args.bench!r} is neither a bench file nor a built-in bench")
    from anplab.instruments.yaml_lines import BenchFileError

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    try:
        bench = open_bench(args.bench, realtime=not args.virtual)
    except BenchFileError as error:
        parser.exit(2, f"anplab-gui: error: {error}\n")
    window = None
    try:
        window = MainWindow(bench, args.out)
        window.show()
        return app.exec()
    finally:
        if window is not None:
            window.shutdown()  # also when the application quits without closing the window
        bench.safe_state()
        bench.close()


if __name__ == "__main__":
    raise SystemExit(main())
