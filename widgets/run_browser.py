"""Browse run folders: a table of the runs, and the chosen run's summary, data, figures, images and log.

The browser only reads run folders.  Anything may be half-written (a run
still going, a crash mid-run) or damaged, so every read is guarded and a
problem ends up in the status label rather than as an exception in a Qt slot.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtGui, QtWidgets

from anplab.procedures.run_folder import RunFolder

LOG_TAIL_BYTES = 200_000  # run.log can grow large on a long run; the end is what one looks at
KEY_NUMBERS = 3
FIGURE_MAX_WIDTH = 900

ENDED_COLOURS = {"finished": "#1b7a2f", "stopped": "#b36b00", "failed": "#c0392b", "running/interrupted": "#b36b00",
                 "unreadable": "#c0392b"}


# -- reading folders ----------------------------------------------------------------------------
@dataclass
class RunEntry:
    """One row of the table: what a run folder says about itself, read without loading its data."""

    path: Path
    started: datetime
    procedure: str = "?"
    ended: str = "?"
    key_numbers: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple:
        # Runs started in the same second: the folder name (with its _2, _3 suffixes) keeps them in a stable order.
        return (self.started, self.path.name)


def _key_numbers(summary: dict) -> str:
    """The few scalar results worth a glance: thresholds first, then other measured values, then counts."""
    def rank(key: str, value) -> int | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or "uncertainty" in key:
            return None
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if "threshold" in key:
            return 0
        return 1 if isinstance(value, float) else 2

    ranked = [(rank(key, value), i, key, value) for i, (key, value) in enumerate(summary.items())]
    chosen = sorted(r for r in ranked if r[0] is not None)[:KEY_NUMBERS]
    text = ", ".join(f"{key} = {value:.4g}" for _, _, key, value in chosen)
    if "analysis_error" in summary:
        text = "analysis failed" + (f"; {text}" if text else "")
    return text


def _started(path: Path, metadata: dict) -> datetime:
    try:
        started = datetime.fromisoformat(str(metadata["started"]))
        return started if started.tzinfo else started.astimezone()
    except (KeyError, ValueError):
        pass
    try:
        # No usable start time: the folder's own time still puts it roughly in place.
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return datetime.min.replace(tzinfo=timezone.utc)


def read_entry(path: str | Path) -> RunEntry:
    """The table row of a run folder; never raises for a damaged folder (its problems are listed instead)."""
    path = Path(path)
    folder = RunFolder(path)
    problems: list[str] = []
    metadata: dict = {}
    if not folder.metadata_path.exists():
        problems.append(f"no {folder.metadata_path.name}")
    else:
        try:
            metadata = folder.read_metadata()
        except (OSError, ValueError) as error:
            problems.append(f"{folder.metadata_path.name} unreadable: {error}")
    summary: dict = {}
    try:
        summary = folder.read_summary()  # a run still going (or killed) has none yet
    except (OSError, ValueError) as error:
        problems.append(f"{folder.summary_path.name} unreadable: {error}")
    if not metadata:
        ended = "unreadable"
    elif metadata.get("status") == "running":
        ended = "running/interrupted"
    else:
        ended = str(metadata.get("ended") or "?")
    return RunEntry(path=path, started=_started(path, metadata), procedure=str(metadata.get("procedure", "?")),
                    ended=ended, key_numbers=_key_numbers(summary), problems=problems)


def find_run_folders(root: str | Path) -> list[Path]:
    """Run folders directly under ``root`` and inside its sequence folders (which hold ``sequence.json``)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for child in sorted(root.iterdir()):
        if not child.is_dir():
            continue
        if (child / "sequence.json").exists():
            found += [item for item in sorted(child.iterdir()) if item.is_dir() and _looks_like_run(item)]
        elif _looks_like_run(child):
            found.append(child)
    return found


def _looks_like_run(path: Path) -> bool:
    return RunFolder(path).looks_like_run()


# -- a pandas table for QTableView ----------------------------------------------------------------
class DataFrameModel(QtCore.QAbstractTableModel):
    """A read-only view of a DataFrame; Qt asks only for the visible cells, so 1e5 rows cost nothing up front."""

    def __init__(self, frame: pd.DataFrame | None = None, parent=None):
        super().__init__(parent)
        self._columns: list[str] = []
        self._values: list[np.ndarray] = []
        self._rows = 0
        self.set_frame(frame)

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        self.beginResetModel()
        frame = frame if frame is not None else pd.DataFrame()
        self._columns = [str(c) for c in frame.columns]
        # Column arrays: indexing a numpy array per cell is far cheaper than DataFrame.iat.
        self._values = [frame[c].to_numpy() for c in frame.columns]
        self._rows = len(frame)
        self.endResetModel()

    def rowCount(self, parent=QtCore.QModelIndex()) -> int:
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent=QtCore.QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            value = self._values[index.column()][index.row()]
            if isinstance(value, (float, np.floating)):
                return f"{value:.6g}"
            return str(value)
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole:
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if role != QtCore.Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == QtCore.Qt.Orientation.Horizontal:
            return self._columns[section] if section < len(self._columns) else None
        return str(section)


def _compact(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        text = json.dumps(value)
        return text if len(text) <= 300 else text[:297] + "..."
    return str(value)


# -- the widget -----------------------------------------------------------------------------------
class RunBrowser(QtWidgets.QWidget):
    """The runs under a folder, newest first; choosing one shows its summary, data, figures, images and log."""

    run_loaded = QtCore.Signal(object)  # the run folder's Path, once it is shown (even if only in part)

    COLUMNS = ("started", "procedure", "ended", "key numbers", "folder")

    def __init__(self, root: str | Path, parent=None):
        super().__init__(parent)
        self.root = Path(root)
        self._entries: list[RunEntry] = []
        self._current: Path | None = None
        self.loaded_data: pd.DataFrame | None = None
        self.loaded_images: dict = {}
        self.loaded_summary: dict = {}
        self.loaded_metadata: dict = {}
        self._figure_names: list[str] = []

        self.root_label = QtWidgets.QLabel()
        self.refresh_button = QtWidgets.QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.status_label = QtWidgets.QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QtWidgets.QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.header_label = QtWidgets.QLabel()
        self.header_label.setWordWrap(True)
        self.header_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

        self.summary_table = QtWidgets.QTableWidget(0, 2)
        self.summary_table.setHorizontalHeaderLabels(["key", "value"])
        self.summary_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary_table.verticalHeader().setVisible(False)
        self.summary_table.horizontalHeader().setStretchLastSection(True)

        self.data_model = DataFrameModel()
        self.data_view = QtWidgets.QTableView()
        self.data_view.setModel(self.data_model)
        # Fixed row heights: resizing to contents would measure every one of 1e5 rows.
        self.data_view.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        self.data_view.verticalHeader().setDefaultSectionSize(20)

        self.figures_area = QtWidgets.QScrollArea()
        self.figures_area.setWidgetResizable(True)
        self._set_figures_widget(QtWidgets.QWidget())

        self.image_box = QtWidgets.QComboBox()
        self.image_box.currentTextChanged.connect(self._show_image)
        self.image_info = QtWidgets.QLabel()
        plot = pg.PlotItem()
        plot.setLabel("bottom", "x", units="µm")
        plot.setLabel("left", "y", units="µm")
        self.image_view = pg.ImageView(view=plot)
        plot.invertY(False)  # ImageView inverts it for pixel images; ours are in µm with y upwards
        images_tab = QtWidgets.QWidget()
        images_layout = QtWidgets.QVBoxLayout(images_tab)
        picker = QtWidgets.QHBoxLayout()
        picker.addWidget(self.image_box)
        picker.addWidget(self.image_info, 1)
        images_layout.addLayout(picker)
        images_layout.addWidget(self.image_view, 1)

        self.log_view = QtWidgets.QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)

        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self.summary_table, "Summary")
        self.tabs.addTab(self.data_view, "Data")
        self.tabs.addTab(self.figures_area, "Figures")
        self.tabs.addTab(images_tab, "Images")
        self.tabs.addTab(self.log_view, "Log")

        details = QtWidgets.QWidget()
        details_layout = QtWidgets.QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.header_label)
        details_layout.addWidget(self.tabs, 1)

        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.root_label, 1)
        top.addWidget(self.refresh_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_label)

        self.refresh()

    # -- public API -------------------------------------------------------------------------------
    def runs(self) -> list[Path]:
        """The run folders listed, in table order (newest first)."""
        return [entry.path for entry in self._entries]

    def figure_names(self) -> list[str]:
        """The figures of the loaded run (file stems of figures/*.png)."""
        return list(self._figure_names)

    def current_run(self) -> Path | None:
        return self._current

    def set_root(self, root: str | Path) -> None:
        self.root = Path(root)
        self.refresh()

    def refresh(self) -> None:
        """Re-scan the root folder; the chosen run stays chosen (and is reloaded) if it is still there."""
        self.root_label.setText(f"Runs in {self.root}")
        previous = self._current
        try:
            folders = find_run_folders(self.root)
        except OSError as error:
            folders = []
            self._set_status(f"cannot list {self.root}: {error}")
        self._entries = sorted((read_entry(folder) for folder in folders), key=lambda e: e.sort_key, reverse=True)
        self.table.blockSignals(True)  # filling the table must not load runs one after the other
        self.table.setRowCount(0)
        for row, entry in enumerate(self._entries):
            self._insert_row(row, entry)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        if previous is not None and previous in self.runs():
            self.select(previous)
        elif previous is not None:
            self._clear_details()

    def add_folder(self, path: str | Path) -> None:
        """Show one (just finished) run without re-scanning; an already listed one is updated in place."""
        entry = read_entry(path)
        if entry.path in self.runs():
            row = self.runs().index(entry.path)
            self._entries[row] = entry
            self.table.blockSignals(True)
            self.table.removeRow(row)
            self._insert_row(row, entry)
            self.table.blockSignals(False)
            return
        keys = [e.sort_key for e in self._entries]
        row = next((i for i, key in enumerate(keys) if key < entry.sort_key), len(keys))
        self._entries.insert(row, entry)
        self.table.blockSignals(True)
        self._insert_row(row, entry)
        self.table.blockSignals(False)

    def select(self, path: str | Path) -> None:
        """Choose a run (listing it first if it is not yet) and load it."""
        path = Path(path)
        if path not in self.runs():
            self.add_folder(path)
        row = self.runs().index(path)
        if self.table.currentRow() == row and self._current == path:
            self.load(path)  # already selected: no selection change would reload it
        else:
            self.table.selectRow(row)

    def load(self, path: str | Path) -> None:
        """Show a run folder's summary, data, figures, images and log; problems go to the status label."""
        path = Path(path)
        self._current = path
        problems: list[str] = []
        folder = RunFolder(path)

        self.loaded_metadata = self._guarded(problems, folder.metadata_path.name, folder.read_metadata, {})
        self.loaded_summary = self._guarded(problems, folder.summary_path.name, folder.read_summary, {})
        self.header_label.setText(self._header(path, self.loaded_metadata))
        self._show_summary(self.loaded_summary, self.loaded_metadata)

        self.loaded_data = None
        if folder.data_path.exists():
            self.loaded_data = self._guarded(problems, folder.data_path.name, folder.read_data, None)
        else:
            problems.append(f"no {folder.data_path.name}")
        self.data_model.set_frame(self.loaded_data)
        if self.loaded_data is not None:
            self.data_view.resizeColumnsToContents()

        self._show_figures(folder, problems)

        self.loaded_images = self._guarded(problems, folder.images_path.name, folder.load_images, {})
        self.image_box.blockSignals(True)
        self.image_box.clear()
        self.image_box.addItems(sorted(self.loaded_images))
        self.image_box.blockSignals(False)
        self.image_view.clear()
        self.image_info.clear()
        if self.loaded_images:
            self._show_image(self.image_box.currentText())

        log_tail = self._guarded(problems, folder.log_path.name, lambda: folder.log_tail(LOG_TAIL_BYTES), "")
        self.log_view.setPlainText(log_tail)

        if self.loaded_metadata.get("error"):
            problems.insert(0, f"the run failed: {self.loaded_metadata['error']}")
        if "analysis_error" in self.loaded_summary:
            problems.insert(0, f"analysis failed: {self.loaded_summary['analysis_error']}")
        self._set_status("; ".join(problems) if problems else f"loaded {path.name}", error=bool(problems))
        self.run_loaded.emit(path)

    # -- internals -----------------------------------------------------------------------------------
    def _insert_row(self, row: int, entry: RunEntry) -> None:
        self.table.insertRow(row)
        try:
            folder_text = str(entry.path.relative_to(self.root))
        except ValueError:
            folder_text = str(entry.path)
        texts = (entry.started.strftime("%Y-%m-%d %H:%M:%S"), entry.procedure, entry.ended, entry.key_numbers,
                 folder_text)
        for column, text in enumerate(texts):
            item = QtWidgets.QTableWidgetItem(text)
            if entry.problems:
                item.setToolTip("\n".join(entry.problems))
            self.table.setItem(row, column, item)
        colour = ENDED_COLOURS.get(entry.ended)
        if colour:
            self.table.item(row, 2).setForeground(QtGui.QBrush(QtGui.QColor(colour)))

    def _selection_changed(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) == 1:
            self.load(self._entries[rows.pop()].path)

    @staticmethod
    def _guarded(problems: list[str], what: str, read, default):
        # A folder being written or damaged can fail in any reader (JSON, CSV, HDF5): report it, show the rest.
        try:
            return read()
        except FileNotFoundError:
            problems.append(f"no {what}")
        except Exception as error:  # whatever the file holds, the browser carries on
            problems.append(f"{what} unreadable: {type(error).__name__}: {error}")
        return default

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #c0392b;" if error else "")

    def _clear_details(self) -> None:
        self._current = None
        self.loaded_data, self.loaded_images, self.loaded_summary, self.loaded_metadata = None, {}, {}, {}
        self.header_label.clear()
        self.summary_table.setRowCount(0)
        self.data_model.set_frame(None)
        self._figure_names = []
        self._set_figures_widget(QtWidgets.QWidget())
        self.image_box.clear()
        self.image_view.clear()
        self.log_view.clear()

    @staticmethod
    def _header(path: Path, metadata: dict) -> str:
        if not metadata:
            return f"<b>{path.name}</b>"
        parts = [f"<b>{metadata.get('procedure', '?')}</b>", f"started {metadata.get('started', '?')}"]
        if metadata.get("status") == "running":
            parts.append("still running, or interrupted")
        else:
            parts.append(str(metadata.get("ended", "?")))
        if metadata.get("wall_time_s") is not None:
            parts.append(f"{metadata['wall_time_s']:.1f} s")
        if metadata.get("simulated"):
            parts.append("simulated bench")
        return " — ".join(parts)

    def _show_summary(self, summary: dict, metadata: dict) -> None:
        rows = [(key, _compact(value)) for key, value in summary.items()]
        parameters = metadata.get("parameters")
        if isinstance(parameters, dict) and parameters:
            rows.append(("parameters", ""))
            rows += [(f"  {key}", _compact(value)) for key, value in parameters.items()]
        self.summary_table.setRowCount(len(rows))
        bold = QtGui.QFont()
        bold.setBold(True)
        for row, (key, value) in enumerate(rows):
            key_item = QtWidgets.QTableWidgetItem(key)
            if key == "parameters" and not value:
                key_item.setFont(bold)
            self.summary_table.setItem(row, 0, key_item)
            self.summary_table.setItem(row, 1, QtWidgets.QTableWidgetItem(value))
        self.summary_table.resizeColumnToContents(0)

    def _set_figures_widget(self, widget: QtWidgets.QWidget) -> None:
        old = self.figures_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.figures_area.setWidget(widget)

    def _show_figures(self, folder: RunFolder, problems: list[str]) -> None:
        container = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(container)
        self._figure_names = []
        for png in folder.figure_paths().values():
            pixmap = QtGui.QPixmap(str(png))
            if pixmap.isNull():
                problems.append(f"figure {png.name} unreadable")
                continue
            if pixmap.width() > FIGURE_MAX_WIDTH:
                pixmap = pixmap.scaledToWidth(FIGURE_MAX_WIDTH, QtCore.Qt.TransformationMode.SmoothTransformation)
            caption = QtWidgets.QLabel(f"<b>{png.stem}</b>")
            picture = QtWidgets.QLabel()
            picture.setPixmap(pixmap)
            layout.addWidget(caption)
            layout.addWidget(picture)
            self._figure_names.append(png.stem)
        if not self._figure_names:
            layout.addWidget(QtWidgets.QLabel("no figures"))
        layout.addStretch(1)
        self._set_figures_widget(container)

    def _show_image(self, name: str) -> None:
        entry = self.loaded_images.get(name)
        if entry is None:
            return
        image = np.asarray(entry["image"])
        if image.ndim != 2:
            self.image_view.clear()
            self.image_info.setText(f"{name}: cannot show an image of shape {image.shape}")
            return
        pos, scale = (0.0, 0.0), (1.0, 1.0)
        x, y = entry.get("x_um"), entry.get("y_um")
        if x is not None and y is not None and np.size(x) == image.shape[1] and np.size(y) == image.shape[0]:
            (x0, dx), (y0, dy) = _pixel_geometry(np.asarray(x, float)), _pixel_geometry(np.asarray(y, float))
            pos, scale = (x0, y0), (dx, dy)
        # Stored row-major (rows are y): say so, rather than changing pyqtgraph's global axis order.
        self.image_view.setImage(image, axes={"y": 0, "x": 1}, pos=pos, scale=scale)
        attributes = [f"{key} = {_compact(value)}" for key, value in entry.items()
                      if key not in ("image", "x_um", "y_um") and np.size(value) == 1]
        self.image_info.setText(f"{image.shape[1]} × {image.shape[0]} px; " + ", ".join(attributes))


def _pixel_geometry(centres: np.ndarray) -> tuple[float, float]:
    """(edge of the first pixel, pixel size) from pixel centres; a single pixel gets size 1."""
    step = float(centres[1] - centres[0]) if centres.size > 1 else 1.0
    step = step if step != 0 else 1.0
    return float(centres[0]) - step / 2, step
