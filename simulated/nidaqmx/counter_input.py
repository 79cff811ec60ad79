"""A counter input task counting a detector's TTL edges: on demand, or latched on a sample clock.

The register is cumulative and 32 bits wide, rolling over, as the hardware
latches it.  On demand a read gives the running total since the start; on
an AO sample clock (a raster) the register is latched at every sample; on a
counter output pulse train the edges are scheduled and their counts binned
by the world (``start_binning`` / ``finish_binning``).
"""

from __future__ import annotations

import numpy as np

from .constants import (
    _ONBOARD,
    _ROLLOVER,
    NUM_SAMPLES_UNSET,
    READ_ALL_AVAILABLE,
    WAIT_INFINITELY,
    AcquisitionType,
    CountDirection,
)
from .errors import DaqError, DAQmxErrors, DaqReadError
from .task_kind import TaskKind


class CounterInput(TaskKind):
    name = "ci"

    def __init__(self, task):
        super().__init__(task)
        self.register = 0
        self.samples: list[int] = []
        self.read_position = 0
        #: While a bin clock runs: (first edge time, period, edges, first value).
        self.schedule: tuple[float, float, int, int] | None = None
        self._seen: tuple[float, float] | None = None  # (bench time, band photons) counted up to

    @property
    def world(self):
        return self.system.world

    # -- the task's life cycle ----------------------------------------------------------------------------
    def verify(self) -> None:
        timing = self.timing
        if timing._timing_type != "sample_clock":
            return
        if timing.samp_clk_src.lower() in _ONBOARD:
            raise DaqError("External sample clock source must be specified for this application.",
                           DAQmxErrors.EXT_SAMP_CLK_SRC_NOT_SPECIFIED, task_name=self.task._name)
        if timing.samp_quant_samp_mode is not AcquisitionType.FINITE:
            raise NotImplementedError("simulated nidaqmx: only finite buffered counting")

    def start(self) -> None:
        self.register = self.channels[0].ci_count_edges_initial_cnt % _ROLLOVER
        self.samples, self.read_position, self.schedule = [], 0, None
        self.rebase()
        if self.timing._timing_type != "sample_clock":
            return
        for clock in self.system._running("co"):  # armed late on a clock that already runs
            if clock.internal_output == self.clock_source():
                self.arm_on_clock(clock.period_s)

    def stop(self) -> None:
        if self.schedule is not None:
            self.cancel_schedule()

    def is_done(self) -> bool:
        if self.timing._timing_type == "sample_clock":
            return self.complete() or (self.schedule is not None and self.task._clock_now() >= self.schedule_end())
        return not self.running

    def wait_until_done(self, timeout: float) -> None:
        if not self.running or self.is_done():
            if self.schedule is not None:
                self.finish_schedule()
            return
        if self.schedule is not None:
            if timeout == WAIT_INFINITELY or self.schedule_end() - self.task._clock_now() <= timeout:
                self.finish_schedule()
                return
        super().wait_until_done(timeout)

    def read(self, number_of_samples_per_channel, timeout: float):
        task = self.task
        scalar = number_of_samples_per_channel is NUM_SAMPLES_UNSET
        wanted = 1 if scalar else int(number_of_samples_per_channel)
        implicit = not self.running
        if implicit:  # a measurement task starts for the read and stops after it, as DAQmx does
            task.start()
        try:
            if self.timing._timing_type == "on_demand":
                self.accrue()
                values = [float(self.register)] * max(wanted, 1)
            else:
                values = np.asarray(self._read_buffered(wanted, timeout), dtype=np.float64).tolist()
        finally:
            if implicit:
                task.stop()
        return values[0] if scalar else values

    # -- what the clocks and the system ask of a counter ------------------------------------------------------
    def clock_source(self) -> str:
        return self.timing.samp_clk_term.lower() if self.timing._timing_type == "sample_clock" else ""

    def detector(self) -> str | None:
        return self.system._detector(self.channels[0].ci_count_edges_term)

    def complete(self) -> bool:
        return len(self.samples) >= self.timing.samp_quant_samp_per_chan

    def _sign(self) -> int:
        return -1 if self.channels[0].ci_count_edges_dir is CountDirection.COUNT_DOWN else 1

    def rebase(self) -> None:
        """Count from now on: photons already accounted for (or before the start) are not counted again."""
        detector = self.detector()
        self._seen = self.world.band_photons(detector) if detector else None

    def accrue(self) -> None:
        """Add the counts since the register was last brought up to date (a running total)."""
        detector = self.detector() if self._seen is not None else None  # looked up once: this runs every read
        if not detector:
            return
        then, photons_then = self._seen
        now, photons_now = self.world.band_photons(detector)
        self._seen = (now, photons_now)
        if now > then:
            counts = self.world.detected_counts(detector, photons_now - photons_then, now - then)
            self.register = (self.register + self._sign() * counts) % _ROLLOVER

    def _latch(self, values: np.ndarray) -> None:
        room = self.timing.samp_quant_samp_per_chan - len(self.samples)
        self.samples.extend(np.mod(np.asarray(values[:room], dtype=np.int64), _ROLLOVER).tolist())

    def latch_per_sample(self, counts: np.ndarray) -> None:
        """Latch the register at every edge of an AO sample clock, given the counts during each sample."""
        counts = np.asarray(counts, dtype=np.int64) * self._sign()
        before = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self._latch(self.register + before)
        self.register = int((self.register + counts.sum()) % _ROLLOVER)
        self.rebase()

    def arm_on_clock(self, period_s: float) -> None:
        """A pulse train starts clocking this task now: its first edge latches now, the rest every period."""
        self.accrue()
        edges = self.timing.samp_quant_samp_per_chan - len(self.samples)
        first = self.register
        if edges > 1 and self.detector():
            self.world.start_binning(self.detector(), period_s, edges - 1)
        self.schedule = (self.task._clock_now(), period_s, edges, first)

    def schedule_end(self) -> float:
        start, period, edges, _ = self.schedule
        return start + (edges - 1) * period

    def finish_schedule(self) -> None:
        """Wait for the last scheduled edge and latch every edge's value."""
        _, _, edges, first = self.schedule
        end = self.schedule_end()
        self.schedule = None
        if edges > 1 and self.detector():
            bins = np.asarray(self.world.finish_binning(self.detector()), dtype=np.int64)
        else:  # nothing wired to the input: the edges still take their time
            self.task._sleep(end - self.task._clock_now())
            bins = np.zeros(max(edges - 1, 0), dtype=np.int64)
        values = first + self._sign() * np.concatenate([[0], np.cumsum(bins)])
        self._latch(values)
        self.register = int(values[-1] % _ROLLOVER)
        self.rebase()

    def cancel_schedule(self) -> None:
        if self.schedule is not None and self.schedule[2] > 1 and self.detector():
            self.world.cancel_binning(self.detector())
        self.schedule = None

    def _read_buffered(self, wanted: int, timeout: float) -> list[int]:
        total = self.timing.samp_quant_samp_per_chan
        if wanted == READ_ALL_AVAILABLE:
            wanted = total - self.read_position
        if len(self.samples) - self.read_position < wanted and self.schedule is not None:
            remaining = self.schedule_end() - self.task._clock_now()
            if timeout == WAIT_INFINITELY or remaining <= timeout:
                self.finish_schedule()
        if len(self.samples) - self.read_position < wanted:
            # Nothing (or not enough) will arrive in time: the clock is not running or too slow.
            if timeout != WAIT_INFINITELY:
                self.task._sleep(timeout)
            raise DaqReadError(
                "Some or all of the samples requested have not yet been acquired.\nTo wait for the samples to "
                "become available use a longer read timeout or read later in your program. It is also possible "
                "that you configured the task for external timing, and no clock was supplied.\n"
                f"Sample clock source: {self.timing.samp_clk_src}\nAttempted to read samples: {wanted}\n"
                f"Samples available: {len(self.samples) - self.read_position}",
                DAQmxErrors.SAMPLES_NOT_YET_AVAILABLE, 0, task_name=self.task._name)
        out = self.samples[self.read_position:self.read_position + wanted]
        self.read_position += wanted
        return out
