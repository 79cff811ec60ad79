"""Rise time: the emission after the pump steps on (and off), at intensities around the threshold.

Critical slowing down: the rise time peaks at the avalanche threshold.  The
pump is stepped by its power setpoint with emission kept on (a diode or
fibre laser's current responds in well under a bin; switching emission
itself can take seconds on a fibre laser), and each trace is counted
hardware-timed in bins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from .analysis.rise import decay_time, rise_times
from .analysis.threshold import avalanche_threshold
from .particle_experiment import ParticleExperiment, parse_list

RISE, DECAY, LOCATE, DARK = 1, -1, 0, -2


class RiseTime(ParticleExperiment):
    """Binned rise and decay traces at intensities around the threshold; t50, t90 and decay times."""

    NAME = "rise-time"

    intensities = Parameter("Intensities (kW/cm^2, comma-separated, or auto)", default="auto")
    auto_factors = Parameter("Factors of the threshold for auto", default="0.97,1.0,1.05,1.1,1.25,1.5,2.0")
    target_counts = IntegerParameter("Signal counts to collect per intensity", default=10000, minimum=1,
                                     maximum=10**9)
    max_repeats = IntegerParameter("Most traces summed per intensity", default=24, minimum=1, maximum=10000)
    bin_width = FloatParameter("Rise bin width", units="s", default=0.01, minimum=1e-5, maximum=1.0)
    rise_duration = FloatParameter("Rise trace length", units="s", default=3.0, minimum=0.001, maximum=600.0)
    decay_bin_width = FloatParameter("Decay bin width", units="s", default=2e-4, minimum=1e-6, maximum=1.0)
    decay_duration = FloatParameter("Decay trace length", units="s", default=0.02, minimum=1e-4, maximum=600.0)
    pre_trigger = FloatParameter("Baseline before each step", units="s", default=0.05, minimum=0.0, maximum=10.0)
    dark_wait = FloatParameter("Dark time before each rise", units="s", default=1.0, minimum=0.0, maximum=600.0)

    #: ``gate_s`` is the counting time of the row: a trace's bin, or a threshold-search reading's whole time.
    DATA_COLUMNS = ["intensity_kw_cm2", "phase", "time_s", "counts", "gate_s"]

    def check_against_bench(self) -> None:
        self.resolve_instruments()
        most = self.detector.limits.max_bins
        for what, length, width in (("rise trace", self.rise_duration, self.bin_width),
                                    ("decay trace", self.decay_duration, self.decay_bin_width)):
            bins = int(round((self.pre_trigger + length) / width))
            if bins > most:
                raise ValueError(f"a {what} of {bins} bins ({self.pre_trigger + length:g} s in {width:g} s bins) is "
                                 f"more than {self.detector.name} records ({most}); use wider bins")
        self.check_powers(self.search_intensity)
        if self.intensities.strip().lower() != "auto":
            self.check_powers(*parse_list(self.intensities, "intensities"))
        else:
            parse_list(self.auto_factors, "auto factors")

    def reading_row(self, kind: str, intensity_kw_cm2: float, counts: int, seconds: float) -> dict:
        return {"intensity_kw_cm2": intensity_kw_cm2, "phase": DARK if kind == "dark" else LOCATE,
                "time_s": self.clock.now(), "counts": counts, "gate_s": seconds}

    def execute(self) -> None:
        if self.intensities.strip().lower() == "auto":
            background = self.dark_rate(0.05)
            self.aim()
            threshold, _ = self.locate_threshold(self.search_intensity / 30.0, self.search_intensity, background)
            if self.should_stop():
                return
            plan = [threshold * f for f in parse_list(self.auto_factors, "auto factors")]
            self.check_powers(*plan)
        else:
            self.aim()
            plan = parse_list(self.intensities, "intensities")
        self.pump.set_power(0.0)
        self.pump.ensure_emission()
        for k, intensity in enumerate(plan):
            if self.should_stop():
                break
            self.phase("rise traces", k / len(plan), detail=f"{intensity:.3g} kW/cm^2, {k + 1} of {len(plan)}")
            self.point(f"rise-{k}", lambda: self.rise_and_decay(intensity))
            self.progress((k + 1) / len(plan))

    def rise_and_decay(self, intensity: float) -> list[dict]:
        """Rise and decay traces at one intensity, summed until the rise holds ``target_counts`` of signal."""
        watts = self.power_for(intensity)
        rise = decay = None
        for _ in range(self.max_repeats):
            self.pump.set_power(0.0)
            self.wait(self.dark_wait)
            counts = self.trace_across_step(watts, self.bin_width, self.rise_duration)
            rise = counts if rise is None else rise + counts
            counts = self.trace_across_step(0.0, self.decay_bin_width, self.decay_duration)
            decay = counts if decay is None else decay + counts
            if self.signal_counts(rise) >= self.target_counts or self.should_stop():
                break
        return self.trace_rows(intensity, RISE, rise, self.bin_width) + self.trace_rows(
            intensity, DECAY, decay, self.decay_bin_width)

    def signal_counts(self, trace: np.ndarray) -> float:
        """Counts above the pre-step baseline in the second half of a rise trace (a faintness measure)."""
        baseline_bins = max(1, int(round(self.pre_trigger / self.bin_width)))
        baseline = trace[:baseline_bins].mean()
        late = trace[len(trace) // 2:]
        return float(late.sum() - baseline * late.size)

    def trace_across_step(self, to_watts: float, bin_s: float, duration_s: float) -> np.ndarray:
        """Binned counts across a step of the pump to ``to_watts`` after the pre-trigger baseline."""
        bins = int(round((self.pre_trigger + duration_s) / bin_s))
        self.detector.start_trace(bin_s, bins)
        self.wait(self.pre_trigger)
        self.pump.set_power(to_watts)
        return np.asarray(self.detector.read_trace(), dtype=np.int64)

    def trace_rows(self, intensity: float, phase: int, counts: np.ndarray, bin_s: float) -> list[dict]:
        times = (np.arange(len(counts)) + 0.5) * bin_s - self.pre_trigger
        return [{"intensity_kw_cm2": intensity, "phase": phase, "time_s": float(t), "counts": int(c), "gate_s": bin_s}
                for t, c in zip(times, counts)]

    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        summary = analyse_rise_traces(data[data.phase.isin([RISE, DECAY])])
        located = data[data.phase == LOCATE]
        if len(located) >= 4:
            dark = data[data.phase == DARK]
            background = float((dark.counts / dark.gate_s).mean()) if len(dark) else 0.0
            readings = located.assign(count_rate_s=located.counts / located.gate_s)
            summary["threshold_kw_cm2"] = avalanche_threshold(readings, background=background).threshold_kw_cm2
        return summary

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        from .figures import subplots

        figure, (traces, times) = subplots(1, 2, figsize=(11, 4.4))
        rises = data[data.phase == RISE]
        for intensity, trace in rises.groupby("intensity_kw_cm2"):
            baseline = trace.counts[trace.time_s < 0].mean() if (trace.time_s < 0).any() else 0.0
            rise = max(trace.counts.tail(max(3, len(trace) // 5)).mean() - baseline, 1e-12)
            traces.plot(trace.time_s, (trace.counts - baseline) / rise, lw=1, label=f"{intensity:.3g} kW/cm²")
        traces.set_xlabel("time after the pump step (s)")
        traces.set_ylabel("fraction of the rise (dark subtracted)")
        traces.set_title("Rise traces")
        traces.legend(fontsize=7)
        table = pd.DataFrame(summary.get("rises", []))
        if "t90_s" in table and table.t90_s.notna().any():
            for column, marker in (("t90", "o-"), ("t50", "s-")):
                timed = table.dropna(subset=[f"{column}_s"])
                # On a log axis an error bar longer than the value would reach below zero: cap it there.
                lower = np.minimum(timed[f"{column}_uncertainty_s"], 0.9 * timed[f"{column}_s"])
                times.errorbar(timed.intensity_kw_cm2, timed[f"{column}_s"],
                               yerr=[lower, timed[f"{column}_uncertainty_s"]], fmt=marker, label=column)
            times.set_xscale("log")
            times.set_yscale("log")
            times.set_xlabel("peak intensity (kW/cm²)")
            times.set_ylabel("time (s)")
            times.set_title("Critical slowing down")
            times.legend()
        figure.tight_layout()
        return {"rise_traces": figure}


def analyse_rise_traces(data: pd.DataFrame) -> dict:
    """t50/t90 and decay time per intensity from a table of RISE/DECAY traces."""
    rows = []
    for intensity, group in data.groupby("intensity_kw_cm2"):
        rise = group[group.phase == RISE]
        decay = group[group.phase == DECAY]
        row = {"intensity_kw_cm2": float(intensity)}
        try:
            row.update(rise_times(rise, step_at_s=0.0).as_dict())
        except ValueError as error:
            row["rise_error"] = str(error)
        if len(decay):
            try:
                row["decay_time_s"] = decay_time(decay, step_at_s=0.0)
            except ValueError as error:
                row["decay_error"] = str(error)
        rows.append(row)
    table = pd.DataFrame(rows)
    summary = {"rises": rows}
    if "t90_s" in table and table.t90_s.notna().any():
        summary["t90_s"] = {f"{r.intensity_kw_cm2:.4g}": r.t90_s for r in table.itertuples() if pd.notna(r.t90_s)}
        summary["t50_s"] = {f"{r.intensity_kw_cm2:.4g}": r.t50_s for r in table.itertuples() if pd.notna(r.t50_s)}
        summary["slowest_rise_intensity_kw_cm2"] = float(table.loc[table.t90_s.idxmax(), "intensity_kw_cm2"])
        summary["slowest_t90_s"] = float(table.t90_s.max())
    if "decay_time_s" in table:
        summary["decay_time_s"] = {f"{r.intensity_kw_cm2:.4g}": r.decay_time_s for r in table.itertuples()
                                   if pd.notna(getattr(r, "decay_time_s", float("nan")))}
    return summary
