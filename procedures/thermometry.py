"""Thermometry: the emission of a particle at fixed pump through a list of cryostat temperatures.

At each temperature the cryostat must hold within a band for a hold time
before anything is measured.  Optionally a short power sweep (threshold
against temperature) and a rise trace (half-rise time against temperature)
are taken at each step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymeasure.experiment import BooleanParameter, FloatParameter, IntegerParameter, Parameter

from anplab.instruments.errors import check_limit

from .analysis.rise import rise_times
from .analysis.thermometry import calibration
from .analysis.threshold import avalanche_threshold, dark_background
from .hold_temperature import settle_at
from .particle_experiment import ParticleExperiment, parse_list
from .settling import read_when_settled
from .threshold_finder import next_intensity

DARK, EMISSION, SWEEP, RISE = -1, 0, 1, 2


class Thermometry(ParticleExperiment):
    """Emission at fixed pump through a temperature list; calibration curve, S_r, threshold(T), t50(T)."""

    NAME = "thermometry"

    cryostat = Parameter("Temperature controller", default="")
    temperatures = Parameter("Temperatures (K, comma-separated)", default="300,290,280,270,260,250,240,230,220,210")
    ramp_rate = FloatParameter("Ramp rate", units="K/min", default=10.0, minimum=0.0, maximum=100.0)
    stability_band = FloatParameter("Stability band", units="K", default=0.2, minimum=0.001, maximum=50.0)
    hold = FloatParameter("Hold within the band", units="s", default=30.0, minimum=0.0, maximum=3600.0)
    stability_timeout = FloatParameter("Longest wait for stability", units="s", default=1800.0, minimum=1.0,
                                       maximum=86400.0)
    # 1.5x the threshold: steep enough for a large S_r, yet S ~ 4 keeps pump drift from masquerading as temperature.
    intensity = FloatParameter("Pump intensity", units="kW/cm^2", default=10.0, minimum=1e-3, maximum=1e5)
    gate = FloatParameter("Counting gate", units="s", default=0.2, minimum=1e-4, maximum=60.0)
    repeats = IntegerParameter("Readings per temperature", default=5, minimum=1, maximum=1000)
    sweep_points = IntegerParameter("Power-sweep points per temperature (0 for none)", default=0, minimum=0,
                                    maximum=500)
    sweep_min = FloatParameter("Sweep from", units="kW/cm^2", default=2.0, minimum=1e-3, maximum=1e5)
    sweep_max = FloatParameter("Sweep to", units="kW/cm^2", default=40.0, minimum=1e-3, maximum=1e5)
    # The threshold moves by a few per cent over a cryostat's range (about 5 % from 150 to 300 K for the default
    # Tm:NaYF4 particle), far less than a short uniform sweep's step: bisecting the onset resolves it.
    refine_points = IntegerParameter("Points added near the threshold per temperature (0 for none)", default=8,
                                     minimum=0, maximum=100)
    refine_precision = FloatParameter("Threshold bracket to refine to (relative)", default=0.01, minimum=1e-4,
                                      maximum=1.0)
    rise_trace = BooleanParameter("Rise trace at each temperature", default=False)
    rise_duration = FloatParameter("Rise trace length", units="s", default=2.0, minimum=0.001, maximum=600.0)
    bin_width = FloatParameter("Rise bin width", units="s", default=0.005, minimum=1e-5, maximum=1.0)

    DATA_COLUMNS = ["kind", "temperature_setpoint_k", "temperature_k", "intensity_kw_cm2", "beam_power_w", "time_s",
                    "counts", "gate_s", "count_rate_s"]

    def check_against_bench(self) -> None:
        self.resolve_instruments()
        self.controller = self.instrument("temperature_controller", self.cryostat)
        limits = self.controller.limits
        for kelvin in parse_list(self.temperatures, "temperatures"):
            check_limit(self.controller.name, "temperature", kelvin, limits.min_k, limits.max_k, "K")
        check_limit(self.controller.name, "ramp rate", self.ramp_rate, 0.0, limits.max_ramp_k_per_min, "K/min")
        self.check_powers(self.intensity, self.search_intensity)
        if self.sweep_points:
            self.check_powers(self.sweep_max)

    def reading_row(self, kind: str, intensity_kw_cm2: float, counts: int, seconds: float) -> dict:
        return self._row(DARK, float("nan"), 0.0, 0.0, counts, seconds)

    def execute(self) -> None:
        plan = parse_list(self.temperatures, "temperatures")
        self.controller.ramp_rate_k_per_min = self.ramp_rate
        self.background = self.dark_rate(self.gate)
        self.aim()
        for k, kelvin in enumerate(plan):
            if self.should_stop():
                break
            steps = [(f"emission-{k}", self.measure_emission)]
            if self.sweep_points:
                steps.append((f"sweep-{k}", self.measure_sweep))
            if self.rise_trace:
                steps.append((f"rise-{k}", self.measure_rise))
            if all(self.completed(key) for key, _ in steps):
                continue  # done before the run was resumed
            self.phase("temperatures", k / len(plan), detail=f"{kelvin:g} K, {k + 1} of {len(plan)}")
            if any(self.completed(key) for key, _ in steps) and self.restored:
                self.watch_temperature(self.controller, kelvin)  # the restored cryostat holds it still
            else:  # on real hardware a resume finds the cryostat wherever it went meanwhile: hold again
                self.hold_at(kelvin)
            for key, measure in steps:
                self.point(key, lambda: measure(kelvin))
            self.progress((k + 1) / len(plan))

    def hold_at(self, kelvin: float) -> None:
        """Take the cryostat to ``kelvin`` (pump off) and wait until it has held within the band."""
        self.pump.set_power(0.0)
        self.watch_temperature(self.controller, None)  # on the way: not yet a condition to watch
        settle_at(self.controller, self.clock, kelvin, band_k=self.stability_band, hold_s=self.hold,
                  timeout_s=self.stability_timeout, poll_s=min(5.0, max(0.5, self.hold / 10)),
                  should_stop=self.should_stop)
        self.watch_temperature(self.controller, kelvin)

    def _row(self, kind, kelvin, intensity, beam_w, counts, gate, time_s=None) -> dict:
        return {"kind": kind, "temperature_setpoint_k": kelvin, "temperature_k": self.controller.temperature_k,
                "intensity_kw_cm2": intensity, "beam_power_w": beam_w,
                "time_s": self.clock.now() if time_s is None else time_s,
                "counts": counts, "gate_s": gate, "count_rate_s": counts / gate}

    def measure_emission(self, kelvin: float) -> list[dict]:
        self.pump_on(self.intensity)
        settled = read_when_settled(self.detector, self.clock, gate_s=self.gate, readings=3, max_wait_s=30.0)
        if not settled.settled:
            self.log_info(f"emission at {kelvin} K did not settle within 30 s")
        setpoint = self.power_for(self.intensity)
        return [self._row(EMISSION, kelvin, self.intensity, self.beam_power_now(setpoint),
                          self.detector.count(self.gate), self.gate) for _ in range(self.repeats)]

    def measure_sweep(self, kelvin: float) -> list[dict]:
        """A uniform log sweep, then up to ``refine_points`` readings bisecting the steepest part (threshold_finder)."""
        rows = []
        taken: list[tuple[float, float, float]] = []

        def read(intensity: float) -> None:
            self.pump.set_power(self.power_for(intensity))
            reading = read_when_settled(self.detector, self.clock, gate_s=0.05, readings=3, max_wait_s=10.0)
            beam, delivered = self.delivered(intensity)
            rows.append(self._row(SWEEP, kelvin, delivered, beam, reading.counts, reading.gate_s))
            rate, sigma = reading.counts / reading.gate_s, np.sqrt(max(reading.counts, 1)) / reading.gate_s
            taken.append((delivered, rate - self.background, sigma))

        for intensity in np.geomspace(self.sweep_min, self.sweep_max, self.sweep_points):
            read(float(intensity))
        for _ in range(self.refine_points if self.sweep_points >= 3 else 0):
            intensity = next_intensity(taken, self.refine_precision)
            if intensity is None or self.should_stop():
                break
            read(intensity)
        return rows

    def measure_rise(self, kelvin: float) -> list[dict]:
        self.pump.set_power(0.0)
        self.wait(2.0)
        bins = int(round((0.05 + self.rise_duration) / self.bin_width))
        self.detector.start_trace(self.bin_width, bins)
        self.wait(0.05)
        self.pump.set_power(self.power_for(self.intensity))
        counts = self.detector.read_trace()
        beam = self.beam_power_now(self.power_for(self.intensity))
        times = (np.arange(bins) + 0.5) * self.bin_width - 0.05
        return [self._row(RISE, kelvin, self.intensity, beam, int(c), self.bin_width, float(t))
                for t, c in zip(times, counts)]

    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        return analyse_thermometry(data)

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        from .figures import measurement_title, subplots

        table = pd.DataFrame(summary.get("calibration", []))
        panels = 1 + bool(summary.get("threshold_kw_cm2")) + bool(summary.get("t50_s"))
        figure, axes = subplots(1, panels, figsize=(5.4 * panels, 4.6), squeeze=False)
        axes = axes[0]
        if not table.empty:
            calibration_panel(axes[0], table)
        k = 1
        for key, error_key, label, title in (
                ("threshold_kw_cm2", "threshold_uncertainty_kw_cm2", "threshold (kW/cm²)", "Threshold against T"),
                ("t50_s", "t50_uncertainty_s", "half-rise time t50 (s)", "Rise-time thermometry")):
            if not summary.get(key):
                continue
            values = summary[key]
            errors = summary.get(error_key) or {}
            kelvin = np.array([float(t) for t in values])
            order = np.argsort(kelvin)  # a line against T in the order of T, whatever order they were taken in
            y = np.array([values[t] for t in values], dtype=float)[order]
            e = np.array([errors.get(t, np.nan) for t in values], dtype=float)[order]
            axes[k].errorbar(kelvin[order], y, yerr=np.nan_to_num(e), fmt="o-", ms=4, capsize=2)
            axes[k].set_xlabel("temperature setpoint (K)")
            axes[k].set_ylabel(label)
            axes[k].set_title(title + " (±1σ)", fontsize=10)
            k += 1
        figure.suptitle(measurement_title("Thermometry", self, with_temperature=False).replace("\n", ": "), fontsize=10)
        figure.tight_layout()
        return {"calibration": figure}


def calibration_panel(axis, table: pd.DataFrame) -> None:
    """Emission above dark against T with its error bars and the fit as a smooth curve; S_r on a twin axis.

    The legend sits outside the data (below the axes), so it never hides a point.
    """
    table = table.sort_values("temperature_k")
    kelvin = table.temperature_k.to_numpy(dtype=float)
    measured = axis.errorbar(kelvin, table.count_rate_s, yerr=table.count_rate_s_error, fmt="o", ms=4, capsize=2,
                             color="#1f77b4", label="measured (±1 s.e.)")
    fine = np.linspace(kelvin.min(), kelvin.max(), 300)
    lines = [measured]
    if len(kelvin) >= 2:
        # The calibration's fit is a low-order polynomial in T through ln(signal) (or a smoothing spline):
        # a quadratic through its fitted values redraws the polynomial exactly and a spline closely.
        log_fit = np.log(table.fit.to_numpy(dtype=float))
        coefficients = np.polyfit(kelvin - kelvin.mean(), log_fit, min(2, len(kelvin) - 1))
        smooth = np.exp(np.polyval(coefficients, fine - kelvin.mean()))
        if not np.allclose(np.polyval(coefficients, kelvin - kelvin.mean()), log_fit, atol=1e-6):
            smooth = np.exp(np.interp(fine, kelvin, log_fit))  # a spline's values: joined, not reshaped
        lines += axis.plot(fine, smooth, "-", color="#1f77b4", lw=1.4, label="fit of ln(rate)")
    axis.set_yscale("log")
    twin = axis.twinx()
    sensitivity = table.relative_sensitivity_percent_per_k.to_numpy(dtype=float)
    sensitivity_error = table.relative_sensitivity_uncertainty_percent_per_k.to_numpy(dtype=float)
    lines.append(twin.errorbar(kelvin, sensitivity, yerr=np.nan_to_num(sensitivity_error), fmt="s--", ms=3.5,
                               capsize=2, color="#d62728", label="S_r (±1σ)"))
    twin.set_ylabel("relative sensitivity S_r (%/K)", color="#d62728")
    axis.set_xlabel("temperature setpoint (K)")
    axis.set_ylabel("count rate above dark (1/s)")
    axis.set_title("Calibration curve", fontsize=10)
    axis.legend(handles=lines, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8, frameon=False)


def analyse_thermometry(data: pd.DataFrame) -> dict:
    """Calibration I(T) with S_r, threshold(T) and t50(T) from a thermometry table."""
    background, _ = dark_background(data[data.kind == DARK])
    summary: dict = {"dark_count_rate_s": background}
    emission = data[data.kind == EMISSION].copy()
    emission["temperature_k"] = emission["temperature_setpoint_k"]
    if emission.temperature_k.nunique() >= 3:
        table = calibration(emission, background=background)
        summary["calibration"] = table.to_dict(orient="records")
        summary["s_r_percent_per_k"] = {f"{r.temperature_k:g}": r.relative_sensitivity_percent_per_k
                                        for r in table.itertuples()}
        summary["s_r_uncertainty_percent_per_k"] = {
            f"{r.temperature_k:g}": r.relative_sensitivity_uncertainty_percent_per_k for r in table.itertuples()
        }
        summary["max_s_r_percent_per_k"] = float(table.relative_sensitivity_percent_per_k.max())
        slope = np.polyfit(table.temperature_k, np.log(table.count_rate_s), 1)[0]
        summary["emission_trend"] = "rises with temperature" if slope > 0 else "falls with temperature"
    sweeps = data[data.kind == SWEEP]
    if len(sweeps):
        summary["threshold_kw_cm2"], summary["threshold_uncertainty_kw_cm2"] = {}, {}
        for kelvin, sweep in sweeps.groupby("temperature_setpoint_k"):
            try:
                # Without the dark reading's error: it is common to every temperature's sweep (one reading),
                # so it moves all their thresholds alike and not the shift with temperature, which weighing
                # it into each point's noise would blur (a 20-point sweep resolved 0.36 of the model's 5 %
                # shift from 150 to 300 K with it, against 0.4 or better without).
                estimate = avalanche_threshold(sweep, background=background)
            except ValueError:
                continue
            summary["threshold_kw_cm2"][f"{kelvin:g}"] = estimate.threshold_kw_cm2
            summary["threshold_uncertainty_kw_cm2"][f"{kelvin:g}"] = estimate.threshold_uncertainty_kw_cm2
    rises = data[data.kind == RISE]
    if len(rises):
        summary["t50_s"], summary["t50_uncertainty_s"] = {}, {}
        for kelvin, trace in rises.groupby("temperature_setpoint_k"):
            try:
                estimate = rise_times(trace, step_at_s=0.0)
            except ValueError:
                continue
            if not estimate.t50_limit:  # a first-bin crossing is a limit, not a value
                summary["t50_s"][f"{kelvin:g}"] = estimate.t50_s
                summary["t50_uncertainty_s"][f"{kelvin:g}"] = estimate.t50_uncertainty_s
    return summary
