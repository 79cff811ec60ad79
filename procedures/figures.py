"""Figures shared by several experiments, drawn on their own Agg canvas.

Each figure is a :class:`matplotlib.figure.Figure` with a
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` of its own: drawing
one needs no display, never touches pyplot's global state (the backend a
notebook or a GUI chose stays as it was, and figures are not kept alive by
pyplot's figure manager), and is safe off the main thread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .analysis.slope import local_slope


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None, **kwargs):
    """Like ``pyplot.subplots``, but a figure on its own Agg canvas: ``(figure, axes)``."""
    figure = Figure(figsize=figsize)
    FigureCanvasAgg(figure)
    return figure, figure.subplots(nrows, ncols, **kwargs)


def s_curve_figure(sweeps: dict[str, pd.DataFrame], background: float, title: str,
                   threshold: float | None = None):
    """Emission against intensity on log-log axes, with the local slope beneath."""
    figure, (top, bottom) = subplots(2, 1, figsize=(6.4, 6.4), sharex=True,
                                         gridspec_kw={"height_ratios": [2, 1]})
    for (label, data), colour in zip(sweeps.items(), ("#1f77b4", "#d62728", "#2ca02c")):
        net = data["count_rate_s"] - background
        keep = net > 0
        top.loglog(data["intensity_kw_cm2"][keep], net[keep], "o-", ms=3, color=colour, label=label)
        slopes = local_slope(data, background=background)
        bottom.semilogx(slopes["intensity_kw_cm2"], slopes["slope"], "o-", ms=3, color=colour)
    if threshold:
        for axis in (top, bottom):
            axis.axvline(threshold, color="grey", ls="--", lw=1)
    top.set_ylabel("count rate above dark (1/s)")
    top.set_title(title)
    top.legend()
    bottom.set_ylabel("local slope S")
    bottom.set_xlabel("peak intensity at the sample (kW/cm²)")
    bottom.axhline(2, color="grey", lw=0.5)
    figure.tight_layout()
    return figure


def image_figure(image: np.ndarray, x_um: np.ndarray, y_um: np.ndarray, title: str, *, label: str = "counts"):
    figure, axis = subplots(figsize=(5.6, 4.8))
    shown = axis.imshow(image, origin="lower", extent=(x_um[0], x_um[-1], y_um[0], y_um[-1]), cmap="inferno",
                        aspect="equal")
    figure.colorbar(shown, ax=axis, label=label)
    axis.set_xlabel("x (µm)")
    axis.set_ylabel("y (µm)")
    axis.set_title(title)
    figure.tight_layout()
    return figure
