"""The bench chosen in the window: an experiment made for another bench says so, with the switch as a button."""

from pathlib import Path

import pytest

from anplab.gui import MainWindow
from anplab.procedures.base import open_bench
from anplab.widgets.bench_chooser import built_in_name, needed_bench

UNREACHABLE = """\
name: unreachable test bench
optics: {numerical_aperture: 1.4, spot: airy}
instruments:
  pump_1064:
    role: laser
    driver: ipg_ylr
    address: TCPIP0::127.0.0.1::1::SOCKET   # nothing listens there: the connection is refused at once
    wavelength_nm: 1064
    settings: {max_output_w: 10.0}
    limits: {max_power_w: 8.0}
    calibration: {transmission: 2.0e-5, pickoff_ratio: 0.01}
"""


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
    if window.bench is not None and window.bench is not bench:
        window.bench.close()


def settled(qtbot, window, timeout=60_000):
    qtbot.waitUntil(lambda: not window.switching, timeout=timeout)


def test_photopatterning_on_the_particle_bench_offers_the_film_bench_and_runs_there(window, qtbot):
    first = window.bench
    window.form.select("photopatterning")
    qtbot.waitUntil(lambda: window.hint.isVisible(), timeout=2_000)
    assert not window.add_button.isEnabled()  # the erase intensity is beyond this bench's pump
    assert "photopatterning is made for the built-in simulated ANP film bench ('simulated-film')" in window.hint.text()
    assert window.hint_button.text() == "Switch to the 'simulated-film' bench"
    queued = window.add_to_queue()  # asked all the same: refused, with the fix
    assert queued is None and "'simulated-film'" in window.message.text()

    window.hint_button.click()
    assert window.switching and not window.form.isEnabled()
    settled(qtbot, window)
    assert built_in_name(window.bench) == "simulated-film" and window.bench is not first
    assert window.queue.bench is window.bench and window.manual.bench is window.bench
    assert first.world.all_lasers_off()
    assert "film bench" in window.windowTitle() and "simulated-film" in window.chooser.current.text()
    assert not window.hint.isVisible() and window.add_button.isEnabled()
    qtbot.waitUntil(lambda: window.status_panel.time_label.text().startswith("bench time"), timeout=5_000)
    assert window.poller.running and window.poller.bench is window.bench

    window.form.set_values({"pattern_pixels": 4, "read_pixels": 12})
    run = window.add_to_queue()
    qtbot.waitUntil(lambda: run.status == "finished", timeout=120_000)
    # The worker marks the run finished; the window hears of it on its own thread, a batch later.
    qtbot.waitUntil(lambda: "fidelity: " in window.results.text(), timeout=10_000)
    window.form.select("power-sweep")  # and back: the particle experiments belong on the particle bench
    qtbot.waitUntil(lambda: window.hint.isVisible(), timeout=2_000)
    assert window.hint_button.text() == "Switch to the 'simulated' bench"


def test_the_bench_is_not_switched_under_waiting_runs_or_to_a_bad_file(window, qtbot, tmp_path):
    window.queue.pause()
    window.form.select("hold-temperature")
    window.add_to_queue()
    assert not window.switch_bench("simulated-film")
    assert "runs going or waiting" in window.message.text()
    window.queue.remove(window.queue.pending[0].id)
    bad = tmp_path / "bad_bench.yaml"
    bad.write_text("instruments:\n  pump: {role: laser, driver: no_such_driver, address: sim}\n")
    assert not window.switch_bench(str(bad))
    assert "bad_bench.yaml:" in window.message.text()
    assert not window.switch_bench(str(tmp_path / "missing.yaml"))
    assert "neither a bench file nor a built-in bench" in window.message.text()
    assert built_in_name(window.bench) == "simulated" and window.poller.running


def test_a_bench_that_does_not_open_leaves_the_window_on_a_working_bench(window, qtbot, tmp_path):
    path = tmp_path / "unreachable.yaml"
    path.write_text(UNREACHABLE)
    assert window.switch_bench(str(path))
    settled(qtbot, window)
    assert "The bench was not switched" in window.message.text() and "refused" in window.message.text()
    # The real bench could not open beside the simulated one, nor after it closed: the simulated one is back.
    assert built_in_name(window.bench) == "simulated" and window.form.isEnabled()
    qtbot.waitUntil(lambda: window.status_panel.time_label.text().startswith("bench time"), timeout=5_000)
    assert window.queue.holds == {}
    window.form.select("power-sweep")
    window.form.set_values({"points": 4, "min_intensity": 5.0, "max_intensity": 20.0})
    run = window.add_to_queue()
    qtbot.waitUntil(lambda: run.status == "finished", timeout=60_000)


def test_the_hint_only_comes_where_it_helps():
    bench = open_bench("simulated-film")
    try:
        assert needed_bench("photopatterning", bench) is None
        assert needed_bench("hold-temperature", bench) is None  # no sample involved: any bench will do
        message, target = needed_bench("passi-scan", bench)
        assert target == "simulated" and "'simulated-film'" in message
    finally:
        bench.close()
    example = Path(__file__).resolve().parents[2] / "instruments" / "example_bench.yaml"

    class FileBench:  # a bench from a file: what sample is mounted, the window cannot tell
        source = str(example)

    assert needed_bench("photopatterning", FileBench()) is None
    message, target = needed_bench("photopatterning", FileBench(), "⚠ no laser named 'write_852' on this bench")
    assert target == "simulated-film" and "no laser named 'write_852'" in message and "⚠" not in message
