"""Figures of a particle survey: the thresholds over the field, their histograms and correlations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .figures import subplots  # figures on their own canvas: the user's pyplot backend is left alone

LABELS = {"threshold_kw_cm2": "threshold (kW/cm²)", "s_max": "S_max", "t90_s": "t90 (s)"}


def threshold_map_figure(table: pd.DataFrame, images: dict):
    """Each particle at its place, coloured by its threshold, over the overview image(s)."""
    figure, axis = subplots(figsize=(6.4, 5.4))
    for name, entry in sorted(images.items()):
        if not name.startswith("overview_"):
            continue
        image, x, y = entry.get("image"), entry.get("x_um"), entry.get("y_um")
        if image is None or x is None or y is None:
            continue
        axis.imshow(np.asarray(image), origin="lower", extent=(x[0], x[-1], y[0], y[-1]), cmap="gray",
                    alpha=0.6, aspect="equal")
    shown = axis.scatter(table.x_um, table.y_um, c=table.threshold_kw_cm2, cmap="viridis", s=60,
                         edgecolors="white", linewidths=0.6)
    figure.colorbar(shown, ax=axis, label=LABELS["threshold_kw_cm2"])
    for row in table.itertuples():
        axis.annotate(str(int(row.particle)), (row.x_um, row.y_um), fontsize=6, color="white",
                      xytext=(4, 4), textcoords="offset points")
    axis.set_xlabel("x (µm)")
    axis.set_ylabel("y (µm)")
    axis.set_title(f"Thresholds of {len(table)} particles")
    figure.tight_layout()
    return figure


def histogram_figure(table: pd.DataFrame, quantities):
    present = [q for q in quantities if q in table and table[q].notna().any()]
    figure, axes = subplots(1, max(1, len(present)), figsize=(4.2 * max(1, len(present)), 3.6))
    for axis, quantity in zip(np.atleast_1d(axes), present):
        values = table[quantity].dropna()
        axis.hist(values, bins=max(5, int(np.sqrt(len(values))) + 1), color="#1f77b4", edgecolor="white")
        axis.set_xlabel(LABELS.get(quantity, quantity))
        axis.set_ylabel("particles")
        axis.set_title(f"mean {values.mean():.3g}, sd {values.std(ddof=1) if len(values) > 1 else 0:.2g}")
    figure.tight_layout()
    return figure


def correlation_figure(table: pd.DataFrame, quantities):
    present = [q for q in quantities if q in table and table[q].notna().any()]
    pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1:]]
    figure, axes = subplots(1, max(1, len(pairs)), figsize=(4.2 * max(1, len(pairs)), 3.8))
    for axis, (a, b) in zip(np.atleast_1d(axes), pairs):
        axis.plot(table[a], table[b], "o", ms=4)
        axis.set_xlabel(LABELS.get(a, a))
        axis.set_ylabel(LABELS.get(b, b))
    figure.tight_layout()
    return figure
