"""Figures of a particle survey: the thresholds over the field, their histograms and correlations.

Each particle's value is drawn with its own ±1σ (the threshold estimator's, the rise fit's); an S_max that
is only a lower bound (the steep part of that particle's S-curve fell between two points) is drawn as an
open upward triangle and said so in the legend, never as if it were a measurement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .figures import add_scale_bar, image_extent, subplots  # figures on their own canvas: pyplot left alone

LABELS = {"threshold_kw_cm2": "threshold (kW/cm²)", "s_max": "S_max", "t90_s": "t90 (s)"}
ERRORS = {"threshold_kw_cm2": "threshold_uncertainty_kw_cm2", "s_max": "s_max_uncertainty",
          "t90_s": "t90_uncertainty_s"}


def _errors(table: pd.DataFrame, quantity: str) -> np.ndarray:
    column = ERRORS.get(quantity)
    if column is None or column not in table:
        return np.zeros(len(table))
    return np.nan_to_num(table[column].to_numpy(dtype=float))


def _lower_bound(table: pd.DataFrame, quantity: str) -> np.ndarray:
    """Which particles' value of ``quantity`` is only a lower bound."""
    if quantity != "s_max" or "s_max_is_lower_limit" not in table:
        return np.zeros(len(table), dtype=bool)
    return table["s_max_is_lower_limit"].map(lambda v: v is True or v == 1.0).to_numpy(dtype=bool)


def threshold_map_figure(table: pd.DataFrame, images: dict):
    """Each particle at its place, coloured by its threshold, over the overview image(s)."""
    figure, axis = subplots(figsize=(6.6, 5.6))
    spans = []
    for name, entry in sorted(images.items()):
        if not name.startswith("overview_"):
            continue
        image, x, y = entry.get("image"), entry.get("x_um"), entry.get("y_um")
        if image is None or x is None or y is None:
            continue
        extent = image_extent(np.asarray(image), x, y)
        spans.append(extent[1] - extent[0])
        axis.imshow(np.asarray(image), origin="lower", extent=extent, cmap="gray", alpha=0.6, aspect="equal")
    measured = table[table.threshold_kw_cm2.notna()]
    shown = axis.scatter(measured.x_um, measured.y_um, c=measured.threshold_kw_cm2, cmap="viridis", s=60,
                         edgecolors="white", linewidths=0.6)
    figure.colorbar(shown, ax=axis, label=LABELS["threshold_kw_cm2"])
    missing = table[table.threshold_kw_cm2.isna()]
    if len(missing):
        axis.plot(missing.x_um, missing.y_um, "x", color="red", ms=7, label="no threshold")
        axis.legend(loc="upper right", fontsize=8)
    for row in table.itertuples():
        axis.annotate(str(int(row.particle)), (row.x_um, row.y_um), fontsize=6, color="white",
                      xytext=(4, 4), textcoords="offset points")
    if spans:
        add_scale_bar(axis, max(spans))
    axis.set_xlabel("x (µm)")
    axis.set_ylabel("y (µm)")
    axis.set_title(f"Thresholds of {len(measured)} of {len(table)} particles over the overview scan "
                   "(gray: counts; x right, y up)", fontsize=9)
    figure.tight_layout()
    return figure


def histogram_figure(table: pd.DataFrame, quantities):
    present = [q for q in quantities if q in table and table[q].notna().any()]
    figure, axes = subplots(1, max(1, len(present)), figsize=(4.4 * max(1, len(present)), 3.8))
    for axis, quantity in zip(np.atleast_1d(axes), present):
        values = table[quantity].dropna()
        axis.hist(values, bins=max(5, int(np.sqrt(len(values))) + 1), color="#1f77b4", edgecolor="white")
        axis.set_xlabel(LABELS.get(quantity, quantity))
        axis.set_ylabel("particles")
        bounds = int(_lower_bound(table.loc[values.index], quantity).sum())
        note = f"; {bounds} lower bounds" if bounds else ""
        axis.set_title(f"n = {len(values)}: mean {values.mean():.3g}, sd "
                       f"{values.std(ddof=1) if len(values) > 1 else 0:.2g}{note}", fontsize=9)
    figure.tight_layout()
    return figure


def correlation_figure(table: pd.DataFrame, quantities, correlations: dict | None = None):
    """Every pair of quantities against each other, each particle with its ±1σ bars (and Spearman's rho)."""
    present = [q for q in quantities if q in table and table[q].notna().any()]
    pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1:]]
    figure, axes = subplots(1, max(1, len(pairs)), figsize=(4.4 * max(1, len(pairs)), 4.0))
    for axis, (a, b) in zip(np.atleast_1d(axes), pairs):
        bound = _lower_bound(table, a) | _lower_bound(table, b)
        x, y = table[a].to_numpy(dtype=float), table[b].to_numpy(dtype=float)
        xerr, yerr = _errors(table, a), _errors(table, b)
        if (~bound).any():
            axis.errorbar(x[~bound], y[~bound], xerr=xerr[~bound], yerr=yerr[~bound], fmt="o", ms=4, capsize=2,
                          label="measured ±1σ")
        if bound.any():
            # The triangle points the way the true value may lie: up for S_max on y, right for S_max on x.
            axis.errorbar(x[bound], y[bound], xerr=None if a == "s_max" else xerr[bound],
                          yerr=None if b == "s_max" else yerr[bound], fmt="^" if b == "s_max" else ">", ms=5,
                          mfc="none", capsize=2, color="#d62728", label="S_max a lower bound")
        axis.set_xlabel(LABELS.get(a, a))
        axis.set_ylabel(LABELS.get(b, b))
        rho = (correlations or {}).get(f"{a}~{b}")
        if rho:
            axis.set_title(f"Spearman ρ = {rho['spearman']:.2f} (p = {rho['p_value']:.2g}, n = {rho['n']})",
                           fontsize=9)
        axis.legend(fontsize=7, loc="best")
    figure.tight_layout()
    return figure
