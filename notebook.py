"""A live plot for Jupyter: pass it as ``on_record`` to :func:`anplab.run` and watch the points arrive.

    from anplab.notebook import LivePlot
    live = LivePlot()                     # S-curve: count rate against intensity, log-log
    run = anplab.run("power-sweep", bench=bench, points=20, on_record=live)

The figure is drawn on its own Agg canvas and shown as a PNG in one output
that is replaced as the run goes (IPython's ``display_id``), so the
notebook's own matplotlib backend is never touched.  Outside IPython the
rows are still collected (``live.rows``).
"""

from __future__ import annotations

import io
import time

from anplab.procedures.records import batch_rows


class LivePlot:
    """Collects a run's rows as they are recorded and re-plots ``y`` against ``x`` at most every ``every_s``."""

    def __init__(self, x: str = "intensity_kw_cm2", y: str = "count_rate_s", *, logx: bool = True,
                 logy: bool = True, every_s: float = 0.5, title: str | None = None):
        self.x, self.y, self.logx, self.logy, self.every_s, self.title = x, y, logx, logy, every_s, title
        self.rows: list[dict] = []
        self.percent = 0.0
        self.phase = ""
        self._handle = None
        self._drawn_at = float("-inf")

    def __call__(self, topic: str, record) -> None:
        if topic == "results":
            self.rows.append(dict(record))
        elif topic == "batch results":
            self.rows.extend(batch_rows(record))
        elif topic == "progress":
            self.percent = float(record)
        elif topic == "phase":
            self.phase = str(record.get("name", ""))
        else:
            return
        if time.monotonic() - self._drawn_at >= self.every_s:  # a display's pace, not the run's
            self.draw()

    def figure(self):
        """The plot of the rows so far (a matplotlib Figure on its own Agg canvas)."""
        from anplab.procedures.figures import subplots

        figure, axis = subplots(figsize=(5.6, 3.8))
        points = [(row.get(self.x), row.get(self.y)) for row in self.rows]
        points = [(a, b) for a, b in points if isinstance(a, (int, float)) and isinstance(b, (int, float))
                  and (not self.logx or a > 0) and (not self.logy or b > 0)]
        if points:
            xs, ys = zip(*points)
            axis.plot(xs, ys, "o", ms=4)
        axis.set_xscale("log" if self.logx else "linear")
        axis.set_yscale("log" if self.logy else "linear")
        axis.set_xlabel(self.x)
        axis.set_ylabel(self.y)
        axis.set_title(f"{self.title or ''} {self.phase} {self.percent:.0f} % ({len(self.rows)} rows)".strip())
        figure.tight_layout()
        return figure

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=90)
        return buffer.getvalue()

    def draw(self) -> None:
        """Show (or replace) the plot in the notebook's output."""
        self._drawn_at = time.monotonic()
        try:
            from IPython.display import Image, display
        except ImportError:  # not in IPython: nothing to show, the rows are kept
            return
        image = Image(data=self.png(), format="png")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)
