"""The bench status panel: every instrument's state at a glance, read off the GUI thread.

``read_bench_status`` asks each instrument for its ``status()`` once (no Qt);
``StatusPoller`` does that on a timer in a thread of its own and emits the
result, so a slow or stuck instrument never freezes the window; ``StatusPanel``
shows it, with what an operator must not miss: lasers latched off, an
interlock open, a detector near saturation, a cryostat off its setpoint.

    poller = StatusPoller(bench)
    poller.status.connect(panel.show_status)
    poller.start()
    ...
    poller.stop()  # before the bench closes
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pyqtgraph.Qt import QtCore, QtWidgets

#: Temperature readings kept per controller (s of bench time), and how long they must stay in band to be stable.
HISTORY_S = 60.0
HOLD_S = 30.0
# Virtual bench time may stand still between reads: the history is bounded by count as well.
_MAX_READINGS = 1000

_OK = "color: #1e8449"
_WARN = "color: #d35400; font-weight: bold"
_ALARM = "color: #c0392b; font-weight: bold"

_FIELDS = {
    "laser": (("emission", "Emission"), ("power", "Power"), ("interlock", "Interlock")),
    "power_meter": (("power", "Power"), ("wavelength", "Wavelength")),
    "scanner": (("position", "Position"),),
    "photon_counter": (("rate", "Count rate"), ("saturation", "Saturation")),
    "temperature_controller": (("temperature", "Temperature"), ("setpoint", "Setpoint"), ("heater", "Heater"),
                               ("stability", "Stability")),
}


def read_bench_status(bench) -> dict[str, Any]:
    """Every instrument's status now: ``{"time_s", "latched", "latch_reason", "instruments", "errors"}``.

    An instrument whose ``status()`` raises is reported under ``errors`` (name -> message); this never raises.
    """
    out: dict[str, Any] = {"time_s": bench.clock.now(), "latched": bench.latch.engaged,
                           "latch_reason": bench.latch.reason, "instruments": {}, "errors": {}}
    for name, instrument in bench.instruments.items():
        role = bench.config.instruments[name].role
        try:
            status = dict(instrument.status())
        except Exception as error:  # one dead instrument must not blank the others
            out["errors"][name] = str(error) or type(error).__name__
            continue
        out["instruments"][name] = {"role": role, **status}
    return out


def temperature_stability(readings, now: float, band_k: float, hold_s: float = HOLD_S) -> tuple[str, str]:
    """("stable" | "settling" | "unstable" | "unknown", description) of ``(time_s, kelvin, setpoint_k)`` readings.

    Stable once every reading of the last ``hold_s`` is within ``band_k`` of its setpoint, and the readings reach
    back that far (the run watch's criterion); settling while in band for less; unstable while out of band.
    """
    readings = list(readings)
    if not readings:
        return "unknown", "no reading yet"
    recent = [kelvin for t, kelvin, _ in readings if t >= now - hold_s]
    spread = max(recent) - min(recent) if recent else 0.0
    _, kelvin, setpoint = readings[-1]
    if abs(kelvin - setpoint) > band_k:
        return "unstable", (f"unstable: {abs(kelvin - setpoint):.3g} K from setpoint (band ±{band_k:g} K, "
                            f"spread {spread:.3g} K)")
    inside_since = readings[-1][0]
    for t, kelvin, setpoint in reversed(readings):
        if abs(kelvin - setpoint) > band_k:
            break
        inside_since = t
    held = now - inside_since
    if held >= hold_s:
        return "stable", f"stable: within ±{band_k:g} K for {held:.0f} s (spread {spread:.3g} K)"
    return "settling", f"settling: in band for {held:.0f} of {hold_s:.0f} s (spread {spread:.3g} K)"


class StatusPoller(QtCore.QObject):
    """Reads the bench status every ``interval_ms`` in its own QThread and emits it as ``status``."""

    status = QtCore.Signal(dict)
    _stop_requested = QtCore.Signal()

    def __init__(self, bench, interval_ms: int = 500):
        super().__init__()  # no parent: an object with one cannot move to another thread
        self.bench = bench
        self.interval_ms = int(interval_ms)
        #: The thread of the last start() (kept after stop(), finished, so callers can check it ended).
        self.worker_thread: QtCore.QThread | None = None
        self._timer: QtCore.QTimer | None = None
        self._home: QtCore.QThread | None = None
        self._stop_requested.connect(self._end)

    @property
    def running(self) -> bool:
        return self.worker_thread is not None and self.worker_thread.isRunning()

    def start(self) -> None:
        """Start polling (the first read at once); does nothing if already polling."""
        if self.running:
            return
        self._home = self.thread()
        thread = QtCore.QThread()
        thread.setObjectName("anplab status poller")
        self.moveToThread(thread)
        thread.started.connect(self._begin)
        self.worker_thread = thread
        thread.start()

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Stop polling and wait for the thread to end, after the read in progress; True once it has ended."""
        thread = self.worker_thread
        if thread is None or not thread.isRunning():
            return True
        # Queued to the poller's thread: a timer can only be stopped from the thread it lives in.
        self._stop_requested.emit()
        return bool(thread.wait() if timeout_ms is None else thread.wait(int(timeout_ms)))

    @QtCore.Slot()
    def _begin(self) -> None:
        self._timer = QtCore.QTimer()
        # Single shot, re-armed after each read: a read slower than the interval delays the next one
        # instead of letting ticks queue up behind it.
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.interval_ms)
        self._timer.timeout.connect(self._tick)
        self._tick()

    @QtCore.Slot()
    def _tick(self) -> None:
        self.status.emit(read_bench_status(self.bench))
        if self._timer is not None:
            self._timer.start()

    @QtCore.Slot()
    def _end(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        # Back to the thread that started it, so it can be restarted or deleted there once this thread is gone.
        self.moveToThread(self._home)
        QtCore.QThread.currentThread().quit()


class StatusPanel(QtWidgets.QWidget):
    """One group per instrument of the bench config, updated by ``show_status`` (connect a StatusPoller to it).

    ``labels[name][field]`` are the value labels, ``text(name)`` an instrument's group as text, ``warnings()``
    what currently needs attention, ``banner`` the latched-off banner.
    """

    def __init__(self, config, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        config = getattr(config, "config", config)  # a Bench will do as well as its BenchConfig
        self.config = config
        self.band_k = float(config.watch.temperature.band_k)
        self.saturation_fraction = float(config.watch.saturation.fraction)
        self.labels: dict[str, dict[str, QtWidgets.QLabel]] = {}
        self.groups: dict[str, QtWidgets.QGroupBox] = {}
        #: Per temperature controller: (bench time s, K, setpoint K), the last HISTORY_S.
        self.history: dict[str, deque[tuple[float, float, float]]] = {}
        self._captions: dict[str, dict[str, str]] = {}
        self._warnings: dict[str, list[str]] = {}
        self._latch_warning: str | None = None

        layout = QtWidgets.QVBoxLayout(self)
        self.banner = QtWidgets.QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #c0392b; color: white; font-weight: bold; padding: 6px")
        self.banner.hide()
        layout.addWidget(self.banner)
        self.time_label = QtWidgets.QLabel("waiting for the first status…")
        layout.addWidget(self.time_label)
        for name, spec in config.instruments.items():
            group = QtWidgets.QGroupBox(_title(name, spec))
            form = QtWidgets.QFormLayout(group)
            labels, captions = {}, {}
            for key, caption in _FIELDS.get(spec.role, ()):
                labels[key], captions[key] = QtWidgets.QLabel("—"), caption
                form.addRow(caption + ":", labels[key])
            labels["error"] = QtWidgets.QLabel()
            labels["error"].setWordWrap(True)
            labels["error"].setStyleSheet(_ALARM)
            labels["error"].hide()
            form.addRow(labels["error"])
            self.labels[name], self._captions[name], self.groups[name] = labels, captions, group
            layout.addWidget(group)
        layout.addStretch(1)

    # -- for callers and tests ---------------------------------------------------------------
    def text(self, name: str) -> str:
        """The instrument's group as shown: "Caption: value" lines, and its error if it has one."""
        labels, captions = self.labels[name], self._captions[name]
        lines = [f"{captions[key]}: {label.text()}" for key, label in labels.items() if key != "error"]
        if not labels["error"].isHidden():
            lines.append(labels["error"].text())
        return "\n".join(lines)

    def warnings(self) -> list[str]:
        """What needs attention now: lasers latched off, interlocks open, saturation, cryostat off setpoint,
        instruments not answering."""
        out = [self._latch_warning] if self._latch_warning else []
        return out + [warning for name in self.labels for warning in self._warnings.get(name, [])]

    # -- updating --------------------------------------------------------------------------------
    @QtCore.Slot(dict)
    def show_status(self, status: dict) -> None:
        """Show one reading of ``read_bench_status``."""
        now = float(status.get("time_s") or 0.0)
        self.time_label.setText(f"bench time {now:.1f} s")
        if status.get("latched"):
            reason = status.get("latch_reason") or "emergency stop"
            self._latch_warning = f"lasers latched off: {reason}"
            self.banner.setText(f"LASERS LATCHED OFF ({reason}): no laser can emit until the latch is released.")
            self.banner.show()
        else:
            self._latch_warning = None
            self.banner.hide()
        errors = status.get("errors", {})
        readings = status.get("instruments", {})
        for name, labels in self.labels.items():
            error = labels["error"]
            if name in errors:
                error.setText(f"no status: {errors[name]}")
                error.show()
                self._set_stale(name, True)  # the values shown are the last ones that came in
                self._warnings[name] = [f"{name}: no status: {errors[name]}"]
            elif name in readings:
                error.hide()
                self._set_stale(name, False)
                reading = readings[name]
                show = getattr(self, f"_show_{reading.get('role', self.config.instruments[name].role)}", None)
                self._warnings[name] = show(name, reading, now) if show else []

    def _set_stale(self, name: str, stale: bool) -> None:
        for key, label in self.labels[name].items():
            if key != "error":
                label.setEnabled(not stale)

    def _show_laser(self, name: str, s: dict, now: float) -> list[str]:
        labels = self.labels[name]
        on = bool(s.get("emission"))
        _set(labels["emission"], "ON" if on else "off", _ALARM if on else "")
        _set(labels["power"], f"{_mw(s.get('power_w'))} (setpoint {_mw(s.get('power_setpoint_w'))})")
        ok = s.get("interlock_ok", True)
        _set(labels["interlock"], "OK" if ok else "OPEN", "" if ok else _ALARM)
        return [] if ok else [f"{name}: interlock open"]

    def _show_power_meter(self, name: str, s: dict, now: float) -> list[str]:
        labels = self.labels[name]
        _set(labels["power"], _mw(s.get("power_w")))
        wavelength = s.get("wavelength_nm")
        _set(labels["wavelength"], "—" if wavelength is None else f"{wavelength:g} nm")
        return []

    def _show_scanner(self, name: str, s: dict, now: float) -> list[str]:
        x, y = s.get("x_um"), s.get("y_um")
        _set(self.labels[name]["position"], "—" if x is None or y is None else f"x {x:.2f} µm, y {y:.2f} µm")
        return []

    def _show_photon_counter(self, name: str, s: dict, now: float) -> list[str]:
        labels = self.labels[name]
        rate, top = s.get("last_rate_s"), s.get("max_count_rate_s")
        _set(labels["rate"], "— (nothing counted yet)" if rate is None else _rate(rate))
        if rate is None or not top:
            _set(labels["saturation"], "—")
            return []
        share = rate / top
        if share > 1.0:
            _set(labels["saturation"], f"SATURATED ({share:.0%} of max {_rate(top)})", _ALARM)
            return [f"{name}: saturated ({share:.0%} of max count rate)"]
        if share > self.saturation_fraction:
            _set(labels["saturation"], f"near saturation ({share:.0%} of max {_rate(top)})", _WARN)
            return [f"{name}: near saturation ({share:.0%} of max count rate)"]
        _set(labels["saturation"], f"OK ({share:.0%} of max)")
        return []

    def _show_temperature_controller(self, name: str, s: dict, now: float) -> list[str]:
        labels = self.labels[name]
        kelvin, setpoint, heater = s.get("temperature_k"), s.get("setpoint_k"), s.get("heater_output_percent")
        _set(labels["temperature"], "—" if kelvin is None else f"{kelvin:.3f} K")
        _set(labels["setpoint"], "—" if setpoint is None else f"{setpoint:.3f} K")
        _set(labels["heater"], "—" if heater is None else f"{heater:.1f} %")
        if kelvin is None or setpoint is None:
            return []
        history = self.history.setdefault(name, deque(maxlen=_MAX_READINGS))
        if history and now < history[-1][0]:
            history.clear()  # the clock went back: another bench
        history.append((now, float(kelvin), float(setpoint)))
        while history[0][0] < now - HISTORY_S:
            history.popleft()
        state, description = temperature_stability(history, now, self.band_k)
        _set(labels["stability"], description, {"stable": _OK, "settling": _WARN, "unstable": _ALARM}.get(state, ""))
        return [f"{name}: cryostat {description}"] if state == "unstable" else []


def _title(name: str, spec) -> str:
    if spec.role == "laser":
        return f"{name}: laser, {spec.wavelength_nm:g} nm (max {spec.limits.max_power_w * 1e3:g} mW)"
    if spec.role == "photon_counter":
        return f"{name}: photon counter, {spec.band} band"
    return f"{name}: {spec.role.replace('_', ' ')}"


def _set(label: QtWidgets.QLabel, text: str, style: str = "") -> None:
    label.setText(text)
    if label.styleSheet() != style:  # restyling on every tick would re-polish the label for nothing
        label.setStyleSheet(style)


def _mw(watts: float | None) -> str:
    if watts is None:
        return "—"
    mw = watts * 1e3
    return f"{mw:.1f} mW" if abs(mw) >= 0.1 or mw == 0 else f"{mw:.3g} mW"


def _rate(per_s: float) -> str:
    if per_s >= 1e6:
        return f"{per_s / 1e6:.3g} Mcounts/s"
    if per_s >= 1e3:
        return f"{per_s / 1e3:.3g} kcounts/s"
    return f"{per_s:.0f} counts/s"
