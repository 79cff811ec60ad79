"""The manual-control tab on the simulated bench in virtual time (pytest-qt, offscreen).

Every role exchange of the bench is watched: which one, with what, on which thread.  The promises tried:
a power beyond the bench limit is refused with the bench's message and never reaches the driver; while
the lasers are latched off, emission and power are refused and the panel says why; no instrument is
called on the GUI thread; manual control and runs exclude each other; leaving manual control, "All
lasers off" and closing the window leave every laser off.
"""

import math
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anplab.gui import MainWindow
from anplab.instruments.retry import _exchanges
from anplab.procedures.base import open_bench
from anplab.widgets.manual_control import HOLDER

PUMP_LIMIT_W = 8.0  # pump_1064's limit in the built-in bench


class Exchanges:
    """Every role exchange (the ``_`` methods the roles talk to their drivers through), as it happens."""

    def __init__(self, bench):
        self.calls: list[tuple[str, str, tuple, bool]] = []  # instrument, exchange, args, on the GUI thread
        self._lock = threading.Lock()
        for name, role in bench.instruments.items():
            for method in _exchanges(type(role)):
                setattr(role, method, self._watch(name, method, getattr(role, method)))

    def _watch(self, instrument, method, inner):
        def call(*args, **kwargs):
            with self._lock:
                self.calls.append((instrument, method, args, threading.current_thread() is threading.main_thread()))
            return inner(*args, **kwargs)
        return call

    def of(self, instrument: str, method: str) -> list[tuple]:
        with self._lock:
            return [args for name, called, args, _ in self.calls if name == instrument and called == method]

    def on_gui_thread(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(name, method) for name, method, _, gui in self.calls if gui]


@pytest.fixture
def bench():
    bench = open_bench("simulated")
    yield bench
    bench.close()


@pytest.fixture
def exchanges(bench):
    return Exchanges(bench)  # before the window: the poller's first reads are watched too


@pytest.fixture
def window(qtbot, tmp_path, bench, exchanges):
    window = MainWindow(bench, tmp_path / "runs", poll_ms=100)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentIndex(1)
    yield window
    window.shutdown()


def answered(qtbot, panel, count_before: int, timeout: int = 10_000) -> tuple[bool, str]:
    """The worker's next reply after ``count_before`` replies: (ok, text)."""
    qtbot.waitUntil(lambda: len(panel.messages) > count_before, timeout=timeout)
    return panel.messages[count_before]


def ask(qtbot, panel, action, *args) -> tuple[bool, str]:
    before = len(panel.messages)
    action(*args)
    return answered(qtbot, panel, before)


def test_a_power_beyond_the_limit_is_refused_with_the_bench_message_before_the_wire(window, qtbot, exchanges):
    panel = window.manual
    assert panel.take_control()
    panel.laser_picker.setCurrentIndex(panel.laser_picker.findData("pump_1064"))
    ok, text = ask(qtbot, panel, panel.set_power, 9.0)
    assert not ok and "pump_1064: power 9 W is outside the bench limits 0..8 W" in text
    assert text in panel.message.text()
    assert exchanges.of("pump_1064", "_set_power_setpoint_w") == []  # nothing reached the driver
    assert window.bench.world.lasers["pump_1064"].setpoint_w == 0.0
    ok, text = ask(qtbot, panel, panel.set_power, 0.5)
    assert ok and exchanges.of("pump_1064", "_set_power_setpoint_w") == [(0.5,)]
    assert window.bench.world.lasers["pump_1064"].setpoint_w == pytest.approx(0.5, abs=0.002 * PUMP_LIMIT_W)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(watts=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                       st.floats(min_value=-1.0, max_value=2 * PUMP_LIMIT_W)))
def test_any_power_is_set_within_the_limits_or_refused_untouched(window, qtbot, exchanges, watts):
    panel = window.manual
    assert panel.take_control()
    world = window.bench.world.lasers["pump_1064"]
    before, wire_before = world.setpoint_w, len(exchanges.of("pump_1064", "_set_power_setpoint_w"))
    ok, text = ask(qtbot, panel, panel.set_power, watts)
    if math.isfinite(watts) and 0.0 <= watts <= PUMP_LIMIT_W:
        assert ok, text
        assert world.setpoint_w == pytest.approx(watts, abs=0.002 * PUMP_LIMIT_W)
    else:
        assert not ok and "outside the bench limits 0..8 W" in text
        assert world.setpoint_w == before
        assert len(exchanges.of("pump_1064", "_set_power_setpoint_w")) == wire_before


def test_the_intensity_box_is_the_bench_calibration_of_the_power(window):
    panel = window.manual
    panel.laser_picker.setCurrentIndex(panel.laser_picker.findData("pump_1064"))
    panel.power.setValue(0.616)
    assert panel.intensity.value() == pytest.approx(window.bench.peak_intensity_kw_cm2("pump_1064", 0.616), abs=1e-3)
    panel.intensity.setValue(30.0)
    assert panel.power.value() == pytest.approx(window.bench.beam_power_for_intensity("pump_1064", 30.0), abs=1e-5)
    assert "limit 8 W = 87.02 kW/cm²" in panel.limit_label.text()


def test_while_latched_emission_and_power_are_refused_and_the_panel_says_why(window, qtbot, exchanges):
    panel = window.manual
    assert panel.take_control()
    assert ask(qtbot, panel, panel.set_power, 1.0)[0]
    assert ask(qtbot, panel, panel.set_emission, True)[0]
    qtbot.waitUntil(lambda: window.bench.world.lasers["pump_1064"].emitting, timeout=5_000)
    window.all_lasers_off()
    qtbot.waitUntil(lambda: window.bench.world.all_lasers_off(), timeout=5_000)
    qtbot.waitUntil(lambda: panel.banner.isVisible(), timeout=2_000)
    assert "LATCHED OFF (All lasers off pressed)" in panel.banner.text()
    wire_before = len(exchanges.of("pump_1064", "_set_emission"))
    ok, text = ask(qtbot, panel, panel.set_emission, True)
    assert not ok and "latched off (All lasers off pressed); release the latch first" in text
    ok, text = ask(qtbot, panel, panel.set_power, 2.0)
    assert not ok and "latched off" in text
    assert len(exchanges.of("pump_1064", "_set_emission")) == wire_before  # refused before the wire
    assert not window.bench.world.lasers["pump_1064"].emitting
    assert ask(qtbot, panel, panel.set_power, 0.0)[0]  # turning down is always allowed
    window.release_latch()
    qtbot.waitUntil(lambda: not panel.banner.isVisible(), timeout=2_000)
    assert ask(qtbot, panel, panel.set_power, 1.0)[0] and ask(qtbot, panel, panel.set_emission, True)[0]
    assert window.bench.world.lasers["pump_1064"].emitting


def test_nothing_is_asked_of_an_instrument_on_the_gui_thread(window, qtbot, exchanges):
    panel = window.manual
    assert panel.take_control()
    for action, args in ((panel.set_power, (1.5,)), (panel.set_emission, (True,)), (panel.move_galvo, (3.0, -2.0)),
                         (panel.set_power, (99.0,)), (panel.set_emission, (False,))):
        ask(qtbot, panel, action, *args)
    panel.start_counting()
    qtbot.waitUntil(lambda: len(panel.readings) >= 3, timeout=10_000)
    panel.view_pixels.setValue(8)
    panel.start_view()
    qtbot.waitUntil(lambda: "live view" in panel.image.images, timeout=10_000)
    panel.leave_control()
    qtbot.waitUntil(lambda: not panel.active, timeout=10_000)
    window.shutdown()
    called = {(name, method) for name, method, _, _ in exchanges.calls}
    assert {("pump_1064", "_set_power_setpoint_w"), ("pump_1064", "_set_emission"), ("galvo", "_set_volts"),
            ("spad", "_count"), ("galvo", "_run_waveform")} <= called
    assert exchanges.on_gui_thread() == []


def test_manual_control_is_refused_while_a_run_is_going(window, qtbot):
    window.form.select("power-sweep")
    window.form.set_values({"points": 40, "min_intensity": 3.0, "max_intensity": 25.0})
    run = window.add_to_queue()
    qtbot.waitUntil(lambda: run.status == "running", timeout=30_000)
    panel = window.manual
    assert not panel.take_control()
    assert "a run is going" in panel.message.text().lower()
    assert not panel.take_button.isEnabled() and not panel.power.isEnabled()
    assert "A run is going" in panel.state.text()
    # Read-outs only: the detector's last gate, from the role's memory, nothing taken from the run.
    qtbot.waitUntil(lambda: "the run's last gate" in panel.rate_detail.text(), timeout=10_000)
    window.queue.abort_current()
    qtbot.waitUntil(lambda: run.status == "stopped", timeout=30_000)
    assert panel.take_control()


def test_runs_wait_for_manual_control_and_start_on_the_users_say(window, qtbot):
    panel = window.manual
    assert panel.take_control()
    assert ask(qtbot, panel, panel.set_power, 1.0)[0] and ask(qtbot, panel, panel.set_emission, True)[0]
    window.form.select("power-sweep")
    window.form.set_values({"points": 6, "min_intensity": 3.0, "max_intensity": 25.0})
    run = window.add_to_queue()
    assert "it waits: manual control is on" in window.message.text()
    qtbot.wait(1_000)
    assert run.status == "pending" and window.queue.holds == {HOLDER: "manual control"}
    assert window.bench.world.lasers["pump_1064"].emitting  # the user's laser, untouched
    assert "1 run waiting" in panel.state.text() and panel.start_queue_button.isVisible()
    assert "Held (manual control): 1 run waiting" in window.queue_state.text()
    panel.start_queue_button.click()
    qtbot.waitUntil(lambda: run.status != "pending", timeout=10_000)
    assert not panel.active and window.queue.holds == {}
    qtbot.waitUntil(lambda: run.status == "finished", timeout=60_000)


def test_leaving_manual_control_leaves_every_laser_off(window, qtbot):
    panel = window.manual
    assert panel.take_control()
    for name in ("pump_1064", "pump_1450"):
        panel.laser_picker.setCurrentIndex(panel.laser_picker.findData(name))
        assert ask(qtbot, panel, panel.set_power, 0.1)[0] and ask(qtbot, panel, panel.set_emission, True)[0]
    assert sum(laser.emitting for laser in window.bench.world.lasers.values()) == 2
    panel.take_button.click()  # "Leave manual control"
    qtbot.waitUntil(lambda: not panel.active, timeout=10_000)
    world = window.bench.world
    assert world.all_lasers_off() and all(laser.setpoint_w == 0 for laser in world.lasers.values())
    assert "every laser off" in panel.message.text() and window.queue.holds == {}
    assert not panel.power.isEnabled()
    ok, text = ask(qtbot, panel, panel.set_emission, True)
    assert not ok and "take manual control first" in text
    assert world.all_lasers_off()


def test_closing_the_window_leaves_every_laser_off(window, qtbot):
    panel = window.manual
    assert panel.take_control()
    assert ask(qtbot, panel, panel.set_power, 2.0)[0] and ask(qtbot, panel, panel.set_emission, True)[0]
    panel.start_counting()
    qtbot.waitUntil(lambda: len(panel.readings) >= 2, timeout=10_000)
    window.close()
    world = window.bench.world
    assert world.all_lasers_off() and world.lasers["pump_1064"].setpoint_w == 0
    assert not panel.worker._thread.is_alive()


def test_the_live_count_rate_is_above_the_calibrated_dark_rate_with_its_poisson_error(window, qtbot):
    panel = window.manual
    bench = window.bench
    assert panel.take_control()
    x, y = bench.world.sample.sample.positions_um[0]
    assert ask(qtbot, panel, panel.move_galvo, float(x), float(y))[0]
    assert ask(qtbot, panel, panel.set_power, bench.beam_power_for_intensity("pump_1064", 30.0))[0]
    assert ask(qtbot, panel, panel.set_emission, True)[0]
    panel.gate.setValue(0.05)
    panel.start_counting()
    qtbot.waitUntil(lambda: len(panel.readings) >= 12, timeout=10_000)
    panel.stop_readout()
    qtbot.waitUntil(lambda: panel.readout == "", timeout=5_000)
    dark = bench.photon_counter("spad").dark_count_rate_s
    times, nets, sigmas = (np.array(column) for column in zip(*panel.readings))
    assert np.all(np.diff(times) > 0)
    assert nets[-5:].min() > 100 * dark  # once the avalanche has built (~0.1 s), a particle, not the dark
    assert np.allclose(sigmas, np.sqrt((nets + dark) * 0.05) / 0.05, rtol=1e-6)  # sqrt(N) / gate
    assert "above dark ±" in panel.rate_label.text() and "dark 100 counts/s" in panel.rate_detail.text()


def test_the_live_confocal_view_shows_the_particle_and_parks_the_beam_back(window, qtbot):
    panel = window.manual
    bench = window.bench
    assert panel.take_control()
    x, y = (float(v) for v in bench.world.sample.sample.positions_um[0])
    assert ask(qtbot, panel, panel.move_galvo, -20.0, 15.0)[0]  # parked somewhere else
    assert ask(qtbot, panel, panel.set_power, bench.beam_power_for_intensity("pump_1064", 30.0))[0]
    assert ask(qtbot, panel, panel.set_emission, True)[0]
    panel.view_x.setValue(x + 0.3)
    panel.view_y.setValue(y - 0.2)
    panel.view_width.setValue(2.0)
    panel.view_pixels.setValue(21)
    panel.view_dwell.setValue(0.005)
    frames = []
    panel.worker.view_rows.connect(lambda record: frames.append(record["frame"]))
    panel.view_button.click()
    qtbot.waitUntil(lambda: bool(frames) and max(frames) >= 1, timeout=60_000)  # one whole frame, then the next
    panel.view_button.click()
    qtbot.waitUntil(lambda: panel.readout == "", timeout=10_000)
    image = panel.image.images["live view"]
    assert image.shape == (21, 21) and np.isfinite(image).all()
    ax, ay = panel.image.axes["live view"]
    row, col = np.unravel_index(np.argmax(image), image.shape)
    # The brightest pixel is on the particle: to a pixel or so across the rows, and along them up to the way
    # the beam moves while the avalanche builds (x is the fast axis; the rise takes ~10 dwells at 30 kW/cm^2).
    assert abs(ay[row] - y) < 0.15 and 0 <= ax[col] - x < 0.4
    assert image.max() > 20 * np.median(image)
    galvo = bench.world.galvo
    assert np.allclose(np.array(galvo.command_v) * bench.scanner().um_per_volt, (-20.0, 15.0))
    assert "frame" in panel.view_label.text()


def test_a_view_beyond_the_galvo_field_is_refused_by_the_scanner(window, qtbot):
    panel = window.manual
    assert panel.take_control()
    panel.view_x.setValue(99.0)
    panel.view_width.setValue(10.0)
    before = len(panel.messages)
    panel.start_view()

    def refusals():
        return [text for ok, text in list(panel.messages)[before:] if not ok]

    qtbot.waitUntil(lambda: bool(refusals()), timeout=10_000)
    assert "galvo: x position 104 um is outside the bench limits -100..100 um" in refusals()[0]
    qtbot.waitUntil(lambda: panel.readout == "", timeout=5_000)
    assert not panel.view_button.isChecked() and panel.view_button.text() == "Start view"


def test_a_move_during_the_live_view_is_where_the_beam_parks_after_it(window, qtbot):
    panel = window.manual
    bench = window.bench
    assert panel.take_control()
    assert ask(qtbot, panel, panel.move_galvo, 5.0, 5.0)[0]
    panel.view_pixels.setValue(8)
    panel.start_view()
    qtbot.waitUntil(lambda: panel.readout == "view", timeout=10_000)
    assert ask(qtbot, panel, panel.move_galvo, -7.5, 2.25)[0]  # as a double-click on the image and Move would
    panel.start_counting()  # the view ends: the beam goes where it was last sent, not back to (5, 5)
    qtbot.waitUntil(lambda: panel.readout == "count", timeout=10_000)
    assert np.allclose(np.array(bench.world.galvo.command_v) * bench.scanner().um_per_volt, (-7.5, 2.25))
