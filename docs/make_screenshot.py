"""The README's screenshot: the bench window three quarters of the way through a PASSI scan on the simulated bench.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py     # writes docs/bench_window.png
"""

import tempfile
import time
from pathlib import Path

from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.gui import MainWindow
from anplab.procedures.base import open_bench

SCAN = {"pixels": 48, "dwell": 0.05, "width": 2.0, "intensities": "13", "sweep_points": 12}
OUT = Path(__file__).resolve().parent / "bench_window.png"


def main() -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    bench = open_bench("simulated")
    with tempfile.TemporaryDirectory() as out:
        window = MainWindow(bench, out, poll_ms=200)
        window.resize(1600, 950)
        window.show()
        taken = {"done": False}

        def half_way(run, batch):
            rows = [record for topic, record in batch if topic == "image rows"]
            if rows and not taken["done"] and rows[-1]["first_row"] >= 3 * SCAN["pixels"] // 4:
                window.live.redraw()
                app.processEvents()
                window.grab().save(str(OUT))
                taken["done"] = True

        window.queue.records.connect(half_way)
        window.form.select("passi-scan")
        window.form.set_values(SCAN)
        run = window.add_to_queue()
        deadline = time.monotonic() + 300
        while run.status in ("pending", "running") and time.monotonic() < deadline:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        window.shutdown()
    bench.close()
    print(OUT if taken["done"] else "the scan ended before it could be shown")


if __name__ == "__main__":
    main()
