"""Figures shared by several experiments, drawn on their own Agg canvas.

Each figure is a :class:`matplotlib.figure.Figure` with a
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` of its own: drawing
one needs no display, never touches pyplot's global state (the backend a
notebook or a GUI chose stays as it was, and figures are not kept alive by
pyplot's figure manager), and is safe off the main thread.

Conventions every figure keeps (the GUI's live plots follow them too):

- count rates are above the run's dark rate, with Poisson error bars sqrt(N)/gate;
- no point is dropped: a reading at or below the dark rate is drawn at its
  1-sigma noise level as an upper limit (a downward triangle, in the legend);
- fitted curves are evaluated on a fine grid, measured points are markers;
- lines against a quantity are drawn in the order of that quantity;
- images have x to the right and y up (``origin="lower"``), a colourbar with
  units and a scale bar.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .analysis.slope import local_slope
from .analysis.threshold import fitted_step

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
UPPER_LIMIT_MARKER = "v"


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None, **kwargs):
    """Like ``pyplot.subplots``, but a figure on its own Agg canvas: ``(figure, axes)``."""
    figure = Figure(figsize=figsize)
    FigureCanvasAgg(figure)
    return figure, figure.subplots(nrows, ncols, **kwargs)


def with_uncertainty(value: float, uncertainty: float | None, unit: str = "") -> str:
    """``7.23 ± 0.15 kW/cm²``: the uncertainty to two significant digits and the value to match."""
    if not _finite(value):
        return "not measured"
    if _finite(uncertainty) and uncertainty > 0:
        digits = max(0, 1 - int(math.floor(math.log10(uncertainty))))
        text = f"{value:.{digits}f} ± {uncertainty:.{digits}f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def _finite(value) -> bool:
    return isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and math.isfinite(value)


def poisson_net(data: pd.DataFrame, background: float) -> tuple[np.ndarray, np.ndarray]:
    """Count rate above ``background`` and its Poisson error sqrt(N)/gate (NaN where counts are unknown)."""
    net = data["count_rate_s"].to_numpy(dtype=float) - background
    if "counts" in data and "gate_s" in data:
        sigma = np.sqrt(np.maximum(data["counts"].to_numpy(dtype=float), 1.0)) / data["gate_s"].to_numpy(dtype=float)
    else:
        sigma = np.full(net.shape, np.nan)
    return net, sigma


def draw_net_rates(axis, x: np.ndarray, net: np.ndarray, sigma: np.ndarray, *, colour: str, label: str,
                   limit_label: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Net rates with Poisson bars on a log axis, every point kept; returns the (x, y) drawn.

    A net rate at or below zero has no place on a log axis, so it is drawn at
    its 1-sigma noise (or, without counts, at the lowest positive rate shown)
    as an upper limit: the reading says the emission is at most that.
    """
    positive = net > 0
    floor = sigma if np.isfinite(sigma).any() else np.full(net.shape, np.nan)
    fallback = np.nanmin(net[positive]) if positive.any() else 1.0
    floor = np.where(np.isfinite(floor) & (floor > 0), floor, fallback)
    y = np.where(positive, net, floor)
    bars = np.where(np.isfinite(sigma), sigma, 0.0)
    lower = np.minimum(bars, 0.95 * y)  # a bar reaching zero would reach minus infinity on a log axis
    axis.errorbar(x[positive], y[positive], yerr=(lower[positive], bars[positive]), fmt="o", ms=3.5,
                  color=colour, ecolor=colour, elinewidth=0.8, capsize=1.5, label=label)
    if (~positive).any():
        axis.plot(x[~positive], y[~positive], UPPER_LIMIT_MARKER, ms=5, mfc="none", color=colour,
                  label=f"{label}: at or below dark (drawn at 1σ noise)" if limit_label else None)
    return x, y


def measurement_title(what: str, procedure=None, *, with_temperature: bool = True) -> str:
    """``what`` on which particle, at which temperature, on which bench (as far as the run knows them)."""
    parts = []
    if procedure is not None:
        pump = getattr(getattr(procedure, "pump", None), "name", None)
        if pump:
            parts.append(str(pump))
        parked = procedure.recall("parked_um") if hasattr(procedure, "recall") else None
        if parked is not None:
            parts.append(f"particle at ({parked[0]:.2f}, {parked[1]:.2f}) µm")
        kelvin = sample_temperature(procedure) if with_temperature else None
        if kelvin is not None:
            parts.append(f"{kelvin:.1f} K")
        bench = getattr(getattr(getattr(procedure, "bench", None), "config", None), "name", None)
        if bench:
            parts.append(str(bench))
    return what + ("\n" + ", ".join(parts) if parts else "")


def sample_temperature(procedure) -> float | None:
    """The cryostat's reading at the end of the run, if the bench has one (figures are drawn with it open)."""
    bench = getattr(procedure, "bench", None)
    try:
        controllers = bench.by_role("temperature_controller") if bench is not None else {}
        if len(controllers) != 1:
            return None
        return float(next(iter(controllers.values())).temperature_k)
    except Exception:  # a figure's title is no reason to fail a run: the title then names no temperature
        return None


def s_curve_figure(sweeps: dict[str, pd.DataFrame], background: float, title: str,
                   summary: dict | None = None, *, order_numbers: bool = False):
    """Emission above dark against intensity (log-log) with the local slope S beneath.

    Every reading is drawn with its Poisson bar (at-or-below-dark ones as upper
    limits, see :func:`draw_net_rates`); the local slope with its regression
    error; the threshold estimator's fitted step as a smooth curve when it fitted
    one; the threshold as a line with its ±1σ band, and the threshold and S_max
    written with their uncertainties (S_max as a lower bound when it is one).
    ``order_numbers`` writes each point's acquisition index beside it.
    """
    summary = summary or {}
    figure, (top, bottom) = subplots(2, 1, figsize=(6.8, 7.0), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    top.set_xscale("log")
    top.set_yscale("log")
    fitted_any = False
    for (label, data), colour in zip(sweeps.items(), _COLOURS):
        if data.empty:
            continue
        acquired = data.reset_index(drop=True)
        table = acquired.assign(acquired=np.arange(len(acquired))).sort_values("intensity_kw_cm2", kind="stable")
        x = table["intensity_kw_cm2"].to_numpy(dtype=float)
        net, sigma = poisson_net(table, background)
        _, y = draw_net_rates(top, x, net, sigma, colour=colour, label=label)
        if order_numbers:
            for xi, yi, k in zip(x, y, table["acquired"]):
                top.annotate(str(int(k) + 1), (xi, yi), xytext=(3, 3), textcoords="offset points", fontsize=6,
                             color="0.35")
        step = fitted_step(table, background=background)
        fine = np.geomspace(x.min(), x.max(), 600)
        if step is not None:
            fitted_any = True
            top.plot(fine, step.emission(fine), "-", color=colour, lw=1.3, alpha=0.8, label=f"{label}: step fit")
            bottom.plot(fine, step.slope(fine), "-", color=colour, lw=1.3, alpha=0.8)
        if len(table) >= 2:
            slopes = local_slope(table, background=background).dropna(subset=["slope"])
            bottom.errorbar(slopes["intensity_kw_cm2"], slopes["slope"], yerr=slopes["slope_error"].fillna(0.0),
                            fmt="o", ms=3, color=colour, elinewidth=0.8, capsize=1.5)
    threshold = summary.get("threshold_kw_cm2")
    if _finite(threshold):
        error = summary.get("threshold_uncertainty_kw_cm2")
        for axis in (top, bottom):
            axis.axvline(threshold, color="0.4", ls="--", lw=1)
            if _finite(error) and error > 0:
                axis.axvspan(threshold - error, threshold + error, color="0.5", alpha=0.15, lw=0)
        lines = [f"I_th = {with_uncertainty(threshold, error, 'kW/cm²')}"]
        down = summary.get("threshold_down_kw_cm2")
        if _finite(down) and "down" in sweeps:  # the down sweep's own threshold: dynamic hysteresis
            for axis in (top, bottom):
                axis.axvline(down, color=_COLOURS[1], ls=":", lw=1)
            lines.append(f"I_th (down sweep, dotted) = {down:.3g} kW/cm²")
        lines.append(s_max_text(summary))
        lines.append(f"({summary.get('threshold_estimator', 'estimator not stated')})")
        top.text(0.02, 0.97, "\n".join(line for line in lines if line), transform=top.transAxes, va="top",
                 fontsize=8.5, bbox={"boxstyle": "round", "fc": "white", "ec": "0.7", "alpha": 0.9})
    elif summary.get("threshold_error"):
        top.text(0.02, 0.97, f"no threshold: {summary['threshold_error']}", transform=top.transAxes, va="top",
                 fontsize=8, wrap=True)
    top.set_ylabel("count rate above dark (1/s)")
    top.set_title(title, fontsize=10)
    if top.get_legend_handles_labels()[0]:  # a run stopped before its first reading has nothing to name
        top.legend(loc="lower right", fontsize=7.5)
    bottom.set_ylabel("local slope S")
    bottom.set_xlabel("peak intensity at the sample (kW/cm²)")
    _widen_single_intensity(top, sweeps)
    bottom.axhline(2, color="0.6", lw=0.6, ls=":")
    note = "points: local 3-point regression ±1σ" + ("; lines: step fit" if fitted_any else "")
    bottom.text(0.99, 0.95, note, transform=bottom.transAxes, ha="right", va="top", fontsize=7, color="0.35")
    figure.tight_layout()
    return figure


def _widen_single_intensity(axis, sweeps: dict[str, pd.DataFrame]) -> None:
    """A run stopped after one intensity (or none) has no x range of its own: give the log axis a decade."""
    intensities = np.unique(np.concatenate([np.asarray(d["intensity_kw_cm2"], dtype=float)
                                            for d in sweeps.values() if len(d)] or [np.empty(0)]))
    intensities = intensities[np.isfinite(intensities) & (intensities > 0)]
    if len(intensities) <= 1:
        centre = float(intensities[0]) if len(intensities) else 10.0
        axis.set_xlim(centre / np.sqrt(10.0), centre * np.sqrt(10.0))


def s_max_text(summary: dict) -> str:
    """S_max as the summary has it: with its uncertainty, or as a lower bound."""
    s_max = summary.get("s_max")
    if not _finite(s_max):
        return ""
    if summary.get("s_max_is_lower_limit"):
        return f"S_max ≥ {s_max:.3g} (lower bound: steep part between points)"
    return f"S_max = {with_uncertainty(s_max, summary.get('s_max_uncertainty'))}"


def nice_length(span: float) -> float:
    """A round length (1, 2 or 5 times a power of ten) of about a fifth of ``span``."""
    target = max(abs(span), 1e-12) / 5
    power = 10 ** math.floor(math.log10(target))
    return max((m * power for m in (1, 2, 5) if m * power <= target), default=power)


def add_scale_bar(axis, span_um: float, *, colour: str = "white") -> float:
    """A scale bar at the lower left of an image axis (µm, or nm below 1 µm); returns its length in µm."""
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    length = nice_length(span_um)
    text = f"{length:g} µm" if length >= 1 else f"{length * 1e3:g} nm"
    bar = AnchoredSizeBar(axis.transData, length, text, "lower left", pad=0.4, color=colour, frameon=False,
                          size_vertical=span_um / 120, fontproperties=FontProperties(size=8))
    bar.set_gid("scale bar")
    axis.add_artist(bar)
    return length


def image_extent(image: np.ndarray, x_um, y_um) -> tuple[float, float, float, float]:
    """imshow extent putting each pixel's centre at its position (pixels when no axis is given)."""
    ny, nx = np.shape(image)
    x = np.asarray(x_um if x_um is not None else np.arange(nx), dtype=float)
    y = np.asarray(y_um if y_um is not None else np.arange(ny), dtype=float)
    dx = (x[-1] - x[0]) / (nx - 1) if nx > 1 else 1.0
    dy = (y[-1] - y[0]) / (ny - 1) if ny > 1 else 1.0
    return (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)


def draw_image(figure, axis, image: np.ndarray, x_um, y_um, *, label: str, cmap: str = "inferno",
               vmin: float | None = None, vmax: float | None = None, scale_bar: bool = True,
               bar_colour: str = "white"):
    """One image panel: x right, y up, its own colourbar labelled ``label`` (with units), a scale bar."""
    extent = image_extent(image, x_um, y_um)
    shown = axis.imshow(np.asarray(image, dtype=float), origin="lower", extent=extent, cmap=cmap, aspect="equal",
                        vmin=vmin, vmax=vmax, interpolation="nearest")
    figure.colorbar(shown, ax=axis, label=label, fraction=0.046, pad=0.03)
    has_axes = x_um is not None and y_um is not None
    axis.xaxis.set_major_locator(MaxNLocator(5))  # off-centre scans have long tick labels: keep them apart
    axis.set_xlabel("x (µm)" if has_axes else "x (pixels)")
    axis.set_ylabel("y (µm)" if has_axes else "y (pixels)")
    if scale_bar and has_axes:
        add_scale_bar(axis, extent[1] - extent[0], colour=bar_colour)
    return shown


def image_figure(image: np.ndarray, x_um: np.ndarray, y_um: np.ndarray, title: str, *, label: str = "counts",
                 vmin: float | None = None, vmax: float | None = None, shared_with: str | None = None):
    """One image with its colourbar (``label``, with units), a scale bar, x right and y up (stated).

    ``vmin``/``vmax`` put several images on one colour scale; ``shared_with`` then says with which
    (e.g. "every PASSI image of the run"), written under the image, so a reader knows whether two
    figures' colours compare.
    """
    figure, axis = subplots(figsize=(5.8, 4.9))
    draw_image(figure, axis, image, x_um, y_um, label=label, vmin=vmin, vmax=vmax)
    axis.set_title(title, fontsize=10)
    scale = f"colour scale shared with {shared_with}" if shared_with else "colour scale of this image alone"
    figure.text(0.01, 0.01, f"x right, y up (stage coordinates); {scale}", fontsize=7, color="0.4")
    figure.tight_layout()
    return figure
