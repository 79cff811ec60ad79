"""The bench window stays responsive while a scan fills in, and its memory stays bounded over many runs.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_responsiveness.py            # ~17 minutes
    QT_QPA_PLATFORM=offscreen python benchmarks/gui_responsiveness.py --short    # ~6 minutes, smaller

1. Event-loop latency: a 128 x 128 PASSI image (0.5 ms dwell) is scanned on
   the simulated bench in real time, as at the bench, while the window shows
   it filling in; a 10 ms timer in the GUI thread measures how late each of
   its ticks comes.  Target: every tick within 100 ms while the image fills
   in (after a first small scan has built the plots).
2. Memory over a session: 100 power sweeps queued one after another; the
   process's resident memory after each.  Targets: the growth from the 5th to
   the 20th is under 10 % of the process, and memory stays bounded: the most
   over the last 80 runs is within 10 % of that after the 20th (live plots of
   old runs are dropped; their data are on disk).
3. Manual control: a live confocal view (48 x 48, 2 ms dwell, real time)
   rastered again and again on the manual-control worker while the image
   redraws; the same 10 ms timer, from the first rows shown on.  Target:
   every tick within 100 ms.

``--short``: a 64 x 64 scan, 20 sweeps (memory from the 5th to the 20th),
10 s of live view.
"""

import argparse
import os
import tempfile
import time

import numpy as np
from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.gui import MainWindow
from anplab.procedures.base import open_bench

SCAN = {"pixels": 128, "dwell": 0.0005, "width": 3.0, "intensities": "15", "sweep_points": 4}
SWEEP = {"points": 30, "min_intensity": 3.0, "max_intensity": 25.0}


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def wait_for(app, condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the run did not end in time")
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)


def scan(app, window, parameters: dict):
    window.form.select("passi-scan")
    window.form.set_values(parameters)
    run = window.add_to_queue()
    wait_for(app, lambda: run.status not in ("pending", "running"), 600)
    return run


class Lateness:
    """How late each tick of a 10 ms timer in the GUI thread comes: (time, lateness) pairs."""

    def __init__(self):
        self.ticks: list[tuple[float, float]] = []
        self._expected = time.monotonic() + 0.01
        self.timer = QtCore.QTimer(interval=10)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._expected = time.monotonic() + 0.01  # the first tick is due 10 ms from now, not from construction
        self.timer.start()

    def _tick(self):
        now = time.monotonic()
        self.ticks.append((now, max(0.0, now - self._expected)))
        self._expected = now + 0.01


def latency_during_scan(app, window, scan_parameters: dict) -> dict:
    """Lateness of a 10 ms GUI timer's ticks: while the image fills in, and over the whole run."""
    clock = Lateness()
    ticks = clock.ticks
    filling: list[float] = []  # times image rows arrived in the GUI thread

    def rows_arrived(run, batch):
        if any(topic == "image rows" for topic, _ in batch):
            filling.append(time.monotonic())

    window.queue.records.connect(rows_arrived)
    clock.start()
    started = time.monotonic()
    run = scan(app, window, scan_parameters)
    wall = time.monotonic() - started
    clock.timer.stop()
    window.queue.records.disconnect(rows_arrived)
    times, lateness = np.array(ticks).T
    during = lateness[(times >= filling[0]) & (times <= filling[-1])]
    return {"run": run, "wall": wall, "fill_s": filling[-1] - filling[0], "during": during, "all": lateness}


def latency_during_manual_view(app, window, seconds: float) -> np.ndarray:
    """Lateness of the 10 ms timer while manual control rasters a live view again and again."""
    panel = window.manual
    window.tabs.setCurrentIndex(1)
    assert panel.take_control()
    panel.intensity.setValue(60.0)
    panel.set_power(panel.power.value())
    panel.set_emission(True)
    panel.view_pixels.setValue(48)
    panel.view_dwell.setValue(0.002)
    panel.view_width.setValue(10.0)
    clock = Lateness()
    panel.start_view()
    # Measured once the first rows are shown: the view's first block builds it (and imports what the
    # simulated raster needs), as the first scan builds the live plots above.
    wait_for(app, lambda: "live view" in panel.image.images, 60)
    clock.start()
    end = time.monotonic() + seconds
    wait_for(app, lambda: time.monotonic() > end, seconds + 30)
    clock.timer.stop()
    frames = panel.view_label.text()
    panel.leave_control()
    wait_for(app, lambda: not panel.active, 30)
    print(f"  (live view: {frames})")
    return np.array([late for _, late in clock.ticks])


def memory_over_runs(app, window, runs: int = 100) -> list[float]:
    window.form.select("power-sweep")
    window.form.set_values(SWEEP)
    sizes = []
    for k in range(runs):
        run = window.add_to_queue()
        wait_for(app, lambda: run.status not in ("pending", "running"), 600)
        sizes.append(resident_mb())
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="a smaller scan, 20 sweeps, 10 s of live view")
    short = parser.parse_args().short
    scan_parameters = {**SCAN, "pixels": 64} if short else SCAN
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with tempfile.TemporaryDirectory() as out:
        # As at the bench: the simulated bench in real time, so the image takes its 8 s to fill in.
        bench = open_bench("simulated", realtime=True)
        window = MainWindow(bench, out)
        window.show()
        try:
            scan(app, window, {**SCAN, "pixels": 16})  # the first scan builds the plots: not what is measured
            result = latency_during_scan(app, window, scan_parameters)
            manual = latency_during_manual_view(app, window, 10.0 if short else 60.0)
        finally:
            window.shutdown()
            bench.close()
        during, whole = result["during"], result["all"]
        pixels = scan_parameters["pixels"]
        print(f"{pixels} x {pixels} PASSI scan in real time, shown live as it fills in over {result['fill_s']:.1f} s "
              f"(a {result['wall']:.0f} s run): event-loop lateness median {1e3 * np.median(during):.1f} ms, "
              f"99th percentile {1e3 * np.percentile(during, 99):.0f} ms, worst {1e3 * during.max():.0f} ms over "
              f"{during.size} ticks (target < 100 ms); worst over the whole run, with the threshold search before "
              f"and the figures after: {1e3 * whole.max():.0f} ms")
        print(f"manual control, live confocal view in real time: event-loop lateness median "
              f"{1e3 * np.median(manual):.1f} ms, 99th percentile {1e3 * np.percentile(manual, 99):.0f} ms, worst "
              f"{1e3 * manual.max():.0f} ms over {manual.size} ticks (target < 100 ms)")

        bench = open_bench("simulated")  # virtual time: a sweep takes its computing time, ~7 s
        window = MainWindow(bench, out)
        window.show()
        try:
            sizes = memory_over_runs(app, window, 20 if short else 100)
        finally:
            window.shutdown()
            bench.close()
        fifth, twentieth = sizes[4], sizes[19]
        text = (f"{len(sizes)} queued power sweeps: resident memory {fifth:.0f} MB after the 5th, {twentieth:.0f} MB "
                f"after the 20th (growth {twentieth - fifth:+.0f} MB, {100 * (twentieth / fifth - 1):+.1f} %; "
                f"target < 10 %)")
        if len(sizes) > 20:
            later = max(sizes[20:])
            text += (f"; runs 21-{len(sizes)} between {min(sizes[20:]):.0f} and {later:.0f} MB, {sizes[-1]:.0f} MB "
                     f"after the last ({100 * (later / twentieth - 1):+.1f} % at most over the 20th; target < 10 %)")
        print(text)

if __name__ == "__main__":
    main()
