"""The README's screenshots of the bench window on the simulated bench.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py

writes, next to this script:

- ``bench_window.png``: three quarters of the way through a PASSI scan, with the phase and its ETA;
- ``bench_window_results.png``: the same scan ended, its headline results beside the plots;
- ``manual_control.png``: the manual-control tab, as a physicist uses it: a wide live view to find a
  particle, the galvo parked on the brightest spot, then a close live view and the count rate there.
"""

import tempfile
import time
from pathlib import Path

import numpy as np
from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.gui import MainWindow
from anplab.procedures.base import open_bench

SCAN = {"pixels": 48, "dwell": 0.05, "width": 2.0, "intensities": "13", "sweep_points": 12}
HERE = Path(__file__).resolve().parent


def spin(app, seconds: float = 0.0, until=lambda: False, timeout_s: float = 300.0) -> None:
    """Let the window work for ``seconds``, or until ``until()`` (at most ``timeout_s``)."""
    end = time.monotonic() + (seconds or timeout_s)
    while time.monotonic() < end and not (not seconds and until()):
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
    if not seconds and not until():
        raise TimeoutError("the window did not get there in time")


def save(app, window, name: str) -> Path:
    if window.live is not None:
        window.live.redraw()
    window.manual.image.redraw()
    app.processEvents()
    path = HERE / name
    window.grab().save(str(path))
    return path


def passi_scan(app, window) -> list[Path]:
    taken: list[Path] = []

    def three_quarters(run, batch):
        rows = [record for topic, record in batch if topic == "image rows"]
        if rows and not taken and rows[-1]["first_row"] >= 3 * SCAN["pixels"] // 4:
            window._show_phase()
            taken.append(save(app, window, "bench_window.png"))

    window.queue.records.connect(three_quarters)
    window.form.select("passi-scan")
    window.form.set_values(SCAN)
    run = window.add_to_queue()
    spin(app, until=lambda: run.status not in ("pending", "running"))
    window.queue.records.disconnect(three_quarters)
    spin(app, 0.5)
    taken.append(save(app, window, "bench_window_results.png"))
    return taken


def manual_control(app, window) -> Path:
    bench, panel = window.bench, window.manual
    window.tabs.setCurrentIndex(1)
    assert panel.take_control()
    panel.laser_picker.setCurrentIndex(panel.laser_picker.findData("pump_1064"))
    panel.intensity.setValue(60.0)  # kW/cm^2 at the sample: far above threshold, the avalanche builds in ms
    panel.set_power(panel.power.value())
    panel.set_emission(True)
    # A wide view to find a particle (the dwell must let the avalanche build as the beam passes) ...
    brightest = view(app, panel, 0.0, 0.0, width_um=10.0, pixels=32, dwell_s=0.01)
    # ... a close view around the brightest spot ...
    brightest = view(app, panel, *brightest, width_um=2.0, pixels=32, dwell_s=0.005)
    # ... and the galvo parked there (as a double-click on the image and Move would), the count rate there.
    panel.galvo_x.setValue(brightest[0])
    panel.galvo_y.setValue(brightest[1])
    panel.move_button.click()  # during the view: the beam parks there when the view stops
    panel.start_counting()
    spin(app, 4.0)
    panel.set_power(12.0)  # beyond the pump's 8 W limit: refused, and the panel says so
    spin(app, 0.5)
    path = save(app, window, "manual_control.png")
    panel.leave_control()
    spin(app, until=lambda: not panel.active, timeout_s=30)
    assert bench.world.all_lasers_off()
    return path


def view(app, panel, x_um: float, y_um: float, *, width_um: float, pixels: int, dwell_s: float):
    """One whole frame of the live view of a region; the position of its brightest pixel."""
    panel.view_x.setValue(x_um)
    panel.view_y.setValue(y_um)
    panel.view_width.setValue(width_um)
    panel.view_pixels.setValue(pixels)
    panel.view_dwell.setValue(dwell_s)
    panel.start_view()
    spin(app, until=lambda: panel.view_label.text().startswith("frame 2"), timeout_s=180)
    image = panel.image.images["live view"]
    x, y = panel.image.axes["live view"]
    row, col = np.unravel_index(np.nanargmax(image), image.shape)
    return float(x[col]), float(y[row])


def main() -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    bench = open_bench("simulated")
    with tempfile.TemporaryDirectory() as out:
        window = MainWindow(bench, out, poll_ms=200)
        window.resize(1600, 950)
        window.show()
        try:
            for path in passi_scan(app, window) + [manual_control(app, window)]:
                print(path)
        finally:
            window.shutdown()
            bench.close()


if __name__ == "__main__":
    main()
