"""Manual control: a laser's power and emission, the galvo, a live count rate and a live confocal view, by hand.

Everything goes through the roles, on the :class:`ManualWorker`'s thread, never
on the GUI thread: a power beyond the bench limit is refused with the bench's
own message before anything reaches the wire, and while "All lasers off" has
latched the lasers, emission and any power above zero are refused and the
panel says why.

Manual control and runs exclude each other:

- taking manual control is refused while a run is going; the read-outs that
  take nothing from the run stay on (the status panel, and here the count rate
  of the run's own last gate);
- while manual control is on, the queue is held: runs added wait, and the panel
  says how many; "Leave and start the queue" is the user's say-so to go on;
- leaving manual control (or closing the window) stops the read-outs, puts the
  bench in its safe state (every laser off, setpoint zero), and only then lets
  the queue go on.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtWidgets

from .live_plots import ImagePanel
from .manual_worker import ManualWorker, ViewRegion

HOLDER = "manual control"
#: Count-rate readings kept for the strip chart.
STRIP_READINGS = 300
_ALARM = "color: #c0392b; font-weight: bold"
_OK = "color: #1e8449"


class ManualControl(QtWidgets.QWidget):
    """The manual-control tab of the bench window, for one bench and its run queue."""

    active_changed = QtCore.Signal(bool)

    def __init__(self, bench, queue, parent=None):
        super().__init__(parent)
        self.bench = bench
        self.queue = queue
        self.active = False
        self.leaving = False
        self._start_queue_after = False
        #: What the worker said, newest last: (ok, text), for the message line and for tests.
        self.messages: deque[tuple[bool, str]] = deque(maxlen=200)
        self.worker = ManualWorker(bench, parent=self)
        self.worker.done.connect(self._done)
        self.worker.refused.connect(self._refused)
        self.worker.count.connect(self._count)
        self.worker.view_rows.connect(self._view_rows)
        self.worker.readout_changed.connect(self._readout_changed)
        self.worker.safe.connect(self._safe)
        self.readout = ""  # the read-out the worker runs now
        self._status: dict = {}

        self.take_button = QtWidgets.QPushButton("Take manual control")
        self.take_button.setCheckable(True)
        self.take_button.clicked.connect(lambda checked: self.take_control() if checked else self.leave_control())
        self.start_queue_button = QtWidgets.QPushButton("Leave manual control and start the queue")
        self.start_queue_button.clicked.connect(lambda: self.leave_control(start_queue=True))
        self.start_queue_button.hide()
        self.state = QtWidgets.QLabel()
        self.state.setWordWrap(True)
        self.banner = QtWidgets.QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #c0392b; color: white; font-weight: bold; padding: 6px")
        self.banner.hide()
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)

        self.controls: list[QtWidgets.QWidget] = []  # enabled only under manual control
        left = QtWidgets.QVBoxLayout()
        left.addWidget(self._laser_group())
        left.addWidget(self._galvo_group())
        left.addWidget(self._count_group(), 1)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self._view_group(), 1)
        columns = QtWidgets.QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)

        header = QtWidgets.QHBoxLayout()
        header.addWidget(self.take_button)
        header.addWidget(self.start_queue_button)
        header.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.state)
        layout.addWidget(self.banner)
        layout.addLayout(columns, 1)
        layout.addWidget(self.message)

        self.queue.changed.connect(self._show_state)
        self._timer = QtCore.QTimer(self, interval=100)  # the latch banner and the view (no instrument calls)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._laser_chosen()
        self._show_state()

    # -- building -------------------------------------------------------------------------------
    def _control(self, widget):
        self.controls.append(widget)
        return widget

    def _laser_group(self) -> QtWidgets.QGroupBox:
        group = QtWidgets.QGroupBox("Laser")
        form = QtWidgets.QFormLayout(group)
        self.laser_picker = QtWidgets.QComboBox()
        for name, laser in self.bench.lasers.items():
            self.laser_picker.addItem(f"{name} ({laser.wavelength_nm:g} nm)", name)
        self.laser_picker.currentIndexChanged.connect(self._laser_chosen)
        self.power = self._control(QtWidgets.QDoubleSpinBox())
        # Not clamped to the limit: the bench refuses a power beyond it, with its own message.
        self.power.setRange(0.0, 1e4)
        self.power.setDecimals(5)
        self.power.setSingleStep(0.001)
        self.power.setSuffix(" W")
        self.power.setKeyboardTracking(False)
        self.intensity = self._control(QtWidgets.QDoubleSpinBox())
        self.intensity.setRange(0.0, 1e7)
        self.intensity.setDecimals(3)
        self.intensity.setSuffix(" kW/cm²")
        self.intensity.setKeyboardTracking(False)
        self.power.valueChanged.connect(self._power_typed)
        self.intensity.valueChanged.connect(self._intensity_typed)
        self.limit_label = QtWidgets.QLabel()
        self.laser_now = QtWidgets.QLabel("—")
        self.laser_now.setWordWrap(True)
        self.set_power_button = self._control(QtWidgets.QPushButton("Set power"))
        self.set_power_button.clicked.connect(lambda: self.set_power(self.power.value()))
        self.emission_on_button = self._control(QtWidgets.QPushButton("Emission on"))
        self.emission_on_button.clicked.connect(lambda: self.set_emission(True))
        self.emission_off_button = self._control(QtWidgets.QPushButton("Emission off"))
        self.emission_off_button.clicked.connect(lambda: self.set_emission(False))
        form.addRow("Laser:", self.laser_picker)
        form.addRow("Power:", self.power)
        form.addRow("Peak intensity:", self.intensity)
        form.addRow("", self.limit_label)
        form.addRow(_row(self.set_power_button, self.emission_on_button, self.emission_off_button))
        form.addRow("Now:", self.laser_now)
        return group

    def _galvo_group(self) -> QtWidgets.QGroupBox:
        group = QtWidgets.QGroupBox("Galvo")
        form = QtWidgets.QFormLayout(group)
        self.scanner_picker = QtWidgets.QComboBox()
        self.scanner_picker.addItems(list(self.bench.by_role("scanner")))
        reach = max((scanner.range_um for scanner in self.bench.by_role("scanner").values()), default=0.0)
        self.galvo_x, self.galvo_y = (self._control(_micrometres(2 * reach)) for _ in range(2))
        self.move_button = self._control(QtWidgets.QPushButton("Move"))
        self.move_button.clicked.connect(lambda: self.move_galvo(self.galvo_x.value(), self.galvo_y.value()))
        self.galvo_now = QtWidgets.QLabel("—")
        form.addRow("Scanner:", self.scanner_picker)
        form.addRow("x:", self.galvo_x)
        form.addRow("y:", self.galvo_y)
        form.addRow("", QtWidgets.QLabel(f"field ±{reach:g} µm"))
        form.addRow(self.move_button)
        form.addRow("Now:", self.galvo_now)
        group.setEnabled(bool(self.bench.by_role("scanner")))
        return group

    def _count_group(self) -> QtWidgets.QGroupBox:
        group = QtWidgets.QGroupBox("Count rate")
        layout = QtWidgets.QVBoxLayout(group)
        form = QtWidgets.QFormLayout()
        self.counter_picker = QtWidgets.QComboBox()
        for name, counter in self.bench.by_role("photon_counter").items():
            self.counter_picker.addItem(f"{name} ({counter.band})", name)
        self.gate = self._control(QtWidgets.QDoubleSpinBox())
        self.gate.setRange(0.001, 2.0)
        self.gate.setDecimals(3)
        self.gate.setValue(0.1)
        self.gate.setSuffix(" s")
        self.count_button = self._control(QtWidgets.QPushButton("Start counting"))
        self.count_button.setCheckable(True)
        self.count_button.clicked.connect(lambda checked: self.start_counting() if checked else self.stop_readout())
        form.addRow("Detector:", self.counter_picker)
        form.addRow("Gate:", self.gate)
        form.addRow(self.count_button)
        self.rate_label = QtWidgets.QLabel("—")
        self.rate_label.setStyleSheet("font-size: 20px; font-weight: bold")
        self.rate_detail = QtWidgets.QLabel("")
        self.rate_detail.setWordWrap(True)
        self.strip = pg.PlotWidget()
        self.strip.setLabel("left", "Above dark (/s)")
        self.strip.setLabel("bottom", "Bench time (s)")
        self.strip.setMinimumHeight(140)
        self.strip_curve = self.strip.plot(pen=pg.mkPen("#1f77b4", width=2))
        self.strip_band = pg.ErrorBarItem(x=np.array([]), y=np.array([]), height=np.array([]), beam=0,
                                          pen=pg.mkPen("#1f77b4", width=1))
        self.strip.addItem(self.strip_band)
        self.readings: deque[tuple[float, float, float]] = deque(maxlen=STRIP_READINGS)  # time, net, sigma
        layout.addLayout(form)
        layout.addWidget(self.rate_label)
        layout.addWidget(self.rate_detail)
        layout.addWidget(self.strip, 1)
        return group

    def _view_group(self) -> QtWidgets.QGroupBox:
        group = QtWidgets.QGroupBox("Live confocal view")
        layout = QtWidgets.QVBoxLayout(group)
        reach = max((scanner.range_um for scanner in self.bench.by_role("scanner").values()), default=0.0)
        self.view_x, self.view_y = (self._control(_micrometres(reach)) for _ in range(2))
        self.view_width = self._control(_micrometres(2 * reach, minimum=0.05))
        self.view_width.setValue(min(4.0, 2 * reach) if reach else 0.05)
        self.view_pixels = self._control(QtWidgets.QSpinBox())
        self.view_pixels.setRange(4, 256)
        self.view_pixels.setValue(32)
        self.view_dwell = self._control(QtWidgets.QDoubleSpinBox())
        self.view_dwell.setDecimals(5)
        self.view_dwell.setRange(1e-5, 0.1)
        self.view_dwell.setSingleStep(0.0005)
        self.view_dwell.setValue(0.002)
        self.view_dwell.setSuffix(" s")
        self.centre_button = self._control(QtWidgets.QPushButton("Centre on the beam"))
        self.centre_button.clicked.connect(self._centre_on_beam)
        self.view_button = self._control(QtWidgets.QPushButton("Start view"))
        self.view_button.setCheckable(True)
        self.view_button.clicked.connect(lambda checked: self.start_view() if checked else self.stop_readout())
        grid = QtWidgets.QGridLayout()
        for col, (caption, widget) in enumerate((("Centre x", self.view_x), ("y", self.view_y),
                                                 ("Width", self.view_width))):
            grid.addWidget(QtWidgets.QLabel(caption), 0, 2 * col)
            grid.addWidget(widget, 0, 2 * col + 1)
        for col, (caption, widget) in enumerate((("Pixels", self.view_pixels), ("Dwell", self.view_dwell))):
            grid.addWidget(QtWidgets.QLabel(caption), 1, 2 * col)
            grid.addWidget(widget, 1, 2 * col + 1)
        grid.addWidget(self.centre_button, 1, 4)
        grid.addWidget(self.view_button, 1, 5)
        self.image = ImagePanel()
        self.image.picker.hide()
        self.image.view.scene.sigMouseClicked.connect(self._image_clicked)
        self.view_label = QtWidgets.QLabel(
            "The lasers as set on the left light the view; double-click the image to aim the galvo there. The "
            "avalanche takes time to build: a pixel dwell shorter than its rise time (tens of ms near threshold, "
            "a few ms far above) shows the particles faint or not at all.")
        self.view_label.setWordWrap(True)
        layout.addLayout(grid)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.view_label)
        self._view_axes: tuple[np.ndarray, np.ndarray] | None = None
        group.setEnabled(bool(self.bench.by_role("scanner")) and bool(self.bench.by_role("photon_counter")))
        return group

    # -- taking and leaving control ---------------------------------------------------------------
    def take_control(self) -> bool:
        """Hold the queue and enable the controls; refused (False) while a run is going."""
        if self.active and not self.leaving:
            return True
        if self.leaving or not self.queue.hold(HOLDER, "manual control"):
            self._say(False, "Refused: a run is going. Manual control is possible once it has ended "
                      "(abort it from the queue if need be).")
            self._show_state()
            return False
        self.active = True
        self._say(True, "Manual control taken: runs wait until you leave it.")
        self._show_state()
        self.active_changed.emit(True)
        return True

    def leave_control(self, *, start_queue: bool = False) -> None:
        """Stop the read-outs and put the bench in its safe state; then the queue may go on."""
        if not self.active or self.leaving:
            return
        self.leaving = True
        self._start_queue_after = start_queue
        self.worker.make_safe()
        self._show_state()

    def close_worker(self, timeout_s: float = 10.0) -> bool:
        """End the worker (after the safe state) and let the queue go; for the window's shutdown."""
        self._timer.stop()
        ended = self.worker.close(timeout_s, safe_state=True)
        self.queue.release(HOLDER)
        self.active = False
        return ended

    # -- what the controls ask (each one a command for the worker) ---------------------------------
    @property
    def laser_name(self) -> str:
        return self.laser_picker.currentData() or ""

    @property
    def counter_name(self) -> str:
        return self.counter_picker.currentData() or ""

    @property
    def scanner_name(self) -> str:
        return self.scanner_picker.currentText()

    def _allowed(self, what: str) -> bool:
        if self.active and not self.leaving:
            return True
        self._say(False, f"Refused ({what}): take manual control first.")
        return False

    def set_power(self, watts: float) -> None:
        """Set the chosen laser's power (W) through its role: the bench limit and the latch apply."""
        if self._allowed("power"):
            laser = self.bench.laser(self.laser_name)
            self.worker.submit(f"{laser.name}: power {watts:.6g} W", lambda: laser.set_power(watts))

    def set_intensity(self, kw_cm2: float) -> None:
        """Set the chosen laser's power for a peak intensity at the sample, by the bench calibration."""
        self.set_power(self.bench.beam_power_for_intensity(self.laser_name, kw_cm2))

    def set_emission(self, on: bool) -> None:
        if self._allowed("emission"):
            laser = self.bench.laser(self.laser_name)
            if on:
                self.worker.submit(f"{laser.name}: emission on", laser.emission_on)
            else:
                self.worker.submit(f"{laser.name}: emission off", laser.emission_off)

    def move_galvo(self, x_um: float, y_um: float) -> None:
        if self._allowed("galvo"):
            self.worker.move(self.scanner_name, x_um, y_um)

    def start_counting(self) -> None:
        if self._allowed("count rate"):
            self.readings.clear()
            self.worker.start_count(self.counter_name, self.gate.value())
        else:
            self.count_button.setChecked(False)

    def start_view(self) -> None:
        if not self._allowed("live view"):
            self.view_button.setChecked(False)
            return
        region = ViewRegion(self.scanner_name, self.counter_name, self.view_x.value(), self.view_y.value(),
                            self.view_width.value(), self.view_pixels.value(), self.view_dwell.value())
        self._view_axes = region.axes()
        self.image.reset()
        self.view_label.setText(f"starting a {region.pixels} x {region.pixels} view of {region.width_um:g} µm…")
        self.worker.start_view(region)

    def stop_readout(self) -> None:
        self.worker.stop_readout()

    # -- what comes back (GUI thread) ------------------------------------------------------------
    @QtCore.Slot(dict)
    def show_status(self, status: dict) -> None:
        """One reading of the status poller: what the lasers, galvo and detectors are doing now."""
        self._status = status
        readings = status.get("instruments", {})
        laser = readings.get(self.laser_name)
        if laser is not None:
            on = bool(laser.get("emission"))
            power = laser.get("power_w")
            setpoint = _watts(laser.get("power_setpoint_w"))
            text = f"emission {'ON' if on else 'off'}, {_watts(power)} (setpoint {setpoint})"
            if power is not None:
                text += f", {self._intensity_of(power)} at the sample"
            self.laser_now.setText(text)
            self.laser_now.setStyleSheet(_ALARM if on else "")
        galvo = readings.get(self.scanner_name)
        if galvo is not None and galvo.get("x_um") is not None:
            self.galvo_now.setText(f"x {galvo['x_um']:.3f} µm, y {galvo['y_um']:.3f} µm")
        counter = readings.get(self.counter_name)
        if counter is not None and self.queue.current is not None and counter.get("last_rate_s") is not None:
            # A run is going: its own last gate, read from the role's memory (nothing is taken from the run).
            self._show_rate(counter["last_rate_s"], None, counter.get("max_count_rate_s"), "the run's last gate")

    def _done(self, description: str, result) -> None:
        self._say(True, f"✓ {description}")

    def _refused(self, description: str, why: str) -> None:
        self._say(False, f"Refused ({description}): {why}")

    def _readout_changed(self, kind: str) -> None:
        self.readout = kind
        self.count_button.setChecked(kind == "count")
        self.count_button.setText("Stop counting" if kind == "count" else "Start counting")
        self.view_button.setChecked(kind == "view")
        self.view_button.setText("Stop view" if kind == "view" else "Start view")

    def _count(self, reading: dict) -> None:
        dark = float(reading.get("dark_rate_s") or 0.0)
        net = reading["rate_s"] - dark
        sigma = np.sqrt(max(reading["counts"], 1)) / reading["gate_s"]  # Poisson
        self.readings.append((float(reading["time_s"]), net, sigma))
        self._show_rate(reading["rate_s"], sigma, reading.get("max_rate_s"), f"{reading['gate_s']:g} s gate",
                        dark=dark)
        times, nets, sigmas = (np.array(column) for column in zip(*self.readings))
        self.strip_curve.setData(times, nets)
        self.strip_band.setData(x=times, y=nets, height=2 * sigmas)

    def _show_rate(self, rate: float, sigma: float | None, top: float | None, source: str, *,
                   dark: float | None = None) -> None:
        dark = self._dark_rate() if dark is None else dark
        net = rate - dark
        self.rate_label.setText(f"{_rate(net)} above dark" + (f" ± {_rate(sigma)}" if sigma is not None else ""))
        detail = f"raw {_rate(rate)}, dark {_rate(dark)} (bench calibration); {source}"
        saturated = bool(top) and rate > top
        if top:
            detail += f"; {rate / top:.0%} of the detector's maximum"
        self.rate_detail.setText(("SATURATED: " if saturated else "") + detail)
        self.rate_detail.setStyleSheet(_ALARM if saturated else "")

    def _view_rows(self, record: dict) -> None:
        self.image.add_rows({"name": "live view", **record})
        seen = f"frame {record['frame'] + 1}, rows {record['first_row'] + 1}-" \
               f"{record['first_row'] + record['rows'].shape[0]} of {record['shape'][0]}"
        self.view_label.setText(f"{seen}; double-click the image to aim the galvo there.")

    def _safe(self, problems: list) -> None:
        if not self.leaving:  # a safe state asked for by someone else (closing)
            return
        self.leaving = False
        self.active = False
        self.queue.release(HOLDER)
        if self._start_queue_after and self.queue.paused:
            self.queue.resume()
        self._start_queue_after = False
        text = "Left manual control: every laser off, setpoint zero."
        self._say(not problems, text + (f" Problems: {'; '.join(problems)}" if problems else ""))
        self._show_state()
        self.active_changed.emit(False)

    def _tick(self) -> None:
        latch = self.bench.latch  # an Event, not an instrument
        if latch.engaged:
            self.banner.setText(f"LASERS LATCHED OFF ({latch.reason}): emission and any power above zero are "
                                "refused until the latch is released.")
            self.banner.show()
        else:
            self.banner.hide()
        self.image.redraw()

    def _show_state(self) -> None:
        running = self.queue.current is not None
        waiting = len(self.queue.pending)
        if self.leaving:
            text = "Leaving manual control: stopping the read-outs, every laser to its safe state…"
        elif self.active:
            text = ("Manual control: runs wait until you leave it; leaving puts every laser in its safe state."
                    + (f" {waiting} run{'s' if waiting != 1 else ''} waiting." if waiting else ""))
        elif running:
            text = ("A run is going: manual control is refused until it ends. The count rate below is the "
                    "run's own last gate (nothing is taken from the run).")
        else:
            text = ("Manual control is off. Take it to drive a laser, the galvo and the detectors by hand; "
                    "runs wait while you do.")
        self.state.setText(text)
        self.take_button.setChecked(self.active)
        self.take_button.setText("Leave manual control" if self.active else "Take manual control")
        self.take_button.setEnabled(not self.leaving and (self.active or not running))
        self.start_queue_button.setVisible(self.active and not self.leaving and waiting > 0)
        for widget in self.controls:
            widget.setEnabled(self.active and not self.leaving)

    def _say(self, ok: bool, text: str) -> None:
        self.messages.append((ok, text))
        self.message.setText(text)
        self.message.setStyleSheet(_OK if ok else _ALARM)

    # -- conversions (bench calibration; no instrument) -------------------------------------------
    def _laser_chosen(self, *_) -> None:
        name = self.laser_name
        if not name:
            return
        laser = self.bench.laser(name)
        top = laser.limits.max_power_w
        self.limit_label.setText(f"limit {top:g} W = {self._intensity_of(top)} at the sample")
        self._power_typed(self.power.value())

    def _intensity_of(self, watts: float) -> str:
        try:
            return f"{self.bench.peak_intensity_kw_cm2(self.laser_name, watts):.4g} kW/cm²"
        except (ValueError, KeyError):
            return "—"

    def _power_typed(self, watts: float) -> None:
        if not self.laser_name:
            return
        with QtCore.QSignalBlocker(self.intensity):
            self.intensity.setValue(self.bench.peak_intensity_kw_cm2(self.laser_name, watts))

    def _intensity_typed(self, kw_cm2: float) -> None:
        if not self.laser_name:
            return
        try:
            watts = self.bench.beam_power_for_intensity(self.laser_name, kw_cm2)
        except ValueError as error:  # no transmission to the sample in the calibration
            self._say(False, str(error))
            return
        with QtCore.QSignalBlocker(self.power):
            self.power.setValue(watts)

    def _dark_rate(self) -> float:
        name = self.counter_name
        return float(self.bench.photon_counter(name).dark_count_rate_s) if name else 0.0

    def _centre_on_beam(self) -> None:
        galvo = self._status.get("instruments", {}).get(self.scanner_name, {})
        if galvo.get("x_um") is not None:
            self.view_x.setValue(galvo["x_um"])
            self.view_y.setValue(galvo["y_um"])

    def _image_clicked(self, event) -> None:
        if not event.double() or self._view_axes is None:
            return
        where = self.image.position_at(event.scenePos())
        x, y = self._view_axes
        if where is None or not (x.min() <= where[0] <= x.max() and y.min() <= where[1] <= y.max()):
            return
        self.galvo_x.setValue(where[0])
        self.galvo_y.setValue(where[1])
        self._say(True, f"Galvo target set from the image ({where[0]:.3f}, {where[1]:.3f}) µm: press Move to "
                  "park the beam there.")


def _micrometres(reach: float, minimum: float | None = None) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setDecimals(3)
    box.setRange(-reach if minimum is None else minimum, reach)
    box.setSingleStep(0.1)
    box.setSuffix(" µm")
    return box


def _row(*widgets) -> QtWidgets.QWidget:
    box = QtWidgets.QWidget()
    layout = QtWidgets.QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _watts(value) -> str:
    if value is None:
        return "—"
    watts = float(value)
    return f"{watts:.4g} W" if watts >= 0.1 or watts == 0 else f"{watts * 1e3:.4g} mW"


def _rate(per_s: float | None) -> str:
    if per_s is None:
        return "—"
    size = abs(per_s)
    if size >= 1e6:
        return f"{per_s / 1e6:.3g} Mcounts/s"
    if size >= 1e3:
        return f"{per_s / 1e3:.3g} kcounts/s"
    return f"{per_s:.0f} counts/s"
