"""The Scanner role: galvo x/y position in micrometres, and hardware-timed rasters with a pixel clock."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from .errors import LimitError, check_limit
from .photon_counter import PhotonCounter


@dataclass(frozen=True)
class ScannerLimits:
    max_volts: float = 10.0
    max_sample_rate_hz: float = 250_000.0


class Scanner(ABC):
    """A galvo pair; ``um_per_volt`` (bench calibration) maps drive volts to position at the sample."""

    role = "scanner"

    def __init__(self, name: str, limits: ScannerLimits, um_per_volt: float, settling_time_s: float = 150e-6):
        self.name = name
        self.limits = limits
        self.um_per_volt = float(um_per_volt)
        #: Time the mirrors take to come within 1 % of a small step (bench calibration): wait this long
        #: after a move before exposing.
        self.settling_time_s = float(settling_time_s)

    @property
    def range_um(self) -> float:
        """Half-width of the reachable field (um)."""
        return self.limits.max_volts * self.um_per_volt

    def _volts(self, axis: str, um) -> np.ndarray:
        volts = np.asarray(um, dtype=float) / self.um_per_volt
        if not np.all(np.isfinite(volts)):
            raise LimitError(self.name, f"{axis} position", float("nan"), -self.range_um, self.range_um, "um")
        worst = float(volts.flat[np.argmax(np.abs(volts))]) if volts.size else 0.0
        check_limit(self.name, f"{axis} position", worst * self.um_per_volt, -self.range_um, self.range_um, "um")
        return volts

    def check_reach(self, x_um: float, y_um: float) -> None:
        """LimitError if (x, y) um is beyond the galvo's reach (nothing is sent)."""
        self._volts("x", x_um)
        self._volts("y", y_um)

    def move_to(self, x_um: float, y_um: float) -> None:
        """Park the beam at (x, y) um."""
        self._set_volts(float(self._volts("x", x_um)), float(self._volts("y", y_um)))

    @property
    def position_um(self) -> tuple[float, float]:
        x_v, y_v = self._get_volts()
        return x_v * self.um_per_volt, y_v * self.um_per_volt

    @property
    def pixel_clock(self) -> str:
        """Terminal of the sample clock a raster runs on (a counter can gate on it)."""
        return self._pixel_clock()

    #: Time the beam rests on the first pixel before a raster's first counted sample.
    LEAD_IN_S = 0.005

    def raster(self, x_um, y_um, dwell_s: float, counter: PhotonCounter | None = None) -> np.ndarray | None:
        """Scan row by row (x fast), one sample per pixel of ``dwell_s``, hardware-timed.

        With a ``counter`` that can follow this scanner's pixel clock, returns
        counts per pixel, shape (len(y_um), len(x_um)).  The waveform starts
        with uncounted samples on the first pixel (at least ``LEAD_IN_S``):
        the mirrors' jump from wherever they were, and the afterglow of a
        particle the beam has just left, would otherwise land in pixel one.
        """
        x = np.asarray(x_um, dtype=float)
        y = np.asarray(y_um, dtype=float)
        rate = 1.0 / check_limit(self.name, "pixel dwell", dwell_s, 1.0 / self.limits.max_sample_rate_hz, 10.0, "s")
        lead = int(np.ceil(self.LEAD_IN_S * rate))
        xv = np.tile(self._volts("x", x), y.size)
        yv = np.repeat(self._volts("y", y), x.size)
        xv = np.concatenate([np.full(lead, xv[0]), xv])
        yv = np.concatenate([np.full(lead, yv[0]), yv])
        if counter is not None and not counter.can_follow(self.pixel_clock):
            raise ValueError(f"{counter.name} cannot count on {self.name}'s pixel clock {self.pixel_clock}")
        if counter is not None:
            counter.arm_clocked(self.pixel_clock, xv.size)
        self._run_waveform(xv, yv, rate)
        if counter is None:
            return None
        return counter.read_clocked()[lead:].reshape(y.size, x.size)

    def safe_state(self) -> None:
        """Nothing to make safe on the mirrors themselves."""

    def status(self) -> dict:
        x, y = self.position_um
        return {"x_um": x, "y_um": y}

    @property
    def identification(self) -> str:
        return self._identification()

    @abstractmethod
    def _set_volts(self, x_v: float, y_v: float) -> None: ...

    @abstractmethod
    def _get_volts(self) -> tuple[float, float]: ...

    @abstractmethod
    def _pixel_clock(self) -> str: ...

    @abstractmethod
    def _run_waveform(self, x_v: np.ndarray, y_v: np.ndarray, sample_rate_hz: float) -> None: ...

    @abstractmethod
    def _identification(self) -> str: ...
