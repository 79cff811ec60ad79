"""The rise-trace parameters, one set shared by every experiment that takes rise and decay traces."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from .analysis.rise import Baseline, counted_baseline, decay_estimate, trace_signal


def with_default(parameter, default, name: str | None = None):
    """A copy of ``parameter`` with another default (and label): an experiment's own choice of a shared setting."""
    changed = copy.deepcopy(parameter)
    changed.default = default
    changed.value = default
    if name is not None:
        changed.name = name
    return changed


class RiseParameters:
    """Rise and decay trace settings (mixed into a procedure; the trace steps of :class:`RiseTime` read them)."""

    target_counts = IntegerParameter("Signal counts to collect per intensity", default=10000, minimum=1,
                                     maximum=10**9)
    # 64: just above the located threshold the emission is about the dark rate and its rise needs ~60 traces to
    # reach the default target; bright points reach it in one to a few.
    max_repeats = IntegerParameter("Most traces summed per intensity", default=64, minimum=1, maximum=10000)
    bin_width = FloatParameter("Rise bin width", units="s", default=0.01, minimum=1e-5, maximum=1.0)
    rise_duration = FloatParameter("Rise trace length", units="s", default=3.0, minimum=0.001, maximum=600.0)
    decay_bin_width = FloatParameter("Decay bin width", units="s", default=2e-4, minimum=1e-6, maximum=1.0)
    decay_duration = FloatParameter("Decay trace length", units="s", default=0.02, minimum=1e-4, maximum=600.0)
    pre_trigger = FloatParameter("Baseline before each step", units="s", default=0.05, minimum=0.0, maximum=10.0)
    dark_wait = FloatParameter("Longest dark time before each rise", units="s", default=1.0, minimum=0.0,
                               maximum=600.0)
    # Why a large multiple: the emission's 1/e decay (read against the trace's end, ~0.6 ms on the built-in
    # bench) is the fast radiative step, while the ion reservoir that seeds the avalanche relaxes much more
    # slowly (back within 1e-4 of dark in ~45 ms, from the physics engine); that tail is too faint to see in
    # a decay trace, the fast decay is not, so the wait is stated as a multiple of what is measured.
    dark_decays = FloatParameter("Dark time before each rise, in measured decay times (0 = always dark_wait)",
                                 default=80.0, minimum=0.0, maximum=1e6)

    def check_trace_bins(self, most: int, counter: str) -> None:
        """Refuse traces longer than the counter records (``most`` bins)."""
        for what, length, width in (("rise trace", self.rise_duration, self.bin_width),
                                    ("decay trace", self.decay_duration, self.decay_bin_width)):
            bins = int(round((self.pre_trigger + length) / width))
            if bins > most:
                raise ValueError(f"a {what} of {bins} bins ({self.pre_trigger + length:g} s in {width:g} s bins) is "
                                 f"more than {counter} records ({most}); use wider bins")

    def dark_time(self, longest_decay_s: float | None) -> float:
        """Dark time before a rise: ``dark_decays`` times the longest decay measured (a decay limit counts as
        its bound), at most ``dark_wait``; ``dark_wait`` while no decay is measured."""
        if not self.dark_decays or longest_decay_s is None:
            return self.dark_wait
        return min(self.dark_wait, self.dark_decays * longest_decay_s)

    def measured_decay(self, decay: np.ndarray) -> float | None:
        """The decay time of a summed decay trace (its bound if only a limit; None if too faint or no fall)."""
        try:
            estimate = decay_estimate(pd.DataFrame({"time_s": self.bin_times(len(decay), self.decay_bin_width),
                                                    "counts": decay}))
        except ValueError:
            return None
        return None if estimate.limit == "lower" else estimate.decay_time_s

    def note_decay(self, decay: np.ndarray) -> None:
        """Keep the longest decay of the run's committed points (from each point's summed decay trace only, so
        that a resumed run, which replays the points' rows, decides alike)."""
        found = self.measured_decay(decay)
        if found is not None:
            self._longest_decay_s = max(getattr(self, "_longest_decay_s", 0.0), found)

    def bin_times(self, bins: int, bin_s: float) -> np.ndarray:
        """Bin centres of a trace, from the pump step."""
        return (np.arange(bins) + 0.5) * bin_s - self.pre_trigger

    def signal_and_noise(self, trace: np.ndarray, traces: int = 1,
                         counted: Baseline | None = None) -> tuple[float, float]:
        """Counts above the pre-step baseline after the step, and their Poisson standard deviation (``trace``
        sums ``traces``); the baseline pooled over the run's committed points and ``counted`` (this point's
        own dark gates) where it serves."""
        return trace_signal(trace, int(round(self.pre_trigger / self.bin_width)), self.pooled_baseline(counted),
                            self.bin_width, traces)

    def pooled_baseline(self, counted: Baseline | None = None) -> Baseline | None:
        """The pump-off level counted by the committed points (their pre-step bins and dark gates) and
        ``counted``; None while nothing is counted."""
        pooled = getattr(self, "_pooled_baseline", None)
        if counted is not None and counted.exposure_s > 0:
            pooled = (pooled or Baseline()).plus(counted.counts, counted.exposure_s)
        return pooled

    def note_baseline(self, rise_rows: pd.DataFrame, dark_rows: pd.DataFrame | None = None) -> None:
        """Add a committed point's pump-off counts to the pool (from its rows only, so that a resumed run,
        which replays them, decides alike)."""
        counted = counted_baseline(rise_rows, dark_rows)
        self._pooled_baseline = self.pooled_baseline(counted) or Baseline()
