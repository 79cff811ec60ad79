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

from .analysis.rise import Baseline, counted_baseline, decay_estimate, rise_curve, rise_times, trace_signal
from .analysis.threshold import avalanche_threshold
from .particle_experiment import ParticleExperiment, parse_list
from .rise_parameters import RiseParameters

#: BASELINE: pump-off counts between the traces of a point that needs its baseline known well (see rise_and_decay).
RISE, DECAY, LOCATE, DARK, BASELINE = 1, -1, 0, -2, -3

#: Traces before a rise may be judged too faint to time, and the significance (Poisson sigma of its signal over
#: the whole trace) it must be able to reach within its budget of traces to be worth them.  Eight: after four a
#: rise just above threshold on the default bench was seen at 0.1 sigma, after 60 at 12.
MIN_TRACES, TIMEABLE_SIGMA = 8, 5.0

#: Traces after which a point below the slowest rise may be judged unable to be timed shorter (see rise_and_decay).
FUTILE_AFTER = 32

#: One-sided confidence of a rise-time limit, and its z (normal): a time this uncertain is given as a limit;
#: a rise below the slowest one is "shorter" when its time plus LIMIT_Z of its uncertainty is.
LIMIT_CONFIDENCE, LIMIT_Z = 0.95, 1.645


class RiseTime(RiseParameters, ParticleExperiment):
    """Binned rise and decay traces at intensities around the threshold; t50, t90 and decay times."""

    NAME = "rise-time"

    intensities = Parameter("Intensities (kW/cm^2, comma-separated, or auto)", default="auto")
    # 1.02: the rise time peaks about 1-2 % above the located threshold (an onset), a peak ~5 % wide.  Below
    # the threshold the emission falls under a tenth of the dark counts within a few per cent: the points there
    # are the threshold itself and the steps down from the slowest rise (peak_steps), until one is timed shorter.
    auto_factors = Parameter("Factors of the threshold for auto", default="1.0,1.02,1.05,1.1,1.25,1.5,2.0")
    peak_repeats = IntegerParameter("Most traces summed below the slowest rise, to see the peak from below "
                                    "(0 = do not look for it)", default=256, minimum=0, maximum=10000)
    peak_steps = IntegerParameter("Intensities below the slowest rise tried until one is timed shorter (auto)",
                                  default=3, minimum=0, maximum=20)
    peak_step = FloatParameter("Relative step of those intensities", default=0.02, minimum=0.001, maximum=0.5)

    #: ``gate_s`` is the counting time of the row: a trace's bin, or a threshold-search reading's whole time.
    #: ``traces``: how many traces a trace row sums; ``dark_s``: the longest dark time before any of them.
    DATA_COLUMNS = ["intensity_kw_cm2", "phase", "time_s", "counts", "gate_s", "traces", "max_traces", "dark_s"]

    def check_against_bench(self) -> None:
        self.resolve_instruments()
        self.check_trace_bins(self.detector.limits.max_bins, self.detector.name)
        self.check_powers(self.search_intensity)
        if self.intensities.strip().lower() != "auto":
            self.check_powers(*parse_list(self.intensities, "intensities"))
        else:
            parse_list(self.auto_factors, "auto factors")

    def reading_row(self, kind: str, intensity_kw_cm2: float, counts: int, seconds: float) -> dict:
        return {"intensity_kw_cm2": intensity_kw_cm2, "phase": DARK if kind == "dark" else LOCATE,
                "time_s": self.clock.now(), "counts": counts, "gate_s": seconds,
                "traces": 0, "max_traces": 0, "dark_s": 0.0}

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
            plan, threshold = parse_list(self.intensities, "intensities"), float("nan")
        # Brightest first: the decays timed there set the dark waits of the faint ones, where they are too faint.
        plan = sorted(plan, reverse=True)
        self.pump.set_power(0.0)
        self.pump.ensure_emission()
        timed: dict[float, tuple[float, float] | None] = {}
        auto = self.intensities.strip().lower() == "auto"
        for k, intensity in enumerate(plan):
            if self.should_stop():
                return
            self.phase("rise traces", k / len(plan), detail=f"{intensity:.3g} kW/cm^2, {k + 1} of {len(plan)}")
            below_peak = auto and intensity <= threshold
            timed[intensity] = self.rise_point(f"rise-{k}", intensity, timed, below_peak)
            self.progress((k + 1) / len(plan))
        if auto and self.peak_repeats:
            self.observe_the_peak(timed, first_key=len(plan))

    def rise_point(self, key: str, intensity: float, timed: dict, below_peak: bool) -> tuple[float, float] | None:
        """Rise and decay traces at ``intensity`` as one point; its (t90, uncertainty), None if not timed.

        A point ``below_peak`` (at or under the located threshold, an onset that the rise time peaks a per cent
        or two above; or stepped down from the slowest rise) while no
        rise below the slowest is yet timed shorter is where the peak is seen from below: it gets
        ``peak_repeats`` traces, counts its baseline, and stops once its rise is timed shorter.
        """
        slowest = slowest_rise(timed)
        shorter_than = slowest[1] if self.peak_repeats and below_peak and slowest and intensity < slowest[0] and (
            not peak_seen(timed)) else None
        rows = self.point(key, lambda: self.rise_and_decay(intensity, shorter_than))
        self.note_decay(np.array([r["counts"] for r in rows if r["phase"] == DECAY]))
        rise = pd.DataFrame([r for r in rows if r["phase"] == RISE])
        dark = pd.DataFrame([r for r in rows if r["phase"] == BASELINE], columns=["counts", "gate_s"])
        found = self.t90_of(rise.counts.to_numpy(), int(rise.traces.iloc[0]),
                            counted_baseline(rise.iloc[:0], dark)) if len(rise) else None
        self.note_baseline(rise, dark)
        return found

    def observe_the_peak(self, timed: dict[float, tuple[float, float] | None], first_key: int) -> None:
        """Critical slowing down from both sides: below the slowest rise, step down by ``peak_step`` until a
        rise is timed shorter than the slowest (its t90 plus LIMIT_Z of its uncertainty), one is too faint to
        time, or ``peak_steps`` intensities were tried.  Decided from the points' rows, so a resumed run
        decides alike.
        """
        key = first_key
        for n in range(1, self.peak_steps + 1):
            slowest = slowest_rise(timed)
            if slowest is None or peak_seen(timed) or self.should_stop():
                return
            intensity = slowest[0] * (1.0 - n * self.peak_step)
            near = min(timed, key=lambda i: abs(i / intensity - 1.0))
            if abs(near / intensity - 1.0) < 0.5 * self.peak_step:  # the same point, as the laser sets it
                if timed[near] is None:
                    return  # tried and too faint: below it fainter still
                continue
            self.check_powers(intensity)
            self.phase("rise traces", 1.0, detail=f"{intensity:.3g} kW/cm^2, below the slowest rise")
            timed[intensity] = self.rise_point(f"rise-{key}", intensity, timed, below_peak=True)
            key += 1
            if timed[intensity] is None:
                return

    def t90_of(self, rise: np.ndarray, traces: int, counted: Baseline | None = None) -> tuple[float, float] | None:
        """t90 and its uncertainty from a rise trace summed over ``traces`` (``counted``: the point's own dark
        gates); None where it cannot be timed."""
        if rise.size == 0:
            return None
        trace = pd.DataFrame({"time_s": self.bin_times(len(rise), self.bin_width), "counts": rise})
        try:
            estimate = rise_times(trace, step_at_s=0.0, baseline=self.pooled_baseline(counted), traces=traces)
        except ValueError:
            return None
        if estimate.t90_limit or not np.isfinite(estimate.t90_uncertainty_s):
            return None
        return estimate.t90_s, estimate.t90_uncertainty_s

    def rise_and_decay(self, intensity: float, shorter_than: float | None = None) -> list[dict]:
        """Rise and decay traces at one intensity, summed until the rise holds ``target_counts`` of signal.

        After each trace the signal per trace says how many traces the target
        needs; up to ``max_repeats`` are taken, so the budget goes where the
        signal is weakest.  With ``shorter_than`` (a t90 in s) up to
        ``peak_repeats`` are taken, and the point also ends once its t90 plus
        LIMIT_Z of its uncertainty is shorter (checked at 8, 16, 32, ...
        traces), or once it could not be even with the whole budget; such a
        point also counts the dark for a rise trace's length before each
        trace (rows of phase BASELINE).  Each row records how many
        traces it sums (``traces``), the most it was allowed (``max_traces``)
        and the longest dark time before them (``dark_s``).
        """
        watts = self.power_for(intensity)
        rise = decay = None
        traces, dark_s = 0, 0.0
        budget = self.max_repeats if shorter_than is None else max(self.max_repeats, self.peak_repeats)
        checkpoint = MIN_TRACES
        counted, dark_rows = Baseline(), []
        longest = getattr(self, "_longest_decay_s", None)  # the run's, from committed points
        while traces < budget:
            self.pump.set_power(0.0)
            wait = self.dark_time(longest)
            self.wait(wait)
            dark_s = max(dark_s, wait)
            if shorter_than is not None:
                # Below the peak the emission is a tenth of the dark counts or less, and the baseline's error
                # (common to every bin) decides the rise's: counted as long as the trace (the optimum when the
                # signal is much fainter than the dark), it costs sqrt(2) in noise where 50 ms cost 8x.
                seconds = self.rise_duration
                dark = int(self.detector.count(seconds))
                counted = counted.plus(dark, seconds)
                dark_rows.append({"intensity_kw_cm2": intensity, "phase": BASELINE, "time_s": self.clock.now(),
                                  "counts": dark, "gate_s": seconds})
            counts = self.trace_across_step(watts, self.bin_width, self.rise_duration)
            rise = counts if rise is None else rise + counts
            counts = self.trace_across_step(0.0, self.decay_bin_width, self.decay_duration)
            decay = counts if decay is None else decay + counts
            traces += 1
            found = self.measured_decay(decay)  # this point's own decay serves its later traces at once
            if found is not None:
                longest = max(longest or 0.0, found)
            signal, noise = self.signal_and_noise(rise, traces, counted)
            if signal >= self.target_counts or self.should_stop():
                break
            # A rise that would stay fainter than TIMEABLE_SIGMA even after every allowed trace is not timed:
            # the rest of its budget would buy nothing, so it stops here and its record says why.
            if too_faint(signal, noise, traces, budget):
                break
            if shorter_than is not None and traces >= checkpoint:
                checkpoint *= 2
                found = self.t90_of(rise, traces, counted)
                if found is not None and found[0] + LIMIT_Z * found[1] < shorter_than:
                    break
                # Futile: from 32 traces on, a rise that even at the full budget (its uncertainty falling as
                # the root of the traces) would not be timed shorter is at the peak, not below it.  Judged on
                # its time one sigma down, as too_faint judges the signal one sigma up: a few dozen faint
                # traces time a rise only to about a sigma, and one high draw must not end the look below.
                if found is not None and traces >= FUTILE_AFTER and (
                        found[0] - found[1] + LIMIT_Z * found[1] * np.sqrt(traces / budget) >= shorter_than):
                    break
        extra = {"traces": traces, "max_traces": budget, "dark_s": dark_s}
        dark_rows = [{**row, **extra} for row in dark_rows]
        return dark_rows + self.trace_rows(intensity, RISE, rise, self.bin_width, **extra) + self.trace_rows(
            intensity, DECAY, decay, self.decay_bin_width, **extra)

    def trace_across_step(self, to_watts: float, bin_s: float, duration_s: float) -> np.ndarray:
        """Binned counts across a step of the pump to ``to_watts`` after the pre-trigger baseline."""
        bins = int(round((self.pre_trigger + duration_s) / bin_s))
        self.detector.start_trace(bin_s, bins)
        self.wait(self.pre_trigger)
        self.pump.set_power(to_watts)
        return np.asarray(self.detector.read_trace(), dtype=np.int64)

    def trace_rows(self, intensity: float, phase: int, counts: np.ndarray, bin_s: float, **extra) -> list[dict]:
        times = self.bin_times(len(counts), bin_s)
        return [{"intensity_kw_cm2": intensity, "phase": phase, "time_s": float(t), "counts": int(c), "gate_s": bin_s,
                 **extra} for t, c in zip(times, counts)]

    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        summary = analyse_rise_traces(data[data.phase.isin([RISE, DECAY, BASELINE])], self.target_counts,
                                      self.max_repeats)
        located = data[data.phase == LOCATE]
        if len(located) >= 4:
            dark = data[data.phase == DARK]
            background = float((dark.counts / dark.gate_s).mean()) if len(dark) else 0.0
            readings = located.assign(count_rate_s=located.counts / located.gate_s)
            summary["threshold_kw_cm2"] = avalanche_threshold(readings, background=background).threshold_kw_cm2
        return summary

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        from .figures import subplots

        figure, (traces, times) = subplots(1, 2, figsize=(11, 5.0))
        rises = data[data.phase == RISE]
        baselines = baselines_before(data)  # as the analysis has them
        records = {round(r["intensity_kw_cm2"], 9): r for r in summary.get("rises", [])}
        for k, (intensity, trace) in enumerate(sorted(rises.groupby("intensity_kw_cm2"), key=lambda g: g[0])):
            trace = trace.sort_values("time_s")
            record = records.get(round(float(intensity), 9), {})
            own = trace.counts[trace.time_s < 0].mean() if (trace.time_s < 0).any() else 0.0
            baseline = record.get("baseline", own)
            span = record.get("plateau", float("nan")) - record.get("baseline", float("nan"))
            if not span > 0:
                span = max(trace.counts.tail(max(3, len(trace) // 5)).mean() - baseline, 1e-12)
            # Faint traces are merged (to ~25 counts of rise per point, at most down to 60 points) for the eye;
            # the fit used every bin.  Each trace is offset by one.
            merge = int(np.clip(np.ceil(25.0 / span), 1, max(1, len(trace) // 60)))
            usable = len(trace) // merge * merge
            t = trace.time_s.to_numpy()[:usable].reshape(-1, merge).mean(axis=1)
            y = (trace.counts.to_numpy(dtype=float)[:usable].reshape(-1, merge).mean(axis=1) - baseline) / span
            label = f"{intensity:.3g} kW/cm² ({record.get('traces', '?')} traces)"
            after = t > 0  # a log time axis: rises from ms to s all readable; the baseline is the offset line
            # A trace too faint to fit is noise about its offset: clipped so that it cannot hide its neighbours.
            line, = traces.plot(t[after], np.clip(y[after], -0.4, 1.4) + k, ".", ms=3, label=label)
            traces.axhline(k, color=line.get_color(), lw=0.5, alpha=0.5)
            curve = rise_curve(trace, step_at_s=0.0, baseline=baselines.get(float(intensity)),
                               traces=int(trace.traces.iloc[0]))
            if curve is not None:
                fine = np.geomspace(t[after][0], t[-1], 400)
                traces.plot(fine, curve(fine) + k, "-", color=line.get_color(), lw=1.2)
            else:
                traces.text(t[-1], k + 0.5, "too faint to time", fontsize=7, ha="right", color=line.get_color())
        traces.set_xscale("log")
        traces.set_xlabel("time after the pump step (s)")
        traces.set_ylabel("fraction of the rise (dark subtracted), offset by one per intensity")
        traces.set_title("Rise traces and their Richards fits")
        traces.legend(fontsize=6, loc="upper left")
        self.draw_slowing_down(times, summary)
        figure.tight_layout()
        return {"rise_traces": figure}

    @staticmethod
    def draw_slowing_down(axes, summary: dict) -> None:
        """t50 and t90 against intensity, with error bars, limits as arrows and the threshold marked."""
        table = pd.DataFrame(summary.get("rises", []))
        if table.empty:
            return
        for column, marker, colour in (("t90", "o", "#1f77b4"), ("t50", "s", "#d62728")):
            if f"{column}_s" in table:
                timed = table.dropna(subset=[f"{column}_s"])
                # On a log axis an error bar longer than the value would reach below zero: cap it there.
                lower = np.minimum(timed[f"{column}_uncertainty_s"], 0.9 * timed[f"{column}_s"])
                axes.errorbar(timed.intensity_kw_cm2, timed[f"{column}_s"],
                              yerr=[lower, timed[f"{column}_uncertainty_s"]], fmt=marker + "-", color=colour,
                              label=column, capsize=2)
            for record in summary.get("rises", []):
                limit = record.get(f"{column}_limit_s")
                if limit:
                    up = limit["side"] == "lower"
                    axes.errorbar([record["intensity_kw_cm2"]], [limit["value_s"]], yerr=[[0.0 if up else
                                  0.4 * limit["value_s"]], [0.6 * limit["value_s"] if up else 0.0]],
                                  lolims=up, uplims=not up, fmt=marker, mfc="none", color=colour)
        faint = [r["intensity_kw_cm2"] for r in summary.get("rises", []) if "rise_error" in r]
        if faint:
            axes.plot([], [], " ", label=f"too faint to time: {', '.join(f'{i:.3g}' for i in faint)} kW/cm²")
            for intensity in faint:
                axes.axvline(intensity, color="0.7", ls=":", lw=1)
        if "threshold_kw_cm2" in summary:
            axes.axvline(summary["threshold_kw_cm2"], color="k", ls="--", lw=1, label="threshold (located)")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("peak intensity (kW/cm²)")
        axes.set_ylabel("time after the step (s)")
        axes.set_title("Critical slowing down (open: one-sided 95 % limits)")
        axes.legend(fontsize=7)


def slowest_rise(timed: dict[float, tuple[float, float] | None]) -> tuple[float, float] | None:
    """(intensity, t90) of the slowest rise timed to a value (uncertainty at most half of it), or None."""
    values = {i: t for i, t in timed.items() if t is not None and t[1] <= 0.5 * t[0]}
    if not values:
        return None
    intensity = max(values, key=lambda i: values[i][0])
    return intensity, values[intensity][0]


def peak_seen(timed: dict[float, tuple[float, float] | None]) -> bool:
    """Whether a rise below the slowest one is timed shorter: its t90 plus LIMIT_Z of its uncertainty."""
    slowest = slowest_rise(timed)
    return slowest is not None and any(t is not None and t[0] + LIMIT_Z * t[1] < slowest[1]
                                       for i, t in timed.items() if i < slowest[0])


def baselines_before(rows: pd.DataFrame) -> dict[float, Baseline | None]:
    """Per intensity, the baseline the run used for it: the pump-off counts (pre-step bins and BASELINE dark
    gates) of the intensities measured before it, in the order of the rows, and its own dark gates; None where
    nothing was counted.  What the procedure judged each point by, so that the analysis reports the same signal,
    the same stopping reasons and, on a resumed run, the same times.
    """
    rises, darks = rows[rows.phase == RISE], rows[rows.phase == BASELINE]
    found: dict[float, Baseline | None] = {}
    pooled = None
    for intensity in pd.unique(rows[rows.phase.isin([RISE, BASELINE])].intensity_kw_cm2):
        own = darks[darks.intensity_kw_cm2 == intensity]
        found[float(intensity)] = pooled.plus(own.counts.sum(), own.gate_s.sum()) if pooled else (
            counted_baseline(rises.iloc[:0], own) if len(own) else None)
        counted = counted_baseline(rises[rises.intensity_kw_cm2 == intensity], own)
        pooled = (pooled or Baseline()).plus(counted.counts, counted.exposure_s)
    return found


def too_faint(signal: float, noise: float, traces: int, max_repeats: int) -> bool:
    """Whether a rise summed over ``traces`` would stay under TIMEABLE_SIGMA even after ``max_repeats``.

    Judged on the signal one sigma above what was seen (signal grows as the traces, noise as their root): a
    few traces measure the signal only to about one sigma, and a rise that can be timed must not be given up
    on one low draw (on the default bench, 4 traces just above threshold gave 0.1 sigma where 62 gave 8.8).
    """
    return traces >= MIN_TRACES and (signal + noise) * np.sqrt(max_repeats / traces) < TIMEABLE_SIGMA * noise


def _budget(rise: pd.DataFrame, target_counts: int | None, max_repeats: int | None,
            baseline: Baseline | None = None) -> dict:
    """How many traces an intensity summed, its signal counts against the target, and why it stopped."""
    if "traces" not in rise or rise.traces.isna().all():
        return {}
    traces = int(rise.traces.iloc[0])
    if "max_traces" in rise and rise.max_traces.notna().all() and rise.max_traces.iloc[0] > 0:
        max_repeats = int(rise.max_traces.iloc[0])  # the budget this point had (more below the slowest rise)
    ordered = rise.sort_values("time_s")
    counts = ordered.counts.to_numpy(dtype=float)
    bin_s = float(ordered.gate_s.iloc[0])
    baseline_bins = int((ordered.time_s < 0).sum())
    signal, noise = trace_signal(counts, baseline_bins, baseline, bin_s, traces)
    # The plateau rate per trace: the last fifth of the trace above the baseline (what a count target costs).
    tail = counts[-max(3, len(counts) // 5):]
    plateau = (tail.mean() - counts[:max(1, baseline_bins)].mean()) / (bin_s * max(traces, 1))
    row = {"traces": traces, "dark_s": float(rise.dark_s.iloc[0]), "signal_counts": signal,
           "signal_sigma": signal / noise if noise > 0 else float("nan"), "plateau_rate_s": float(plateau)}
    if target_counts is None:
        return row
    row["target_counts"] = target_counts
    if signal >= target_counts:
        row["stopped"] = "target reached"
    else:
        per_trace = signal / max(traces, 1)
        needed = f"{int(np.ceil(target_counts / per_trace))} traces" if per_trace > 0 else "no signal yet"
        if max_repeats is not None and traces >= max_repeats:
            row["stopped"] = (f"max traces ({max_repeats}) reached with {signal / target_counts:.0%} of the target; "
                              f"the target needs {needed}")
        elif max_repeats is not None and too_faint(signal, noise, traces, max_repeats):
            row["stopped"] = (f"too faint: {row['signal_sigma']:.1f} sigma after {traces} traces, under "
                              f"{TIMEABLE_SIGMA:g} sigma even after its most traces ({max_repeats})")
        else:
            row["stopped"] = f"stopped with {signal / target_counts:.0%} of the target"
    return row


def analyse_rise_traces(data: pd.DataFrame, target_counts: int | None = None, max_repeats: int | None = None) -> dict:
    """t50/t90 and decay time per intensity from a table of RISE/DECAY traces.

    A time only a limit (a crossing in the first bin, or an uncertainty above
    half the time) goes to ``t50_limit_s`` / ``t90_limit_s`` as a one-sided
    95 % bound with its side, never into ``t50_s`` / ``t90_s``; a decay that
    fell within the first bin or not within the trace goes to
    ``decay_time_limit_s``.
    """
    rows = []
    baselines = baselines_before(data)
    for intensity, group in data.groupby("intensity_kw_cm2"):
        rise = group[group.phase == RISE]
        decay = group[group.phase == DECAY]
        traces = int(rise.traces.iloc[0]) if "traces" in rise and len(rise) and rise.traces.notna().all() else 1
        baseline = baselines.get(intensity)
        row = {"intensity_kw_cm2": float(intensity), **_budget(rise, target_counts, max_repeats, baseline)}
        try:
            if row.get("stopped", "").startswith("too faint"):
                # Not fitted: a fit to a rise this faint follows its noise, and so would a limit drawn from it.
                raise ValueError("the rise is too faint to time: " + row["stopped"].removeprefix("too faint: "))
            estimate = rise_times(rise, step_at_s=0.0, baseline=baseline, traces=traces)
            row.update(estimate.as_dict())
            for column in ("t50", "t90"):
                value, error = row[f"{column}_s"], row[f"{column}_uncertainty_s"]
                side = row.pop(f"{column}_limit")
                if side or not np.isfinite(error) or error > 0.5 * value:
                    bound = value if side else value + LIMIT_Z * error if np.isfinite(error) else float("nan")
                    row[f"{column}_s"] = float("nan")
                    if np.isfinite(bound):
                        row[f"{column}_limit_s"] = {"side": "upper", "value_s": float(bound),
                                                    "confidence": LIMIT_CONFIDENCE}
        except ValueError as error:
            row["rise_error"] = str(error)
        if len(decay):
            try:
                found = decay_estimate(decay, step_at_s=0.0)
                if found.limit:
                    row["decay_time_limit_s"] = {"side": found.limit, "value_s": found.decay_time_s}
                else:
                    row["decay_time_s"] = found.decay_time_s
            except ValueError as error:
                row["decay_error"] = str(error)
        rows.append(row)
    table = pd.DataFrame(rows)
    summary = {"rises": rows}
    for column in ("t50", "t90"):
        if f"{column}_s" in table and table[f"{column}_s"].notna().any():
            summary[f"{column}_s"] = {f"{r.intensity_kw_cm2:.4g}": getattr(r, f"{column}_s")
                                      for r in table.itertuples() if pd.notna(getattr(r, f"{column}_s"))}
        limits = {f"{r['intensity_kw_cm2']:.4g}": r[f"{column}_limit_s"] for r in rows if f"{column}_limit_s" in r}
        if limits:
            summary[f"{column}_limit_s"] = limits
    if "t90_s" in table and table.t90_s.notna().any():
        summary["slowest_rise_intensity_kw_cm2"] = float(table.loc[table.t90_s.idxmax(), "intensity_kw_cm2"])
        summary["slowest_t90_s"] = slowest = float(table.t90_s.max())
        # Critical slowing down seen from below: rises under the slowest one's intensity timed shorter (value
        # plus LIMIT_Z of its uncertainty, or a one-sided limit, under the slowest t90).
        below = []
        for row in rows:
            bound = row.get("t90_limit_s", {}).get("value_s", row.get("t90_s", float("nan")) + LIMIT_Z * row.get(
                "t90_uncertainty_s", float("nan")))
            if row["intensity_kw_cm2"] < summary["slowest_rise_intensity_kw_cm2"] and bound < slowest:
                below.append(row["intensity_kw_cm2"])
                if row.get("stopped", "").startswith("stopped with"):
                    row["stopped"] = f"timed shorter than the slowest rise ({slowest:.3g} s) at {LIMIT_CONFIDENCE:.0%}"
            elif row.get("stopped", "").startswith("stopped with") and row["traces"] >= FUTILE_AFTER:
                # Given more traces than max_repeats to be timed shorter (rise_and_decay), and ended once even
                # all of them would not have done it: at the peak, or too close below it to tell.
                row["stopped"] += ": it would not be timed shorter than the slowest rise within its budget"
        summary["shorter_below_slowest_kw_cm2"] = below
    if "decay_time_s" in table and table.decay_time_s.notna().any():
        summary["decay_time_s"] = {f"{r.intensity_kw_cm2:.4g}": r.decay_time_s for r in table.itertuples()
                                   if pd.notna(getattr(r, "decay_time_s", float("nan")))}
    limits = {f"{r['intensity_kw_cm2']:.4g}": r["decay_time_limit_s"] for r in rows if "decay_time_limit_s" in r}
    if limits:
        summary["decay_time_limit_s"] = limits
    return summary
