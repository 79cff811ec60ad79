"""The anplab bench window: ``python gui.py`` or ``anplab-gui``.

    anplab-gui                           # the built-in simulated bench, in real time
    anplab-gui --bench my_bench.yaml     # real hardware
    anplab-gui --virtual                 # a simulated bench in virtual time (demonstrations)

Choose the bench (a built-in one or a bench file) and an experiment, set its
parameters (the form is generated from the procedure's own declarations and
checked against the bench as you type), queue it, and watch it live: the
phase it is in with its ETA, the plots as the run folder's figures draw them,
and its headline results when it ends.  The Manual control tab drives a
laser, the galvo, a live count rate and a live confocal view by hand, through
the roles (limits and latch apply); runs wait while it is on.  The status
panel polls every instrument from its own thread; "All lasers off" latches
every laser off at once, whatever is running.  Finished runs are in the Runs
tab, the rate-equation model in the Model tab.  No instrument is ever called
from the GUI thread.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.widgets.bench_chooser import BenchChooser, BenchSwitchFailed, needed_bench, replace_bench
from anplab.widgets.live_plots import LiveView
from anplab.widgets.manual_control import ManualControl
from anplab.widgets.model_explorer import ModelExplorer
from anplab.widgets.procedure_form import ProcedureForm
from anplab.widgets.run_browser import RunBrowser
from anplab.widgets.run_queue import QueuedRun, RunQueue
from anplab.widgets.run_results import ResultsPanel
from anplab.widgets.status_panel import StatusPanel, StatusPoller

log = logging.getLogger(__name__)

_QUEUE_COLUMNS = ("#", "Run", "Status", "Progress", "Folder")


class MainWindow(QtWidgets.QMainWindow):
    """Bench and experiment on the left; live plots, manual control, runs and model in the middle; status right."""

    #: From the bench-switch thread: the bench open now (None if none could be opened), and what went wrong.
    _bench_switched = QtCore.Signal(object, str)

    def __init__(self, bench, out_dir: str | Path = "runs", *, poll_ms: int = 500):
        super().__init__()
        self.bench = bench
        self.poll_ms = int(poll_ms)
        self.switching = False
        self._switch_thread: threading.Thread | None = None
        self._switch_result: tuple | None = None  # (bench open after the last switch, error)
        self._shut_down = False
        # A bench chosen in the window runs in the time this one runs in (the command line's --virtual).
        self._realtime = bool(getattr(bench.clock, "realtime", True))
        self.queue = RunQueue(bench, out_dir, parent=self)
        self.live: LiveView | None = None
        self.live_views: dict[int, LiveView] = {}  # by run id: the runs whose plots are still shown
        self._views_by_procedure: dict[str, LiveView] = {}
        self._live_run: QueuedRun | None = None

        self.chooser = BenchChooser(bench)
        self.chooser.chosen.connect(self.switch_bench)
        self.form = ProcedureForm(bench)
        self.add_button = QtWidgets.QPushButton("Add to queue")
        self.add_button.clicked.connect(self.add_to_queue)
        self.form.validity_changed.connect(self.add_button.setEnabled)
        self.form.validity_changed.connect(self._update_hint)
        self.load_button = QtWidgets.QPushButton("Load sequence…")
        self.load_button.clicked.connect(self._choose_sequence)
        self.hint = QtWidgets.QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #b35900")
        self.hint_button = QtWidgets.QPushButton()
        self.hint_button.clicked.connect(lambda: self.switch_bench(self._hint_target))
        self._hint_target = ""
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        left = _column(self.chooser, self.form, _row(self.add_button, self.load_button), self.hint,
                       self.hint_button, self.message)

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
        self.queue_state = QtWidgets.QLabel()
        self.queue_state.setStyleSheet("color: #b35900")
        queue_box = _column(self.queue_table, _row(self.up_button, self.down_button, self.remove_button,
                                                   self.pause_button, self.abort_button), self.queue_state)

        self.live_holder = QtWidgets.QStackedWidget()
        self.live_title = QtWidgets.QLabel("No run yet: choose an experiment and add it to the queue.")
        self.phase_bar = QtWidgets.QProgressBar()
        self.phase_bar.setRange(0, 1000)
        self.phase_bar.setTextVisible(True)
        self.phase_bar.setFormat("")
        self.phase_label = QtWidgets.QLabel()
        self.results = ResultsPanel()
        self.results.setMinimumWidth(200)
        self.results.setMaximumWidth(320)  # beside the plots, not instead of them
        live_split = QtWidgets.QSplitter()
        live_split.addWidget(self.live_holder)
        live_split.addWidget(self.results)
        live_split.setStretchFactor(0, 1)
        live_split.setStretchFactor(1, 0)
        live_split.setSizes([1000, 240])
        self.manual_holder = QtWidgets.QStackedWidget()
        self.browser = RunBrowser(out_dir)
        self.explorer = ModelExplorer()
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(_column(self.live_title, _row(self.phase_bar, self.phase_label), live_split), "Live")
        self.tabs.addTab(self.manual_holder, "Manual control")
        self.tabs.addTab(self.browser, "Runs")
        self.tabs.addTab(self.explorer, "Model")

        self.status_holder = QtWidgets.QStackedWidget()
        self.off_button = QtWidgets.QPushButton("ALL LASERS OFF")
        self.off_button.setMinimumHeight(64)
        self.off_button.setStyleSheet("QPushButton { background: #c62828; color: white; font-size: 18px; "
                                      "font-weight: bold; border-radius: 6px; }")
        self.off_button.clicked.connect(self.all_lasers_off)
        self.release_button = QtWidgets.QPushButton("Release the laser latch")
        self.release_button.setEnabled(False)
        self.release_button.clicked.connect(self.release_latch)
        right = _column(self.off_button, self.release_button, self.status_holder)

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
        self._bench_switched.connect(self._switched)
        self._progress_timer = QtCore.QTimer(self, interval=500)
        self._progress_timer.timeout.connect(self._show_queue)
        self._progress_timer.start()
        self.status_panel: StatusPanel | None = None
        self.poller: StatusPoller | None = None
        self.manual: ManualControl | None = None
        self._attach(bench)

    # -- the bench ------------------------------------------------------------------------------
    def _attach(self, bench) -> None:
        """Build what belongs to one bench (status panel and poller, manual control) and start polling."""
        self.bench = bench
        self.setWindowTitle(f"anplab — {bench.config.name}")
        self.status_panel = _replace(self.status_holder, StatusPanel(bench))
        self.manual = _replace(self.manual_holder, ManualControl(bench, self.queue))
        self.manual.active_changed.connect(lambda _: self._show_queue())
        self.poller = StatusPoller(bench, interval_ms=self.poll_ms)
        self.poller.status.connect(self.status_panel.show_status)
        self.poller.status.connect(self.manual.show_status)
        self.chooser.show_bench(bench)
        self.form.set_bench(bench)
        self.poller.start()
        self._update_hint()

    def switch_bench(self, target: str) -> bool:
        """Drive another bench (a built-in name or a bench file) from now on; False, saying why, if not now.

        Refused while a run is going or waiting (they were checked against this bench).  Manual control ends
        (the safe state), the old bench is put in its safe state and closed and the new one opened, on a
        thread of their own; the window is back once the new bench is open (or the old one kept, with the
        reason, if the new one does not open).
        """
        from anplab.widgets.bench_chooser import check_bench_target

        if self.switching:
            self._say("⚠ A bench is being opened already.", error=True)
            return False
        if self.queue.current is not None or self.queue.pending:
            self._say("⚠ Not now: the queue has runs going or waiting, checked against this bench; "
                      "let them finish or remove them, then switch benches.", error=True)
            return False
        try:
            check_bench_target(target)  # reads and checks the file only: a bad one is refused before anything closes
        except (ValueError, OSError) as problem:
            self._say(f"⚠ {problem}", error=True)
            return False
        if not self.queue.hold("bench switch", "switching benches"):
            self._say("⚠ Not now: a run is going.", error=True)
            return False
        self.switching = True
        self._set_bench_controls(False)
        self._say(f"Opening {target}: every laser of this bench to its safe state first…")
        self.poller.stop()
        old, manual = self.bench, self.manual

        def swap() -> None:
            manual.worker.close(safe_state=True)
            try:
                self._switch_result = (replace_bench(old, target, realtime=self._realtime), "")
            except BenchSwitchFailed as failure:
                self._switch_result = (failure.bench, str(failure))
            except Exception as error:  # never leave the window waiting
                log.exception("switching benches")
                self._switch_result = (None, f"{type(error).__name__}: {error}")
            self._bench_switched.emit(*self._switch_result)

        self._switch_result = None
        self._switch_thread = threading.Thread(target=swap, name="anplab bench switch", daemon=True)
        self._switch_thread.start()
        return True

    def _switched(self, bench, error: str) -> None:
        old_manual = self.manual
        if self._shut_down:
            return
        if bench is not None:
            self.queue.set_bench(bench)
            self._attach(bench)
        old_manual.close_worker(0.0)  # already ended in the switch thread: lets go of its queue hold
        self.queue.release("bench switch")
        self.switching = False
        if bench is None:
            self.bench = None
            self._say(f"⚠ No bench is open: {error}. Choose one to go on.", error=True)
            self.chooser.setEnabled(True)
            self.queue.hold("bench switch", "no bench open")
            return
        self._set_bench_controls(True)
        if error:
            self._say(f"⚠ The bench was not switched: {error}", error=True)
        else:
            self._say(f"Bench open: {bench.config.name}.")
        self.form.check()

    def _set_bench_controls(self, enabled: bool) -> None:
        for widget in (self.chooser, self.form, self.load_button, self.hint_button, self.manual_holder):
            widget.setEnabled(enabled)
        self.add_button.setEnabled(enabled and self.form.last_problem is None)

    def _update_hint(self, *_) -> None:
        """Say so, with the fix, when the chosen experiment belongs on another bench."""
        hint = None if self.bench is None else needed_bench(self.form.procedure_name, self.bench,
                                                            self.form.last_problem)
        self.hint.setVisible(hint is not None)
        self.hint_button.setVisible(hint is not None)
        if hint is not None:
            self.hint.setText(f"⚠ {hint[0]}")
            self._hint_target = hint[1]
            self.hint_button.setText(f"Switch to the '{hint[1]}' bench")

    # -- the queue ------------------------------------------------------------------------------
    def add_to_queue(self) -> QueuedRun | None:
        if self.switching or self.bench is None:
            self._say("⚠ No bench to queue on yet.", error=True)
            return None
        try:
            run = self.queue.add(self.form.procedure_name, self.form.values())
        except (ValueError, LookupError) as problem:
            hint = needed_bench(self.form.procedure_name, self.bench, str(problem))
            self._say(f"⚠ {problem}" + (f" {hint[0]}" if hint else ""), error=True)
            return None
        waiting = " (it waits: manual control is on)" if self.manual is not None and self.manual.active else ""
        self._say(f"queued {run.label} (#{run.id}){waiting}")
        return run

    def load_sequence(self, path: str | Path) -> list[QueuedRun]:
        if self.switching or self.bench is None:
            self._say("⚠ No bench to queue on yet.", error=True)
            return []
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
                     _progress_text(run) if run.status == "running" else "",
                     run.folder.name if run.folder else "")
            for col, text in enumerate(cells):
                item = self.queue_table.item(row, col)
                if item is None:
                    self.queue_table.setItem(row, col, QtWidgets.QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        self.pause_button.setText("Start queue" if self.queue.paused else "Pause queue")
        self.abort_button.setEnabled(self.queue.current is not None)
        holds = self.queue.holds
        waiting = len(self.queue.pending)
        self.queue_state.setText(f"Held ({'; '.join(holds.values())}): {waiting} run{'s' if waiting != 1 else ''} "
                                 "waiting" if holds else "")
        self._show_phase()

    def _select_run(self, run_id: int) -> None:
        for row in range(self.queue_table.rowCount()):
            if self.queue_table.item(row, 0).text() == str(run_id):
                self.queue_table.selectRow(row)

    # -- live plots, phase and results ------------------------------------------------------------
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
        self._live_run = run
        self.live_title.setText(f"#{run.id} {run.label}: running")
        self.results.clear(f"#{run.id} {run.label} is running: its results appear here when it ends.")
        self._show_phase()

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
        self.results.show_summary(f"#{run.id} {run.label}", run.summary, ended=run.status, error=run.error)
        if run.folder is not None:
            self.browser.add_folder(run.folder)
        self._show_phase()

    def _show_phase(self) -> None:
        run = self._live_run
        state = run.phases.state() if run is not None else None
        if run is None or run.status != "running":
            self.phase_bar.setValue(self.phase_bar.maximum() if run is not None and run.status == "finished" else 0)
            self.phase_bar.setFormat(run.status if run is not None else "")
            self.phase_label.setText("")
            return
        if state is None:
            self.phase_bar.setValue(0)
            self.phase_bar.setFormat("starting")
            self.phase_label.setText(f"run {run.progress:.0f} %")
            return
        self.phase_bar.setValue(int(round(state.fraction * self.phase_bar.maximum())))
        self.phase_bar.setFormat(f"phase {state.number}: {state.name} %p%")
        self.phase_label.setText(f"{state.describe()} · run {run.progress:.0f} %")

    # -- safety ---------------------------------------------------------------------------------
    def all_lasers_off(self) -> None:
        """Latch every laser off now, stop the run, hold the queue; the instruments are called off this thread."""
        self.queue.pause()
        self.queue.abort_current()
        bench = self.bench
        if bench is None:
            return
        bench.latch.engage("All lasers off pressed")  # at once: a run still going cannot turn them back on
        self.release_button.setEnabled(True)
        self._say("All lasers off: every laser latched off; the queue is paused.", error=True)
        threading.Thread(target=bench.all_lasers_off, args=("All lasers off pressed",),
                         name="all lasers off", daemon=True).start()

    def release_latch(self) -> None:
        if self.bench is not None:
            self.bench.latch.release()
        self.release_button.setEnabled(False)
        self._say("Laser latch released; start the queue when ready.")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020" if error else "")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop the run, manual control and the poller, and leave the bench in its safe state (off this thread,
        waiting for it at most ``timeout_s``)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._progress_timer.stop()
        if self._switch_thread is not None:
            self._switch_thread.join(timeout_s)
            opened = self._switch_result[0] if self._switch_result else None
            if opened is not None:
                self.bench = opened  # opened while closing: the one to leave safe (main() closes it)
        if self.poller is not None:
            self.poller.stop()
        if self.manual is not None:
            self.manual.close_worker(timeout_s)
        self.queue.close()
        if self.bench is not None:
            finished = threading.Thread(target=self.bench.safe_state, name="anplab safe state", daemon=True)
            finished.start()
            finished.join(timeout_s)
            if finished.is_alive():
                log.error("the safe state did not finish within %.0f s", timeout_s)


def _progress_text(run: QueuedRun) -> str:
    state = run.phases.state()
    return f"{run.progress:.0f} %" + (f" · {state.describe()}" if state is not None else "")


def _replace(holder: QtWidgets.QStackedWidget, widget: QtWidgets.QWidget):
    """Show ``widget`` in ``holder`` in place of what it held (deleted)."""
    while holder.count():
        old = holder.widget(0)
        holder.removeWidget(old)
        old.deleteLater()
    holder.addWidget(widget)
    return widget


def _column(*widgets) -> QtWidgets.QWidget:
    box = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, (QtWidgets.QTableWidget, QtWidgets.QStackedWidget,
                                                          QtWidgets.QSplitter, ProcedureForm, StatusPanel)) else 0)
    return box


def _row(*widgets) -> QtWidgets.QWidget:
    box = QtWidgets.QWidget()
    layout = QtWidgets.QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def build_parser():
    """The ``anplab-gui`` command line (every option says its default)."""
    from anplab.commands.help_format import HelpFormatter
    from anplab.procedures.base import BUILT_IN_BENCHES

    parser = argparse.ArgumentParser(prog="anplab-gui", description="The anplab bench window.",
                                     formatter_class=HelpFormatter)
    parser.add_argument("--bench", default="simulated", metavar="FILE",
                        help=f"bench file or built-in bench ({', '.join(BUILT_IN_BENCHES)}; default simulated)")
    parser.add_argument("--out", default="runs", metavar="DIR", help="where run folders go (default: runs)")
    parser.add_argument("--virtual", action="store_true", help="run a simulated bench in virtual time, not real time")
    return parser


def main(argv: list[str] | None = None) -> int:
    from anplab.procedures.base import BUILT_IN_BENCHES, open_bench

    parser = build_parser()
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
            bench = window.bench  # the bench chosen last in the window (the one it opened with is closed)
        if bench is not None:
            bench.safe_state()
            bench.close()


if __name__ == "__main__":
    raise SystemExit(main())
