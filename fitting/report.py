"""What a fit leaves beside the data: fit.json and a figure of data, model and residuals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .dataset import ParticleData
from .fit import deviance_residuals


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def write_fit_json(path: Path, content: dict) -> None:
    """fit.json, written whole or not at all (NaN and infinities as null: JSON has neither)."""
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_text(json.dumps(_finite(content), indent=2), encoding="utf-8")
    temporary.replace(path)


def fit_figure(data: ParticleData, result: dict, systematic: float):
    """S-curve (and rise traces) with the fitted model on top and the residuals beneath."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    expected = result["expected"]
    columns = 1 + bool(data.rises)
    figure = Figure(figsize=(5.6 * columns, 6.0))  # its own canvas: the user's pyplot backend is left alone
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, columns, squeeze=False, gridspec_kw={"height_ratios": [2.5, 1]})
    order = np.argsort(data.s_curve.intensity_kw_cm2.to_numpy())
    intensity = data.s_curve.intensity_kw_cm2.to_numpy()[order]
    gate = data.s_curve.gate_s.to_numpy()[order]
    observed = data.s_curve.counts.to_numpy(float)[order]
    model = np.asarray(expected["s_curve"])[order]
    top, bottom = axes[0, 0], axes[1, 0]
    top.loglog(intensity, observed / gate, "o", ms=4, label="data")
    top.loglog(intensity, model / gate, "-", label="model")
    top.set_ylabel("count rate (1/s)")
    top.set_title(f"{result['label']}: {'fits' if result['explains_data'] else 'does NOT fit'}")
    top.legend(fontsize=8)
    bottom.semilogx(intensity, deviance_residuals(observed, model, systematic), "o", ms=4)
    bottom.axhline(0, color="grey", lw=0.8)
    bottom.set_xlabel("peak intensity (kW/cm²)")
    bottom.set_ylabel("residual (σ)")
    if data.rises:
        top, bottom = axes[0, 1], axes[1, 1]
        for k, trace in enumerate(data.rises):
            model = np.asarray(expected[f"rise_{k}"])
            top.plot(trace.time_s, trace.counts / trace.gate_s, ".", ms=3, label=f"{trace.intensity_kw_cm2:.3g} kW/cm²")
            top.plot(trace.time_s, model / trace.gate_s, "-", lw=1)
            bottom.plot(trace.time_s, deviance_residuals(trace.counts, model, systematic), ".", ms=3)
        top.set_ylabel("count rate (1/s)")
        top.set_title("rise after the pump step")
        top.legend(fontsize=8)
        bottom.axhline(0, color="grey", lw=0.8)
        bottom.set_xlabel("time from the step (s)")
        bottom.set_ylabel("residual (σ)")
    figure.tight_layout()
    return figure
