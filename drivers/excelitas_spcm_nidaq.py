"""Excelitas SPCM single-photon avalanche diode, its TTL pulses counted by an NI-DAQ counter.

The SPCM emits one TTL pulse per detected photon; the pulse line goes to a
PFI terminal, and a count-edges counter input (``Dev1/ctr0``) counts rising
edges on it.  A count-edges channel is a free-running 32-bit register: every
value read is cumulative, so counts per interval are differences taken
modulo 2**32 (the register rolls over after ~4.3e9 edges: minutes at SPAD
rates).

Three ways to count:

* software-timed gate: read the running counter before and after a wait;
* time-binned trace: a buffered count latched on a pulse train from a second
  counter (``Dev1/ctr1`` -> ``/Dev1/Ctr1InternalOutput``).  NI counters have no
  sample clock of their own (buffered counting needs an external clock), and
  a counter-output pulse train is the usual source: its period is exact in
  timebase ticks, and it leaves the AI and AO timing engines free (the AO
  engine runs the galvo);
* pixel-clocked: a buffered count latched on another task's sample clock,
  e.g. a galvo raster's ``/Dev1/ao/SampleClock``.

Buffered counts latch the register on each clock edge, so N intervals need
N + 1 samples; a raster supplies the extra edge itself (see
``thorlabs_gvs_nidaq``), so ``arm_clocked(terminal, pixels)`` takes pixels + 1.

The ``nidaqmx`` module is passed in, like the ``sleep`` that times software
gates (the bench clock on a simulated bench).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

COUNTER_ROLLOVER = 2**32

_READ_MARGIN_S = 10.0
_CLOCKED_READ_TIMEOUT_S = 10.0  # the raster has finished by the time its counts are read


def counts_between(samples: Sequence[float]) -> np.ndarray:
    """Counts in each interval between successive cumulative samples of a 32-bit counter."""
    values = np.asarray(samples, dtype=np.float64).astype(np.int64)
    return np.mod(np.diff(values), COUNTER_ROLLOVER)


def _device(physical_channel: str) -> str:
    return physical_channel.strip("/").split("/")[0]


def _terminal(device: str, terminal: str) -> str:
    """A terminal name in the fully qualified form DAQmx expects for routing ("/Dev1/PFI0")."""
    return terminal if terminal.startswith("/") else f"/{device}/{terminal}"


@dataclass
class _Armed:
    """An armed buffered count: its tasks, the samples it will latch and a read timeout."""

    count_task: Any
    clock_task: Any | None
    samples: int
    timeout_s: float


class ExcelitasSPCMNidaq:
    """An SPCM on a counter input of an NI-DAQ device.

    .. code-block:: python

        import nidaqmx
        spad = ExcelitasSPCMNidaq(nidaqmx, "Dev1/ctr0", "PFI0", clock_counter="Dev1/ctr1")
        spad.count(0.1)                   # counts in a 100 ms software-timed gate
        spad.start_binned(1e-3, 500)      # 500 bins of 1 ms from now
        trace = spad.read_binned()
    """

    def __init__(self, nidaqmx: Any, counter: str = "Dev1/ctr0", input_terminal: str = "PFI0", *,
                 clock_counter: str = "Dev1/ctr1", sleep: Callable[[float], None] = time.sleep,
                 max_clock_rate_hz: float = 1e6):
        self.nidaqmx = nidaqmx
        self.counter = counter
        self.device = _device(counter)
        if _device(clock_counter).lower() != self.device.lower():
            raise ValueError(f"the bin clock counter {clock_counter} must be on {self.device}, like {counter}")
        self.input_terminal = _terminal(self.device, input_terminal)
        self.clock_counter = clock_counter
        #: Upper bound of an external pixel clock's rate, which DAQmx uses to size the buffer.
        self.max_clock_rate_hz = float(max_clock_rate_hz)
        self._sleep = sleep
        self._trace: _Armed | None = None
        self._clocked: _Armed | None = None

    @property
    def bin_clock_terminal(self) -> str:
        """Where the bin clock counter's pulse train appears inside the device."""
        number = self.clock_counter.strip("/").split("/")[-1].lower().removeprefix("ctr")
        return f"/{self.device}/Ctr{number}InternalOutput"

    # -- tasks ----------------------------------------------------------------------------
    def _count_task(self):
        constants = self.nidaqmx.constants
        task = self.nidaqmx.Task()
        try:
            channel = task.ci_channels.add_ci_count_edges_chan(
                self.counter, edge=constants.Edge.RISING, initial_count=0,
                count_direction=constants.CountDirection.COUNT_UP,
            )
            # The counter's default source terminal is not where the SPCM is wired.
            channel.ci_count_edges_term = self.input_terminal
        except BaseException:
            task.close()
            raise
        return task

    @staticmethod
    def _release(armed: _Armed | None) -> None:
        """Stop and close every task of ``armed``, even if one fails; then raise the first failure."""
        if armed is None:
            return
        first = None
        for task in (armed.clock_task, armed.count_task):  # the clock first, so no edge lands mid-teardown
            if task is None:
                continue
            for action in (task.stop, task.close):
                try:
                    action()
                except Exception as error:
                    first = first or error
        if first is not None:
            raise first

    def _buffered(self, rate_hz: float, source: str, samples: int):
        constants = self.nidaqmx.constants
        task = self._count_task()
        try:
            task.timing.cfg_samp_clk_timing(
                rate=rate_hz, source=source, active_edge=constants.Edge.RISING,
                sample_mode=constants.AcquisitionType.FINITE, samps_per_chan=samples,
            )
        except BaseException:
            task.close()
            raise
        return task

    # -- software-timed gate ------------------------------------------------------------------
    def count(self, gate_s: float) -> int:
        """Counts during a software-timed gate of ``gate_s`` (its edges are only as exact as the OS)."""
        with self._count_task() as task:
            task.start()  # an unstarted on-demand counter would start, read 0 and stop on each read
            before = task.read()
            self._sleep(gate_s)
            after = task.read()
            task.stop()
        return int(counts_between([before, after])[0])

    # -- time-binned trace ------------------------------------------------------------------
    def start_binned(self, bin_s: float, bins: int) -> None:
        """Start counting into ``bins`` bins of ``bin_s``, clocked by the bin clock counter."""
        self.abandon_trace()
        constants = self.nidaqmx.constants
        rate = 1.0 / float(bin_s)
        samples = int(bins) + 1
        count_task = self._buffered(rate, self.bin_clock_terminal, samples)
        clock_task = None
        try:
            clock_task = self.nidaqmx.Task()
            clock_task.co_channels.add_co_pulse_chan_freq(
                self.clock_counter, idle_state=constants.Level.LOW, initial_delay=0.0, freq=rate, duty_cycle=0.5,
            )
            clock_task.timing.cfg_implicit_timing(sample_mode=constants.AcquisitionType.CONTINUOUS)
            count_task.start()  # armed before the clock's first edge
            clock_task.start()
        except BaseException:
            self._release(_Armed(count_task, clock_task, samples, 0.0))
            raise
        self._trace = _Armed(count_task, clock_task, samples, samples * float(bin_s) + _READ_MARGIN_S)

    def read_binned(self) -> np.ndarray:
        """Wait for the trace started by :meth:`start_binned`; counts per bin."""
        armed, self._trace = self._trace, None
        if armed is None:
            raise RuntimeError("no time-binned trace was started")
        try:
            samples = armed.count_task.read(number_of_samples_per_channel=armed.samples, timeout=armed.timeout_s)
        finally:
            self._release(armed)
        return counts_between(samples)

    def abandon_trace(self) -> None:
        """Stop and release a started trace that will not be read."""
        armed, self._trace = self._trace, None
        self._release(armed)

    # -- counting on an external pixel clock ------------------------------------------------------
    def arm_clocked(self, clock_terminal: str, pixels: int) -> None:
        """Arm a count latched on every edge of ``clock_terminal``: ``pixels`` + 1 edges, ``pixels`` counts."""
        self.abandon_clocked()
        samples = int(pixels) + 1
        task = self._buffered(self.max_clock_rate_hz, clock_terminal, samples)
        try:
            task.start()  # must be waiting before the clock's first edge
        except BaseException:
            task.close()
            raise
        self._clocked = _Armed(task, None, samples, _CLOCKED_READ_TIMEOUT_S)

    def read_clocked(self) -> np.ndarray:
        """Counts per pixel of the armed pixel-clocked count."""
        armed, self._clocked = self._clocked, None
        if armed is None:
            raise RuntimeError("no pixel-clocked count was armed")
        try:
            samples = armed.count_task.read(number_of_samples_per_channel=armed.samples, timeout=armed.timeout_s)
        finally:
            self._release(armed)
        return counts_between(samples)

    def abandon_clocked(self) -> None:
        armed, self._clocked = self._clocked, None
        self._release(armed)

    def close(self) -> None:
        self.abandon_trace()
        self.abandon_clocked()
