"""Power sweep: the S-curve of one particle and its local slope S(I)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from pymeasure.experiment import BooleanParameter, FloatParameter, IntegerParameter, Parameter

from .analysis.slope import local_slope
from .analysis.threshold import avalanche_threshold
from .base import BenchProcedure
from .figures import s_curve_figure
from .scanning import locate_particle
from .settling import read_when_settled

UP, DOWN, DARK = 1, -1, 0


def parse_list(text: str, what: str) -> list[float]:
    """Comma-separated positive numbers, e.g. '5, 6.5, 8'."""
    try:
        values = [float(v) for v in str(text).replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers, not {text!r}") from None
    if not values or any(not np.isfinite(v) or v <= 0 for v in values):
        raise ValueError(f"{what} must be positive numbers, not {text!r}")
    return values


def parse_target(text: str) -> tuple[float, float] | str:
    """``brightest``, ``here`` or ``x,y`` in um."""
    text = text.strip().lower()
    if text in ("brightest", "here"):
        return text
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"target must be 'brightest', 'here' or 'x,y' in um, not {text!r}") from None
    return x, y


class ParticleExperiment(BenchProcedure):
    """Shared parameters and steps of experiments on one particle under the pump laser."""

    laser = Parameter("Pump laser", default="")
    counter = Parameter("Photon counter", default="")
    power_meter = Parameter("Power meter", default="")
    scanner = Parameter("Scanner", default="")
    target = Parameter("Target (brightest, here, or x,y in um)", default="brightest")
    search_intensity = FloatParameter("Search intensity", units="kW/cm^2", default=30.0, minimum=0.01, maximum=1e5)

    def resolve_instruments(self) -> None:
        self.pump = self.instrument("laser", self.laser)
        self.detector = self.instrument("photon_counter", self.counter)
        meters = self.bench.by_role("power_meter")
        self.meter = (self.instrument("power_meter", self.power_meter)
                      if (self.power_meter or len(meters) == 1) else None)
        scanners = self.bench.by_role("scanner")
        self.galvo = self.instrument("scanner", self.scanner) if (self.scanner or len(scanners) == 1) else None
        parse_target(self.target)

    def power_for(self, intensity_kw_cm2: float) -> float:
        return self.bench.beam_power_for_intensity(self.pump.name, intensity_kw_cm2)

    def check_powers(self, *intensities: float) -> None:
        """Refuse before anything moves if an intensity needs more pump power than the bench allows."""
        self.check_intensities(self.pump, *intensities)

    def measure_dark(self, gate_s: float, *, min_counts: int = 1000, max_s: float = 10.0) -> tuple[int, float]:
        """(counts, seconds) with the pump off: the background of everything that follows.

        Counts until ``min_counts`` (3 % precision) or ``max_s``, at least ten
        gates: the background is subtracted from every point, so an error in
        it bends the foot of the S-curve.
        """
        self.pump.emission_off()
        counts, counted = 0, 0.0
        while (counts < min_counts and counted < max_s) or counted < 10 * gate_s - 1e-12:
            counts += self.detector.count(gate_s)
            counted += gate_s
        return counts, counted

    def aim(self) -> None:
        """Park the beam on the target particle."""
        target = parse_target(self.target)
        if self.galvo is None or target == "here":
            return
        if isinstance(target, tuple):
            self.galvo.move_to(*target)
            return
        self.pump.set_power(self.power_for(self.search_intensity))
        self.pump.emission_on()
        x, y, _ = locate_particle(self.galvo, self.detector)
        self.log_info(f"parked on the brightest particle at ({x:.3f}, {y:.3f}) um")

    def log_info(self, message: str) -> None:
        logging.getLogger(type(self).__module__).info(message)

    def locate_threshold(self, low: float, high: float, *, precision: float = 0.02, gate_s: float = 0.05,
                         background: float | None = None) -> tuple[float, list[dict]]:
        """The threshold of the particle under the beam, homed in on with settled readings.

        Returns the threshold and the readings (intensity_kw_cm2, count_rate_s,
        counts, gate_s), for the caller to record if it wants them.
        """
        from .threshold_finder import home_in

        if background is None:
            counts, seconds = self.measure_dark(gate_s)
            background = counts / seconds
        self.pump.set_power(self.power_for(low))
        if not self.pump.emission:
            self.pump.emission_on()
        rows = []

        def measure(intensity: float) -> tuple[float, float]:
            self.pump.set_power(self.power_for(intensity))
            reading = read_when_settled(self.detector, self.clock, gate_s=gate_s, readings=3, max_wait_s=10.0,
                                        min_counts=200, max_integration_s=2.0, should_stop=self.should_stop)
            rows.append({"intensity_kw_cm2": intensity, "count_rate_s": reading.count_rate_s,
                         "counts": reading.counts, "gate_s": reading.gate_s})
            return reading.count_rate_s - background, np.sqrt(max(reading.counts, 1)) / reading.gate_s

        home_in(measure, low, high, survey_points=10, precision=precision, max_points=30,
                should_stop=self.should_stop)
        threshold = avalanche_threshold(pd.DataFrame(rows), background=background).threshold_kw_cm2
        self.log_info(f"threshold located at {threshold:.4g} kW/cm^2 from {len(rows)} settled readings")
        return threshold, rows

    def beam_power_now(self, setpoint_w: float) -> float:
        """Laser output from the pick-off power meter if there is one, else the laser's own reading."""
        if self.meter is not None:
            return self.meter.beam_power_w()
        return self.pump.power_w or setpoint_w


class PowerSweep(ParticleExperiment):
    """Log-spaced pump intensities on one particle, each read once the emission has settled."""

    NAME = "power-sweep"

    min_intensity = FloatParameter("Lowest intensity", units="kW/cm^2", default=1.0, minimum=1e-3, maximum=1e5)
    max_intensity = FloatParameter("Highest intensity", units="kW/cm^2", default=60.0, minimum=1e-3, maximum=1e5)
    points = IntegerParameter("Points", default=60, minimum=2, maximum=10000)
    up_and_down = BooleanParameter("Sweep up, then down", default=False)
    gate = FloatParameter("Counting gate", units="s", default=0.1, minimum=1e-4, maximum=60.0)
    tolerance = FloatParameter("Settling tolerance (relative)", default=0.05, minimum=1e-3, maximum=1.0)
    readings = IntegerParameter("Agreeing readings", default=3, minimum=2, maximum=50)
    max_wait = FloatParameter("Longest settling wait", units="s", default=30.0, minimum=0.01, maximum=3600.0)
    min_counts = IntegerParameter("Counts to collect per point", default=400, minimum=0, maximum=10**9)
    max_integration = FloatParameter("Longest integration per point", units="s", default=10.0, minimum=0.0,
                                     maximum=3600.0)

    DATA_COLUMNS = ["direction", "power_setpoint_w", "beam_power_w", "intensity_kw_cm2", "counts", "gate_s",
                    "count_rate_s", "settle_time_s", "settled", "time_s"]

    def check_against_bench(self) -> None:
        self.resolve_instruments()
        if self.max_intensity <= self.min_intensity:
            raise ValueError(f"highest intensity ({self.max_intensity}) must exceed the lowest ({self.min_intensity})")
        self.check_powers(self.max_intensity, self.search_intensity)

    def intensities(self) -> list[tuple[int, float]]:
        up = np.geomspace(self.min_intensity, self.max_intensity, self.points)
        plan = [(UP, i) for i in up]
        if self.up_and_down:
            plan += [(DOWN, i) for i in up[::-1][1:]]
        return plan

    def record_dark(self) -> float:
        """Measure and record the dark count rate; returns it."""
        dark, seconds = self.measure_dark(self.gate)
        self.emit("results", {"direction": DARK, "power_setpoint_w": 0.0, "beam_power_w": 0.0,
                              "intensity_kw_cm2": 0.0, "counts": dark, "gate_s": seconds,
                              "count_rate_s": dark / seconds, "settle_time_s": 0.0, "settled": 1,
                              "time_s": self.clock.now()})
        return dark / seconds

    def execute(self) -> None:
        self.record_dark()
        self.aim()
        plan = self.intensities()
        self.pump.set_power(self.power_for(plan[0][1]))
        if not self.pump.emission:
            self.pump.emission_on()
        for k, (direction, intensity) in enumerate(plan):
            if self.should_stop():
                break
            self.measure_point(direction, intensity)
            self.progress((k + 1) / len(plan))

    def measure_point(self, direction: int, intensity: float) -> dict:
        """Set the pump, read the emission once settled, record and return the row."""
        setpoint = self.power_for(intensity)
        self.pump.set_power(setpoint)
        reading = read_when_settled(self.detector, self.clock, gate_s=self.gate, tolerance=self.tolerance,
                                    readings=self.readings, max_wait_s=self.max_wait, min_counts=self.min_counts,
                                    max_integration_s=self.max_integration, should_stop=self.should_stop)
        beam = self.beam_power_now(setpoint)
        row = {
            "direction": direction, "power_setpoint_w": setpoint, "beam_power_w": beam,
            "intensity_kw_cm2": self.bench.peak_intensity_kw_cm2(self.pump.name, beam),
            "counts": reading.counts, "gate_s": reading.gate_s, "count_rate_s": reading.count_rate_s,
            "settle_time_s": reading.settle_time_s, "settled": int(reading.settled), "time_s": self.clock.now(),
        }
        self.emit("results", row)
        return row

    # -- analysis ---------------------------------------------------------------------------
    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        return analyse_s_curve(data)

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        sweeps = {"up": data[data.direction == UP]}
        if (data.direction == DOWN).any():
            sweeps["down"] = data[data.direction == DOWN]
        background = summary.get("dark_count_rate_s", 0.0)
        return {"s_curve": s_curve_figure(sweeps, background, "Power sweep", summary.get("threshold_kw_cm2"))}


def analyse_s_curve(data: pd.DataFrame) -> dict:
    """Threshold, S_max and hysteresis of a sweep table (directions UP/DOWN, DARK rows for background)."""
    dark = data[data.direction == DARK]
    background = float(dark.count_rate_s.mean()) if len(dark) else 0.0
    up = data[data.direction == UP]
    summary: dict = {"dark_count_rate_s": background, "points": int(len(up)),
                     "unsettled_points": int((data.settled == 0).sum())}
    if len(up) >= 4:
        summary.update(avalanche_threshold(up, background=background).as_dict())
        slopes = local_slope(up, background=background).dropna(subset=["slope"])
        summary["local_slope"] = slopes[["intensity_kw_cm2", "slope", "slope_error"]].to_dict(orient="records")
    down = data[data.direction == DOWN]
    if len(down) >= 4:
        summary["threshold_down_kw_cm2"] = avalanche_threshold(down, background=background).threshold_kw_cm2
    return summary
