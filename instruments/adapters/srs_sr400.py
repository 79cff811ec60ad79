"""SRS SR400 gated photon counter in the PhotonCounter role: the PMT on INPUT 1, counted by counter A.

Counter T counts the internal 10 MHz time base, so every count period is
T SET x 100 ns, and T SET keeps one significant digit: a period is one of
1, 2, ... 9 x 10^k x 100 ns (100 ns to 25 h).  A scan holds at most 2000
periods and consecutive periods are separated by the dwell (2 ms to 60 s,
also one significant digit; bench setting ``dwell_s``, default the minimum
2 ms).  Hence:

* ``count(gate_s)``: one period when the gate is such a value, otherwise
  the gate is split into N equal periods (N <= 2000) that add up to it
  exactly; the counting time is the gate, spread over N periods and N - 1
  dwells.  A gate that cannot be split so (not a whole number of 100 ns
  ticks, or needing over 2000 periods) is refused with ValueError.
* ``start_trace(bin_s, bins)``: each bin is one period, so ``bin_s`` must be
  a one-significant-digit multiple of 100 ns and ``bins`` <= 2000.  Bins
  are not contiguous: bin k starts ``k * (bin_s + dwell_s)`` after the
  start (:meth:`SR400PhotonCounter.bin_starts_s`).

The SR400 is not made to follow a galvo's pixel clock, so ``can_follow``
stays False: counter T could end periods on TRIG pulses, but every period is
followed by a dwell of at least 2 ms (or waits for a pulse on the separate
external start input), which loses the pixels of any raster faster than
that, and the buffer holds only 2000 periods, far fewer than an image's
pixels.

Bench settings: ``dwell_s`` (default 0.002), ``baud_rate`` (must match the
COM menu; default 9600), ``discriminator_level_v`` (optional; left as set on
the front panel when absent).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import field_validator

from anplab.drivers.srs_sr400 import (
    MAX_DWELL_S,
    MAX_PERIODS,
    MAX_PRESET,
    MIN_DWELL_S,
    SR400,
    TICKS_PER_S,
    CounterInput,
    CountMode,
    GateMode,
    ScanEnd,
    one_significant_digit,
)

from ..errors import reading
from ..photon_counter import PhotonCounter, PhotonCounterLimits
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting

_TICK_TOLERANCE = 1e-6  # of one tick: float seconds that are meant to be whole ticks


class Settings(DriverSettings):
    dwell_s: float = setting(MIN_DWELL_S, "dwell between count periods: one significant digit, 2E-3..6E1 s",
                             unit="s", ge=MIN_DWELL_S, le=MAX_DWELL_S)
    baud_rate: Literal[300, 600, 1200, 2400, 4800, 9600, 19200] = setting(
        9600, "RS-232 baud rate; must match the SR400's COM menu")
    discriminator_level_v: float | None = setting(None, "discriminator A level set on opening (unset: as set on "
                                                        "the front panel)", unit="V", ge=-0.3, le=0.3)

    @field_validator("dwell_s")
    @classmethod
    def _one_digit(cls, value: float) -> float:
        if not one_significant_digit(value):
            raise ValueError(f"{value:g} s has more than one significant digit (the SR400 keeps one)")
        return value


def _ticks(seconds: float, what: str) -> int:
    """Whole 100 ns ticks in ``seconds``; ValueError when it is not a whole number of them."""
    exact = seconds * TICKS_PER_S
    ticks = round(exact)
    if ticks < 1 or abs(exact - ticks) > _TICK_TOLERANCE * max(1.0, exact):
        raise ValueError(f"{what} {seconds:g} s is not a whole number of the SR400's 100 ns ticks")
    return ticks


def split_gate(gate_s: float) -> tuple[int, int]:
    """(periods, ticks per period) adding up to ``gate_s`` with the fewest periods the SR400 can count."""
    total = _ticks(gate_s, "gate")
    for periods in range(1, MAX_PERIODS + 1):
        if total % periods == 0:
            ticks = total // periods
            if ticks <= MAX_PRESET and one_significant_digit(ticks):
                return periods, ticks
    raise ValueError(
        f"a gate of {gate_s:g} s cannot be counted as at most {MAX_PERIODS} equal periods of "
        "one significant digit x 100 ns; choose e.g. 0.1, 0.25 or 1.5 s"
    )


class SR400PhotonCounter(PhotonCounter):
    """Counts in one or a few periods; traces are buffered scans of N PERIODS."""

    def __init__(self, name: str, spec, driver: SR400):
        limits = PhotonCounterLimits(
            max_count_rate_s=spec.limits.max_count_rate_s,
            min_gate_s=max(spec.limits.min_gate_s, 1.0 / TICKS_PER_S),
            max_gate_s=min(spec.limits.max_gate_s, MAX_PRESET / TICKS_PER_S),
            max_bins=MAX_PERIODS,
        )
        calibration = spec.calibration
        super().__init__(name, limits, band=spec.band, dark_count_rate_s=calibration.dark_count_rate_s,
                         dead_time_s=calibration.dead_time_s)
        self.driver = driver
        self.dwell_s = spec.settings.dwell_s
        self._trace_bins = 0
        self._trace_ticks = 0
        self._configure(spec.settings)

    def _configure(self, settings: Settings) -> None:
        """Counter A on the PMT, T on the time base, whole periods counted, stop at N PERIODS."""
        driver = self.driver
        driver.count_mode = CountMode.A_B_FOR_T  # also resets the counters
        driver.counter_a_input = CounterInput.INPUT_1
        driver.counter_t_input = CounterInput.CLOCK_10MHZ
        driver.gate_a.mode = GateMode.CW
        driver.end_of_scan_mode = ScanEnd.STOP
        driver.dwell_time = self.dwell_s
        if settings.discriminator_level_v is not None:
            driver.discriminator_a.level = settings.discriminator_level_v

    def _arm(self, periods: int, ticks: int) -> None:
        self.driver.periods = periods
        self.driver.counter_t_preset = ticks
        self.driver.reset()

    def _wait_per_point_s(self, ticks: int) -> float:
        return ticks / TICKS_PER_S + self.dwell_s + 2.0

    # -- PhotonCounter ----------------------------------------------------------------------
    def _count(self, gate_s: float) -> int:
        periods, ticks = split_gate(gate_s)
        self._arm(periods, ticks)
        counts = self.driver.scan_a(periods, timeout_s=self._wait_per_point_s(ticks))
        return int(sum(reading(value, "count") for value in counts))

    def _start_trace(self, bin_s: float, bins: int) -> None:
        ticks = _ticks(bin_s, "bin width")
        if not one_significant_digit(ticks):
            raise ValueError(f"{self.name}: bin width {bin_s:g} s is not one significant digit x 100 ns "
                             "(the SR400 keeps only the first digit of T SET)")
        self._arm(bins, ticks)
        self.driver.start()
        self._trace_bins, self._trace_ticks = bins, ticks

    def _read_trace(self) -> np.ndarray:
        if not self._trace_bins:
            raise RuntimeError(f"{self.name}: no trace was started")
        counts = self.driver.buffer_a(self._trace_bins, timeout_s=self._wait_per_point_s(self._trace_ticks))
        self._trace_bins = 0
        return np.asarray(counts, dtype=np.int64)

    def bin_starts_s(self, bin_s: float, bins: int) -> np.ndarray:
        """When each trace bin starts, after the trace starts: bins are one period apart plus the dwell."""
        return np.arange(bins) * (bin_s + self.dwell_s)

    def status(self) -> dict:
        return {**super().status(), "dwell_s": self.dwell_s}

    def _identification(self) -> str:
        driver = self.driver
        return (f"SRS SR400 gated photon counter (count mode {driver.count_mode.name}, "
                f"N PERIODS {driver.periods}, DWELL {driver.dwell_time:g} s)")


def _driver(adapter, spec) -> SR400:
    return SR400(adapter, baud_rate=spec.settings.baud_rate)


ENTRY = DriverEntry(
    key="srs_sr400",
    role="photon_counter",
    title="Stanford Research Systems SR400 two-channel gated photon counter (RS-232 / GPIB)",
    make_driver=_driver,
    make_role=SR400PhotonCounter,
    check_address=visa_address_problem,
    settings=Settings,
)
