"""Live plots of a run as it records: S-curve and local slope, rise traces, temperature, images.

Each panel collects rows as they come and redraws on a timer (at most
``REDRAW_HZ`` times a second, only if something changed), so a run of 10^5
points is drawn a few times a second, not 10^5 times; long curves are
decimated by pyqtgraph (peak-preserving, clipped to the view).  A view is
picked for each procedure by the columns and images it records.

The plots follow the run folder's figures (``procedures.figures``): the
S-curve is the count rate above the dark rate the run measured, with Poisson
error bars, and no reading is left out: one at or below the dark rate is drawn
at its 1-sigma noise as an open downward triangle (an upper limit), as in the
files' figures; the local slope has its regression error bars; rise traces
are the fraction of the rise above the pre-step baseline.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.procedures import passi_scan, rise_time, thermometry
from anplab.procedures.analysis.slope import local_slope
from anplab.procedures.records import batch_rows

REDRAW_HZ = 10
_PENS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def _curve(plot: pg.PlotItem, **style) -> pg.PlotDataItem:
    item = plot.plot(**style)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    return item


class _Columns:
    """Growing columns of numbers, appended row by row, read as arrays."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names
        self._chunks: list[np.ndarray] = []
        self._pending: list[tuple] = []

    def add(self, values: tuple) -> None:
        self._pending.append(values)

    def arrays(self) -> dict[str, np.ndarray]:
        if self._pending:
            self._chunks.append(np.asarray(self._pending, dtype=float).reshape(-1, len(self.names)))
            self._pending = []
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        table = self._chunks[0] if self._chunks else np.empty((0, len(self.names)))
        return {name: table[:, k] for k, name in enumerate(self.names)}

    def __len__(self) -> int:
        return sum(len(chunk) for chunk in self._chunks) + len(self._pending)


class SCurvePanel(pg.GraphicsLayoutWidget):
    """Emission above the dark rate against pump intensity on log-log axes, with the local slope below.

    The emission is the count rate less the mean of the run's dark readings (as in the run's
    figure), with Poisson error bars sqrt(N)/gate where the counts are known (up to
    ``SLOPE_POINTS`` readings; beyond, a bar per point would be a solid band).  The slope
    S = dlnI/dlnP is the analysis' own (``analysis.slope.local_slope``: local regression, noise
    left out) above the same dark level; past ``SLOPE_POINTS`` readings it is taken on
    log-spaced bins, so it stays quick for a run of any length.
    """

    SLOPE_POINTS = 2000

    def __init__(self, accepts=lambda row: True, parent=None):
        super().__init__(parent)
        self.accepts = accepts  # which rows are S-curve readings (not trace bins or image summaries)
        self.curve_plot = self.addPlot(row=0, col=0, title="S-curve")
        self.curve_plot.setLogMode(x=True, y=True)
        self.curve_plot.setLabel("left", "Count rate above dark (/s)")
        self.slope_plot = self.addPlot(row=1, col=0, title="Local slope")
        self.slope_plot.setLogMode(x=True, y=False)
        self.slope_plot.setLabel("bottom", "Peak intensity (kW/cm²)")
        self.slope_plot.setLabel("left", "S")
        self.slope_plot.setXLink(self.curve_plot)
        self.points = _curve(self.curve_plot, pen=None, symbol="o", symbolSize=5, symbolBrush=_PENS[0])
        # Error bars are drawn in the plot's own (log10) coordinates: pyqtgraph does not log-transform them.
        self.error_bars = pg.ErrorBarItem(x=np.array([]), y=np.array([]), pen=pg.mkPen(_PENS[0], width=1), beam=0)
        self.curve_plot.addItem(self.error_bars)
        # Readings at or below the dark rate: at their 1-sigma noise, as upper limits (the figures' convention).
        self.limits = _curve(self.curve_plot, pen=None, symbol="t", symbolSize=7, symbolPen=pg.mkPen(_PENS[0]),
                             symbolBrush=None)
        self.legend = self.curve_plot.addLegend(offset=(-10, -10))
        self.legend.addItem(self.points, "above dark ±1σ (Poisson)")
        self.legend.addItem(self.limits, "at or below dark (drawn at 1σ noise)")
        self.slope = _curve(self.slope_plot, pen=pg.mkPen(_PENS[1], width=2), symbol="o", symbolSize=4,
                            symbolBrush=_PENS[1])
        self.slope_bars = pg.ErrorBarItem(x=np.array([]), y=np.array([]), pen=pg.mkPen(_PENS[1], width=1), beam=0)
        self.slope_plot.addItem(self.slope_bars)
        self.reset()

    def reset(self) -> None:
        self.data = _Columns(("intensity", "rate", "counts", "gate"))
        self.dark: list[float] = []
        self.points.setData([], [])
        self.limits.setData([], [])
        self.error_bars.setData(x=np.array([]), y=np.array([]), top=np.array([]), bottom=np.array([]))
        self.slope.setData([], [])
        self.slope_bars.setData(x=np.array([]), y=np.array([]), height=np.array([]))

    @property
    def dark_rate(self) -> float:
        """The dark level subtracted: the mean of the run's dark readings (0 before any)."""
        return float(np.mean(self.dark)) if self.dark else 0.0

    def add_row(self, row: dict) -> bool:
        intensity, rate = row.get("intensity_kw_cm2"), _rate(row)
        if intensity is None or rate is None or not self.accepts(row):
            return False
        if intensity <= 0:
            self.dark.append(rate)
        else:
            counts, gate = row.get("counts"), row.get("gate_s")
            self.data.add((intensity, rate, np.nan if counts is None else counts, np.nan if not gate else gate))
        return True

    def redraw(self) -> None:
        columns = self.data.arrays()
        net = columns["rate"] - self.dark_rate
        sigma = np.sqrt(np.maximum(columns["counts"], 1.0)) / columns["gate"]
        shown = net > 0
        self.points.setData(columns["intensity"][shown], net[shown])
        self._error_bars(columns["intensity"][shown], net[shown], sigma[shown])
        floor = np.where(np.isfinite(sigma) & (sigma > 0), sigma, net[shown].min() if shown.any() else 1.0)
        self.limits.setData(columns["intensity"][~shown], floor[~shown])
        table = pd.DataFrame({"intensity_kw_cm2": columns["intensity"], "count_rate_s": columns["rate"],
                              "counts": columns["counts"], "gate_s": columns["gate"]})
        if table[["counts", "gate_s"]].isna().any().any():
            table = table.drop(columns=["counts", "gate_s"])
        if len(table) > self.SLOPE_POINTS:
            table = _log_binned(table)
        if len(table) < 2:
            return
        slopes = local_slope(table, background=self.dark_rate, window=5)
        good = slopes["slope"].notna()
        x, y = slopes["intensity_kw_cm2"][good].to_numpy(), slopes["slope"][good].to_numpy()
        self.slope.setData(x, y)
        bars = slopes["slope_error"][good].to_numpy()
        known = np.isfinite(bars)
        self.slope_bars.setData(x=np.log10(x[known]), y=y[known], height=2 * bars[known])  # log x: see above


    def _error_bars(self, intensity: np.ndarray, net: np.ndarray, sigma: np.ndarray) -> None:
        """Poisson bars on the log axes: log10(net +- sigma), the lower end capped at a tenth of the value
        (a bar reaching zero would reach minus infinity), none where the counts are unknown."""
        known = np.isfinite(sigma)
        if intensity.size > self.SLOPE_POINTS or not known.any():
            self.error_bars.setData(x=np.array([]), y=np.array([]), top=np.array([]), bottom=np.array([]))
            return
        intensity, net, sigma = intensity[known], net[known], sigma[known]
        level = np.log10(net)
        self.error_bars.setData(x=np.log10(intensity), y=level, top=np.log10(net + sigma) - level,
                                bottom=level - np.log10(np.maximum(net - sigma, 0.1 * net)))


def _log_binned(table: pd.DataFrame, bins: int = 200) -> pd.DataFrame:
    """Readings pooled in log-spaced intensity bins (counts and gates summed where known)."""
    edges = np.geomspace(table.intensity_kw_cm2.min(), table.intensity_kw_cm2.max() * (1 + 1e-12), bins + 1)
    group = np.digitize(table.intensity_kw_cm2, edges)
    if "counts" in table:
        pooled = table.groupby(group).agg(intensity_kw_cm2=("intensity_kw_cm2", "mean"), counts=("counts", "sum"),
                                          gate_s=("gate_s", "sum"))
        pooled["count_rate_s"] = pooled.counts / pooled.gate_s
        return pooled.reset_index(drop=True)
    return table.groupby(group).mean().reset_index(drop=True)


class TracePanel(pg.PlotWidget):
    """Rise traces, one curve per intensity (the latest trace of each), as the run's figure draws them:
    the fraction of the rise, (counts - baseline) / (plateau - baseline), with the baseline the mean of
    the bins before the step and the plateau the mean of the last fifth (at least three bins)."""

    def __init__(self, parent=None):
        super().__init__(parent, title="Rise traces")
        self.setLabel("bottom", "Time after the step (s)")
        self.setLabel("left", "Fraction of the rise (dark subtracted)")
        self.legend = self.addLegend(offset=(-10, 10))
        self.traces: dict[tuple, dict[float, float]] = defaultdict(dict)
        self.curves: dict[tuple, pg.PlotDataItem] = {}

    def reset(self) -> None:
        for curve in self.curves.values():
            self.removeItem(curve)
        self.legend.clear()
        self.traces.clear()
        self.curves.clear()

    def add_row(self, row: dict) -> bool:
        if row.get("phase") != rise_time.RISE or row.get("time_s") is None:  # rise bins only, as the figure
            return False
        self.traces[(row["intensity_kw_cm2"], rise_time.RISE)][float(row["time_s"])] = _rate(row)
        return True

    def redraw(self) -> None:
        for key, trace in self.traces.items():
            if key not in self.curves:
                pen = pg.mkPen(_PENS[len(self.curves) % len(_PENS)], width=1.5)
                self.curves[key] = _curve(self.getPlotItem(), pen=pen, name=f"{key[0]:.3g} kW/cm²")
            times = np.fromiter(trace.keys(), float)
            order = np.argsort(times)
            times, rates = times[order], np.fromiter(trace.values(), float)[order]
            self.curves[key].setData(times, rise_fraction(times, rates))


def rise_fraction(times: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """A rise trace as the fraction of the rise: 0 at the pre-step baseline, 1 at the plateau (the run's
    figure's convention); the baseline is 0 when no bin precedes the step."""
    before = times < 0
    baseline = float(rates[before].mean()) if before.any() else 0.0
    plateau = float(rates[-max(3, rates.size // 5):].mean()) if rates.size else 0.0
    return (rates - baseline) / max(plateau - baseline, 1e-12)


class TemperaturePanel(pg.PlotWidget):
    """Cryostat temperature (and setpoint) against bench time."""

    def __init__(self, parent=None):
        super().__init__(parent, title="Temperature")
        self.setLabel("bottom", "Bench time (s)")
        self.setLabel("left", "Temperature (K)")
        self.reading = _curve(self.getPlotItem(), pen=pg.mkPen(_PENS[0], width=2))
        self.setpoint = _curve(self.getPlotItem(), pen=pg.mkPen(_PENS[1], style=QtCore.Qt.PenStyle.DashLine))
        self.reset()

    def reset(self) -> None:
        self.data = _Columns(("time", "temperature", "setpoint"))
        self.reading.setData([], [])
        self.setpoint.setData([], [])

    def add_row(self, row: dict) -> bool:
        kelvin = row.get("temperature_k")
        if kelvin is None or row.get("time_s") is None:
            return False
        setpoint = row.get("setpoint_k", row.get("temperature_setpoint_k", np.nan))
        self.data.add((row["time_s"], kelvin, np.nan if setpoint is None else setpoint))
        return True

    def redraw(self) -> None:
        columns = self.data.arrays()
        self.reading.setData(columns["time"], columns["temperature"])
        self.setpoint.setData(columns["time"], columns["setpoint"], connect="finite")


class ImagePanel(QtWidgets.QWidget):
    """Images of the run (pyqtgraph ImageView), filling in block by block while they are scanned.

    As in the run's figures, y points up and the axes are in µm where the record gives them
    (``x_um``, ``y_um``); an image without axes is drawn in pixels.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.picker = QtWidgets.QComboBox()
        self.plot = pg.PlotItem()
        self.plot.setLabel("bottom", "x (µm)")
        self.plot.setLabel("left", "y (µm)")
        self.view = pg.ImageView(view=self.plot)
        self.plot.invertY(False)  # ImageView inverts it for pixel images; ours have y upwards
        self.plot.setAspectLocked(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picker)
        layout.addWidget(self.view, 1)
        self.picker.activated.connect(self._picked)
        self.reset()

    def reset(self) -> None:
        self.images: dict[str, np.ndarray] = {}
        self.axes: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # x_um, y_um of the images that have them
        self._shown: str | None = None
        self._framed: str | None = None  # the image the view was last fitted to
        self._follow = True  # show the image being scanned, until the user picks another
        self._dirty = False
        self.picker.clear()
        self.view.clear()

    def add_rows(self, record: dict) -> None:
        name, (ny, nx) = record["name"], record["shape"]
        image = self.images.get(name)
        if image is None or image.shape != (ny, nx):
            image = self.images[name] = np.full((ny, nx), np.nan)
        rows = np.asarray(record["rows"], dtype=float)
        image[record["first_row"]:record["first_row"] + rows.shape[0]] = rows
        self._keep_axes(name, record, (ny, nx))
        self._latest(name)

    def add_image(self, record: dict) -> None:
        image = self.images[record["name"]] = np.asarray(record["image"], dtype=float)
        self._keep_axes(record["name"], record, image.shape)
        self._latest(record["name"])

    def _keep_axes(self, name: str, record: dict, shape: tuple[int, int]) -> None:
        x, y = record.get("x_um"), record.get("y_um")
        if x is not None and y is not None and np.size(x) == shape[1] and np.size(y) == shape[0]:
            self.axes[name] = (np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def add_pixel(self, name: str, row: int, col: int, value: float) -> None:
        """One pixel of an image built point by point (the dose written by photopatterning)."""
        image = self.images.get(name, np.full((1, 1), np.nan))
        if row >= image.shape[0] or col >= image.shape[1]:
            grown = np.full((max(row + 1, image.shape[0]), max(col + 1, image.shape[1])), np.nan)
            grown[:image.shape[0], :image.shape[1]] = image
            image = grown
        image[row, col] = value
        self.images[name] = image
        self._latest(name)

    def _latest(self, name: str) -> None:
        if self.picker.findText(name) < 0:
            self.picker.addItem(name)
        if self._follow:
            self._shown = name
            self.picker.setCurrentText(name)
        self._dirty = True

    def _picked(self, index: int) -> None:
        self._follow = False
        self._shown = self.picker.itemText(index)
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty or self._shown is None:
            return
        self._dirty = False
        image = self.images[self._shown]
        finite = image[np.isfinite(image)]
        levels = (float(finite.min()), float(finite.max()) if finite.max() > finite.min() else finite.min() + 1) \
            if finite.size else (0.0, 1.0)
        # ImageView takes (x, y) order; the rows of our images are y.
        first_time = self._framed != self._shown  # fit a new image to the view; then leave the user's zoom
        self._framed = self._shown
        self.view.setImage(np.nan_to_num(image, nan=levels[0]).T, autoRange=first_time, autoLevels=False,
                           levels=levels, autoHistogramRange=first_time, **self._placement(self._shown))

    def _placement(self, name: str) -> dict:
        """pos and scale putting each pixel's centre at its position in µm (pixels without axes)."""
        if name not in self.axes:
            return {"pos": (0.0, 0.0), "scale": (1.0, 1.0)}
        x, y = self.axes[name]
        dx = float(x[1] - x[0]) if x.size > 1 else 1.0
        dy = float(y[1] - y[0]) if y.size > 1 else 1.0
        return {"pos": (float(x[0]) - dx / 2, float(y[0]) - dy / 2), "scale": (dx, dy)}

    def position_at(self, scene_pos) -> tuple[float, float] | None:
        """Where (µm, or pixels for an image without axes) a point of the scene lies on the image shown."""
        if self._shown is None:
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        return float(point.x()), float(point.y())


#: Which rows of an experiment are readings of its S-curve (the others are trace bins, image summaries...).
_SCURVE_ROWS = {
    "rise-time": lambda row: row.get("phase") in (rise_time.LOCATE, rise_time.DARK),
    "thermometry": lambda row: row.get("kind") in (thermometry.SWEEP, thermometry.DARK),
    "passi-scan": lambda row: row.get("kind") in (passi_scan.SCURVE, passi_scan.DARK),
}

#: Panels shown for each procedure (others get the S-curve).
_PANELS = {
    "power-sweep": ("scurve",),
    "threshold": ("scurve",),
    "rise-time": ("scurve", "traces"),
    "thermometry": ("temperature", "scurve"),
    "hold-temperature": ("temperature",),
    "passi-scan": ("image", "scurve"),
    "photopatterning": ("image",),
}


class LiveView(QtWidgets.QWidget):
    """The live plots of one run, fed by ``add(topic, record)`` from the run queue's batches."""

    def __init__(self, procedure: str, parent=None):
        super().__init__(parent)
        self.procedure = procedure
        self.panels: dict[str, QtWidgets.QWidget] = {}
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        splitter = QtWidgets.QSplitter()
        layout.addWidget(splitter)
        for kind in _PANELS.get(procedure, ("scurve",)):
            if kind == "scurve":
                panel = SCurvePanel(_SCURVE_ROWS.get(procedure, lambda row: True))
            else:
                panel = {"traces": TracePanel, "temperature": TemperaturePanel, "image": ImagePanel}[kind]()
            self.panels[kind] = panel
            splitter.addWidget(panel)
        splitter.setSizes([1000] * len(self.panels))  # side by side, equal shares
        self._timer = QtCore.QTimer(self, interval=int(1000 / REDRAW_HZ))
        self._timer.timeout.connect(self.redraw)
        self.reset()

    def reset(self) -> None:
        """Empty, for the next run of the same experiment (building plots anew costs the GUI ~0.1 s)."""
        for panel in self.panels.values():
            panel.reset()
        self.rows = 0
        self._dirty = False
        self._timer.start()

    def add(self, topic: str, record) -> None:
        if topic == "results":
            self._add_row(record)
        elif topic == "batch results":
            for row in batch_rows(record):
                self._add_row(row)
        elif topic == "image rows" and "image" in self.panels:
            self.panels["image"].add_rows(record)
        elif topic == "image" and "image" in self.panels:
            self.panels["image"].add_image(record)

    def _add_row(self, row: dict) -> None:
        self.rows += 1
        for kind, panel in self.panels.items():
            if kind == "image":
                if "dose_j" in row and row.get("row") is not None:
                    panel.add_pixel("dose_j (live)", int(row["row"]), int(row["col"]), float(row["dose_j"]))
            elif panel.add_row(row):
                self._dirty = True

    def redraw(self) -> None:
        if "image" in self.panels:
            self.panels["image"].redraw()
        if not self._dirty:
            return
        self._dirty = False
        for kind, panel in self.panels.items():
            if kind != "image":
                panel.redraw()

    def stop(self) -> None:
        """The run has ended: a last redraw, then no more timer."""
        self.redraw()
        self._timer.stop()


def _rate(row: dict) -> float | None:
    if row.get("count_rate_s") is not None:
        return float(row["count_rate_s"])
    if row.get("counts") is not None and row.get("gate_s"):
        return float(row["counts"]) / float(row["gate_s"])
    return None
