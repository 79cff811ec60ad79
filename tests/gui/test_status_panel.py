"""The bench status panel and its poller thread (pytest-qt, offscreen, simulated bench in virtual time)."""

import threading
import time

import pytest
from pyqtgraph.Qt import QtWidgets

from anplab.instruments.bench import Bench
from anplab.widgets.status_panel import StatusPanel, StatusPoller, read_bench_status, temperature_stability

ROLES = {"laser", "power_meter", "scanner", "photon_counter", "temperature_controller"}


@pytest.fixture
def bench():
    bench = Bench.open()
    yield bench
    bench.close()


@pytest.fixture
def panel(qtbot, bench):
    panel = StatusPanel(bench.config)
    qtbot.addWidget(panel)
    panel.show()
    return panel


@pytest.fixture
def poller(qtbot, bench, panel):
    poller = StatusPoller(bench, interval_ms=20)
    poller.status.connect(panel.show_status)
    with qtbot.waitSignal(poller.status, timeout=5000):
        poller.start()
    yield poller
    assert poller.stop(timeout_ms=5000)


def test_read_bench_status_covers_every_instrument_with_the_lasers_off(bench):
    status = read_bench_status(bench)
    assert status["errors"] == {} and status["latched"] is False
    instruments = status["instruments"]
    assert set(instruments) == set(bench.config.instruments)
    assert {s["role"] for s in instruments.values()} == ROLES
    for name in bench.lasers:
        assert instruments[name]["emission"] is False and instruments[name]["interlock_ok"] is True
    for name in bench.by_role("photon_counter"):
        assert instruments[name]["last_rate_s"] is None and instruments[name]["max_count_rate_s"] == 1e7
    assert {"temperature_k", "setpoint_k", "heater_output_percent"} <= set(instruments["cryostat"])


def test_laser_on_then_all_lasers_off_latches_and_shows_the_banner(qtbot, bench, panel, poller):
    emission = panel.labels["pump_1064"]["emission"]
    assert emission.text() == "off" and panel.banner.isHidden() and panel.warnings() == []
    bench.laser().set_power(0.5)
    bench.laser().emission_on()
    qtbot.waitUntil(lambda: emission.text() == "ON", timeout=3000)
    assert "red" in emission.styleSheet() or "#c0392b" in emission.styleSheet()
    assert "Power: 500.0 mW (setpoint 500.0 mW)" in panel.text("pump_1064")
    assert "Emission: off" in panel.text("pump_1450")

    bench.all_lasers_off("operator stop")
    qtbot.waitUntil(lambda: not panel.banner.isHidden(), timeout=3000)
    qtbot.waitUntil(lambda: emission.text() == "off", timeout=3000)
    assert "operator stop" in panel.banner.text()
    assert "lasers latched off: operator stop" in panel.warnings()


def test_counter_near_its_maximum_rate_warns(qtbot, bench, panel, poller):
    spad = bench.photon_counter()
    spad.last_rate_s = 0.95 * spad.limits.max_count_rate_s
    qtbot.waitUntil(lambda: "near saturation" in panel.text("spad"), timeout=3000)
    assert "9.5 Mcounts/s" in panel.text("spad")
    assert any(w.startswith("spad: near saturation") for w in panel.warnings())
    assert not any(w.startswith("pmt") for w in panel.warnings())
    spad.last_rate_s = 0.5 * spad.limits.max_count_rate_s
    qtbot.waitUntil(lambda: panel.warnings() == [], timeout=3000)


def test_open_interlock_warns(qtbot, bench, panel, poller):
    bench.laser().set_power(0.5)
    bench.laser().emission_on()
    bench.world.lasers["pump_1064"].open_interlock()
    interlock = panel.labels["pump_1064"]["interlock"]
    qtbot.waitUntil(lambda: interlock.text() == "OPEN", timeout=3000)
    assert panel.labels["pump_1064"]["emission"].text() == "off"  # the trip stopped emission
    assert "pump_1064: interlock open" in panel.warnings()


def test_failing_instrument_is_reported_and_the_others_still_update(qtbot, monkeypatch, bench, panel, poller):
    def dead():
        raise RuntimeError("line dead")

    monkeypatch.setattr(bench.power_meter(), "status", dead)
    status = read_bench_status(bench)
    assert status["errors"] == {"power_meter": "line dead"} and "power_meter" not in status["instruments"]

    qtbot.waitUntil(lambda: "line dead" in panel.text("power_meter"), timeout=3000)
    bench.scanner().move_to(3.0, -2.0)
    qtbot.waitUntil(lambda: "x 3.00 µm, y -2.00 µm" in panel.text("galvo"), timeout=3000)
    assert "power_meter: no status: line dead" in panel.warnings()
    assert not panel.labels["power_meter"]["power"].isEnabled()  # stale values greyed out


def test_reads_happen_off_the_gui_thread_and_slow_reads_do_not_pile_up(qtbot, monkeypatch, bench, panel):
    threads, original = [], bench.scanner().status

    def slow():
        threads.append(threading.get_ident())
        time.sleep(0.15)  # far longer than the 10 ms interval
        return original()

    monkeypatch.setattr(bench.scanner(), "status", slow)
    poller = StatusPoller(bench, interval_ms=10)
    emitted = []
    poller.status.connect(emitted.append)
    poller.start()
    try:
        qtbot.wait(700)
    finally:
        assert poller.stop(timeout_ms=5000)
    assert threads and threading.get_ident() not in threads
    assert 2 <= len(threads) <= 6  # one read at a time, back to back: not one per 10 ms
    qtbot.wait(50)  # let the last queued emission arrive
    assert len(emitted) == len(threads)


def test_stop_leaves_no_running_thread_and_can_restart(qtbot, bench):
    poller = StatusPoller(bench, interval_ms=20)
    with qtbot.waitSignal(poller.status, timeout=5000):
        poller.start()
    assert poller.running
    thread = poller.worker_thread
    assert poller.stop(timeout_ms=5000)
    assert not poller.running and thread.isFinished() and not thread.isRunning()
    assert poller.thread() is QtWidgets.QApplication.instance().thread()
    with qtbot.assertNotEmitted(poller.status, wait=150):
        pass
    assert poller.stop()  # a second stop is harmless
    with qtbot.waitSignal(poller.status, timeout=5000):
        poller.start()
    assert poller.stop(timeout_ms=5000) and not poller.running


def test_cryostat_goes_from_unstable_through_settling_to_stable(bench, panel):
    # Virtual time, moved on by the test: the simulated controller's loop first lets the stage sag a few K
    # below its setpoint, then pulls it back into the band.
    states = []
    for _ in range(25):
        panel.show_status(read_bench_status(bench))
        states.append(panel.labels["cryostat"]["stability"].text().split(":")[0])
        bench.clock.sleep(5.0)
    assert states[0] == "settling"  # in band, but not watched for long enough yet
    after = states[states.index("unstable"):]
    assert after.index("settling") < after.index("stable")
    assert states[-1] == "stable" and panel.warnings() == []
    assert "Setpoint: 295.000 K" in panel.text("cryostat")


def test_cryostat_off_its_setpoint_is_unstable_then_settling():
    readings = [(float(t), 10.0 + (0.2 if t % 2 else -0.2), 10.0) for t in range(0, 40)]
    assert temperature_stability(readings, 39.0, band_k=0.5)[0] == "stable"
    readings.append((40.0, 12.0, 10.0))
    state, text = temperature_stability(readings, 40.0, band_k=0.5)
    assert state == "unstable" and "2 K from setpoint" in text
    readings.append((45.0, 10.1, 10.0))
    assert temperature_stability(readings, 45.0, band_k=0.5)[0] == "settling"
    assert temperature_stability(readings + [(76.0, 10.0, 10.0)], 76.0, band_k=0.5)[0] == "stable"


def test_unstable_cryostat_shows_in_the_panel_warnings(panel):
    def status(t, kelvin):
        return {"time_s": t, "latched": False, "latch_reason": "", "errors": {},
                "instruments": {"cryostat": {"role": "temperature_controller", "temperature_k": kelvin,
                                             "setpoint_k": 10.0, "heater_output_percent": 40.0}}}

    panel.show_status(status(0.0, 10.0))
    panel.show_status(status(5.0, 14.0))
    assert any(w.startswith("cryostat: cryostat unstable") for w in panel.warnings())
    assert "unstable" in panel.labels["cryostat"]["stability"].text()
    assert "Heater: 40.0 %" in panel.text("cryostat")
