"""The PhotonCounter role: counts in a gate, time-binned traces, pixel-clocked counting, saturation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from .errors import check_limit


@dataclass(frozen=True)
class PhotonCounterLimits:
    #: Above this count rate the detector saturates or risks damage (SPADs).
    max_count_rate_s: float = 1e7
    min_gate_s: float = 1e-6
    max_gate_s: float = 100.0
    max_bins: int = 1_000_000


class PhotonCounter(ABC):
    """A PMT or SPAD with its counter.

    ``dark_count_rate_s`` and ``dead_time_s`` come from the bench
    calibration; ``band`` names the emission band its filter passes.
    """

    role = "photon_counter"
    has_shutter = False

    def __init__(self, name: str, limits: PhotonCounterLimits, *, band: str, dark_count_rate_s: float = 0.0,
                 dead_time_s: float = 0.0):
        self.name = name
        self.limits = limits
        self.band = band
        self.dark_count_rate_s = float(dark_count_rate_s)
        self.dead_time_s = float(dead_time_s)
        self._peak_rate_s = 0.0  # the highest rate seen since peak_rate_s() was last asked
        #: The rate of the last gate or trace counted (counts/s; None before any): what a status
        #: display shows without taking the detector away from a run.
        self.last_rate_s: float | None = None

    # -- software-timed gates ---------------------------------------------------------
    def count(self, gate_s: float) -> int:
        """Counts in one gate of ``gate_s`` seconds."""
        gate = check_limit(self.name, "gate", gate_s, self.limits.min_gate_s, self.limits.max_gate_s, "s")
        counts = int(self._count(gate))
        self._peak_rate_s = max(self._peak_rate_s, counts / gate)
        self.last_rate_s = counts / gate
        return counts

    def count_rate(self, gate_s: float) -> float:
        """Count rate (counts/s) measured over one gate."""
        return self.count(gate_s) / gate_s

    def is_saturating(self, count_rate_s: float) -> bool:
        return count_rate_s > self.limits.max_count_rate_s

    # -- hardware-timed, time-binned traces ----------------------------------------------
    def start_trace(self, bin_s: float, bins: int) -> None:
        """Arm buffered time-binned counting; bins fill from now as time passes."""
        check_limit(self.name, "bin width", bin_s, self.limits.min_gate_s, self.limits.max_gate_s, "s")
        check_limit(self.name, "number of bins", bins, 1, self.limits.max_bins, "bins")
        self._start_trace(float(bin_s), int(bins))
        self._trace_bin_s = float(bin_s)

    def read_trace(self) -> np.ndarray:
        """Wait for the armed trace to finish; counts per bin."""
        trace = np.asarray(self._read_trace(), dtype=np.int64)
        if trace.size:
            self._peak_rate_s = max(self._peak_rate_s, float(trace.max()) / self._trace_bin_s)
            self.last_rate_s = float(trace[-1]) / self._trace_bin_s
        return trace

    def peak_rate_s(self) -> float:
        """The highest count rate seen (in a gate or a trace bin) since the last call; starts afresh."""
        peak, self._peak_rate_s = self._peak_rate_s, 0.0
        return peak

    # -- counting on an external pixel clock ---------------------------------------------
    def can_follow(self, clock_terminal: str) -> bool:
        """Whether this counter can gate on the given hardware clock (e.g. a galvo's sample clock)."""
        return False

    def arm_clocked(self, clock_terminal: str, samples: int) -> None:
        raise NotImplementedError(f"{self.name} cannot count on an external pixel clock")

    def read_clocked(self) -> np.ndarray:
        raise NotImplementedError(f"{self.name} cannot count on an external pixel clock")

    # -- protection -------------------------------------------------------------------
    def close_shutter(self) -> None:
        """Close the detector's shutter, if it has one."""

    def open_shutter(self) -> None:
        """Open the detector's shutter, if it has one."""

    def safe_state(self) -> None:
        self.close_shutter()

    def status(self) -> dict:
        return {"band": self.band, "last_rate_s": self.last_rate_s, "max_count_rate_s": self.limits.max_count_rate_s}

    @property
    def identification(self) -> str:
        return self._identification()

    @abstractmethod
    def _count(self, gate_s: float) -> int: ...

    @abstractmethod
    def _start_trace(self, bin_s: float, bins: int) -> None: ...

    @abstractmethod
    def _read_trace(self) -> np.ndarray: ...

    @abstractmethod
    def _identification(self) -> str: ...
