"""The window on a real X server (Xvfb) through Qt's xcb platform plugin, as on a lab PC.

The rest of the GUI tests run offscreen, which needs none of the X libraries a real window does; this
one fails, naming the missing library, on a machine without them (the README's GUI section lists the
Debian packages).  Skipped where Xvfb is not installed.
"""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import sys
    from pyqtgraph.Qt import QtCore, QtWidgets
    from anplab.gui import MainWindow
    from anplab.procedures.base import open_bench

    app = QtWidgets.QApplication(sys.argv[:1])
    bench = open_bench("simulated", realtime=False)
    window = MainWindow(bench, sys.argv[1], poll_ms=100)
    window.show()
    window.tabs.setCurrentIndex(1)  # the manual-control tab, with its image view

    def polled():  # shown, and the first instrument status in
        return window.isVisible() and window.status_panel.time_label.text().startswith("bench time")

    seen = []

    def look():
        if polled():
            seen.append(True)
            app.quit()  # (quitting closes the window: the test looks before)

    check = QtCore.QTimer(interval=100)
    check.timeout.connect(look)
    check.start()
    QtCore.QTimer.singleShot(30_000, app.quit)
    app.exec()
    print("platform", app.platformName(), "shown", bool(seen))
    window.shutdown()
    bench.close()
""")


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="Xvfb is not installed (apt-get install xvfb)")
def test_the_window_opens_on_an_x_server(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QT_", "DISPLAY"))}
    env.update(QT_QPA_PLATFORM="xcb", QT_DEBUG_PLUGINS="0")
    done = subprocess.run(["xvfb-run", "-a", sys.executable, "-c", SCRIPT, str(tmp_path / "runs")], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and "platform xcb shown True" in done.stdout, done.stderr[-3000:]
