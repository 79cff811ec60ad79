"""The bench window stays responsive while a scan fills in, and its memory stays bounded over many runs.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_responsiveness.py

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
"""

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


def latency_during_scan(app, window) -> dict:
    """Lateness of a 10 ms GUI timer's ticks: while the image fills in, and over the whole run."""
    ticks: list[tuple[float, float]] = []  # (time, lateness)
    filling: list[float] = []  # times image rows arrived in the GUI thread
    expected = {"at": time.monotonic() + 0.01}

    def tick():
        now = time.monotonic()
        ticks.append((now, max(0.0, now - expected["at"])))
        expected["at"] = now + 0.01

    def rows_arrived(run, batch):
        if any(topic == "image rows" for topic, _ in batch):
            filling.append(time.monotonic())

    window.queue.records.connect(rows_arrived)
    timer = QtCore.QTimer(interval=10)
    timer.timeout.connect(tick)
    timer.start()
    started = time.monotonic()
    run = scan(app, window, SCAN)
    wall = time.monotonic() - started
    timer.stop()
    window.queue.records.disconnect(rows_arrived)
    times, lateness = np.array(ticks).T
    during = lateness[(times >= filling[0]) & (times <= filling[-1])]
    return {"run": run, "wall": wall, "fill_s": filling[-1] - filling[0], "during": during, "all": lateness}


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
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with tempfile.TemporaryDirectory() as out:
        # As at the bench: the simulated bench in real time, so the image takes its 8 s to fill in.
        bench = open_bench("simulated", realtime=True)
        window = MainWindow(bench, out)
        window.show()
        try:
            scan(app, window, {**SCAN, "pixels": 16})  # the first scan builds the plots: not what is measured
            result = latency_during_scan(app, window)
        finally:
            window.shutdown()
            bench.close()
        during, whole = result["during"], result["all"]
        print(f"128 x 128 PASSI scan in real time, shown live as it fills in over {result['fill_s']:.1f} s "
              f"(a {result['wall']:.0f} s run): event-loop lateness median {1e3 * np.median(during):.1f} ms, "
              f"99th percentile {1e3 * np.percentile(during, 99):.0f} ms, worst {1e3 * during.max():.0f} ms over "
              f"{during.size} ticks (target < 100 ms); worst over the whole run, with the threshold search before "
              f"and the figures after: {1e3 * whole.max():.0f} ms")

        bench = open_bench("simulated")  # virtual time: a sweep takes its computing time, ~7 s
        window = MainWindow(bench, out)
        window.show()
        try:
            sizes = memory_over_runs(app, window)
        finally:
            window.shutdown()
            bench.close()
        fifth, twentieth, later = sizes[4], sizes[19], max(sizes[20:])
        print(f"{len(sizes)} queued power sweeps: resident memory {fifth:.0f} MB after the 5th, {twentieth:.0f} MB "
              f"after the 20th (growth {twentieth - fifth:+.0f} MB, {100 * (twentieth / fifth - 1):+.1f} %; "
              f"target < 10 %); runs 21-{len(sizes)} between {min(sizes[20:]):.0f} and {later:.0f} MB, "
              f"{sizes[-1]:.0f} MB after the last ({100 * (later / twentieth - 1):+.1f} % at most over the 20th; "
              f"target < 10 %)")


if __name__ == "__main__":
    main()
