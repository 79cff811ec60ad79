"""Threshold search: locate the avalanche threshold adaptively, measuring densely only where S changes.

The sampling strategy is :func:`.threshold_finder.home_in`; every point is a
settled, recorded measurement as in a power sweep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from .figures import measurement_title, s_curve_figure
from .power_sweep import UP, PowerSweep, analyse_s_curve
from .threshold_finder import home_in


class ThresholdSearch(PowerSweep):
    """Adaptive sampling of the S-curve that homes in on the slope peak; threshold and S_max with errors."""

    NAME = "threshold"

    points = IntegerParameter("Survey points", default=8, minimum=4, maximum=200)
    precision = FloatParameter("Target precision (relative)", default=0.02, minimum=1e-4, maximum=0.5)
    max_points = IntegerParameter("Most points in all", default=20, minimum=5, maximum=10000)

    def execute(self) -> None:
        background = self.dark_rate(self.gate)
        self.aim()
        self.pump_on(self.min_intensity)
        taken = 0
        self.phase("threshold search")

        def measure(intensity: float) -> tuple[float, float]:
            nonlocal taken
            row = self.measure_point(f"search-{taken}", UP, intensity)
            taken += 1
            self.progress(taken / self.max_points)
            self.phase("threshold search", taken / self.max_points)
            return row["count_rate_s"] - background, np.sqrt(max(row["counts"], 1)) / row["gate_s"]

        home_in(measure, self.min_intensity, self.max_intensity, survey_points=self.points,
                precision=self.precision, max_points=self.max_points, should_stop=self.should_stop)

    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        summary = analyse_s_curve(data)
        summary["points_measured"] = int((data.direction == UP).sum())
        return summary

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        # Points sorted by intensity, numbered in the order the search took them.
        title = measurement_title("Threshold search: adaptive S-curve", self)
        return {"threshold_search": s_curve_figure({"adaptive": data[data.direction == UP]},
                                                   summary.get("dark_count_rate_s", 0.0), title, summary,
                                                   order_numbers=True)}

