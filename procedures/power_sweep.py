"""Power sweep: the S-curve of one particle and its local slope S(I)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymeasure.experiment import BooleanParameter, FloatParameter, IntegerParameter

from .analysis.slope import local_slope
from .analysis.threshold import avalanche_threshold, dark_background
from .figures import measurement_title, s_curve_figure
from .particle_experiment import ParticleExperiment
from .settling import read_when_settled

UP, DOWN, DARK = 1, -1, 0


class PowerSweep(ParticleExperiment):
    """Log-spaced pump intensities on one particle, each read once the emission has settled."""

    NAME = "power-sweep"

    min_intensity = FloatParameter("Lowest intensity", units="kW/cm^2", default=1.0, minimum=1e-3, maximum=1e5)
    max_intensity = FloatParameter("Highest intensity", units="kW/cm^2", default=60.0, minimum=1e-3, maximum=1e5)
    points = IntegerParameter("Points", default=60, minimum=2, maximum=10000)
    up_and_down = BooleanParameter("Sweep up, then down", default=False)
    gate = FloatParameter("First counting gate", units="s", default=0.001, minimum=1e-4, maximum=60.0)
    tolerance = FloatParameter("Settling tolerance (relative)", default=0.05, minimum=1e-3, maximum=1.0)
    readings = IntegerParameter("Agreeing readings", default=3, minimum=2, maximum=50)
    max_wait = FloatParameter("Longest settling wait", units="s", default=30.0, minimum=0.01, maximum=3600.0)
    min_counts = IntegerParameter("Counts to collect per point", default=400, minimum=0, maximum=10**9)
    max_integration = FloatParameter("Longest integration per point", units="s", default=10.0, minimum=0.0,
                                     maximum=3600.0)

    DATA_COLUMNS = ["direction", "power_setpoint_w", "beam_power_w", "intensity_kw_cm2", "counts", "gate_s",
                    "count_rate_s", "settle_time_s", "settled", "stopped_by", "time_s"]

    def check_against_bench(self) -> None:
        self.resolve_instruments()
        if self.max_intensity <= self.min_intensity:
            raise ValueError(f"highest intensity ({self.max_intensity}) must exceed the lowest ({self.min_intensity})")
        self.check_powers(self.max_intensity, self.search_intensity)

    def reading_row(self, kind: str, intensity_kw_cm2: float, counts: int, seconds: float) -> dict:
        return {"direction": DARK, "power_setpoint_w": 0.0, "beam_power_w": 0.0, "intensity_kw_cm2": 0.0,
                "counts": counts, "gate_s": seconds, "count_rate_s": counts / seconds, "settle_time_s": 0.0,
                "settled": 1, "stopped_by": "fixed gate", "time_s": self.clock.now()}

    def intensities(self) -> list[tuple[str, int, float]]:
        """The plan: (point key, direction, intensity)."""
        up = np.geomspace(self.min_intensity, self.max_intensity, self.points)
        plan = [(f"up-{k}", UP, i) for k, i in enumerate(up)]
        if self.up_and_down:
            plan += [(f"down-{k}", DOWN, i) for k, i in enumerate(up[::-1][1:])]
        return plan

    def execute(self) -> None:
        self.dark_rate(self.gate)
        self.aim()
        plan = self.intensities()
        self.pump_on(plan[0][2])
        for k, (key, direction, intensity) in enumerate(plan):
            if self.should_stop():
                break
            self.phase("sweep", k / len(plan))
            self.measure_point(key, direction, intensity)
            self.progress((k + 1) / len(plan))

    def measure_point(self, key: str, direction: int, intensity: float) -> dict:
        """Point ``key``: set the pump, read the emission once settled; returns the row."""
        def measure() -> dict:
            setpoint = self.power_for(intensity)
            self.pump.set_power(setpoint)
            reading = read_when_settled(self.detector, self.clock, gate_s=self.gate, tolerance=self.tolerance,
                                        readings=self.readings, max_wait_s=self.max_wait,
                                        min_counts=self.min_counts, max_integration_s=self.max_integration,
                                        should_stop=self.should_stop)
            beam, delivered = self.delivered(intensity)
            return {
                "direction": direction, "power_setpoint_w": setpoint, "beam_power_w": beam,
                "intensity_kw_cm2": delivered,
                "counts": reading.counts, "gate_s": reading.gate_s, "count_rate_s": reading.count_rate_s,
                "settle_time_s": reading.settle_time_s, "settled": int(reading.settled),
                "stopped_by": reading.stopped_by, "time_s": self.clock.now(),
            }

        (row,) = self.point(key, measure)
        return row

    # -- analysis ---------------------------------------------------------------------------
    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        return analyse_s_curve(data)

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        sweeps = {"up": data[data.direction == UP]}
        if (data.direction == DOWN).any():
            sweeps["down"] = data[data.direction == DOWN]
        background = summary.get("dark_count_rate_s", 0.0)
        title = measurement_title("Power sweep: emission against pump intensity", self)
        return {"s_curve": s_curve_figure(sweeps, background, title, summary)}


def analyse_s_curve(data: pd.DataFrame) -> dict:
    """Threshold, S_max and hysteresis of a sweep table (directions UP/DOWN, DARK rows for background)."""
    dark = data[data.direction == DARK]
    # The dark reading's Poisson error is common to every point's net signal.
    background, background_error = dark_background(dark)
    up = data[data.direction == UP]
    summary: dict = {"dark_count_rate_s": background, "points": int(len(up)),
                     "unsettled_points": int((data.settled == 0).sum())}
    slopes = local_slope(up, background=background).dropna(subset=["slope"]) if len(up) >= 2 else None
    if slopes is not None:
        summary["local_slope"] = slopes[["intensity_kw_cm2", "slope", "slope_error"]].to_dict(orient="records")
    try:
        summary.update(avalanche_threshold(up, background=background, background_error=background_error).as_dict())
    except ValueError as error:  # too few points above the dark counts: say so, the data stand
        summary["threshold_error"] = str(error)
    down = data[data.direction == DOWN]
    if len(down) >= 4:
        try:
            summary["threshold_down_kw_cm2"] = avalanche_threshold(
                down, background=background, background_error=background_error).threshold_kw_cm2
        except ValueError as error:
            summary["threshold_down_error"] = str(error)
    return summary
