"""The shared virtual world behind every simulated instrument.

Simulated instruments never keep physical state of their own: they set and
read it here.  Setting a laser's power, moving the galvo or heating the
cryostat changes what the particles under the objective do, which is what
the detectors count.  Time only passes through the :class:`SimulationClock`;
the world catches up lazily (``sync``) whenever an instrument looks at it,
so virtual-time runs cost only the physics actually needed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..clock import SimulationClock
from .beam_path import BeamPath
from .cryostat import Cryostat
from .detector_head import DetectorHead
from .galvo import GalvoMirrors
from .laser_emitter import LaserEmitter
from .power_sensor import PowerSensor
from .sample_response import Illumination, SampleResponse

_MAX_SAMPLE_STEP_S = 1.0  # the sample sees the cryostat temperature updated at least this often


@dataclass
class _Recording:
    detector: str
    edges: np.ndarray  # absolute bench times
    photons: np.ndarray
    counts: list = field(default_factory=list)  # counts of the first bins, once handed out


@dataclass
class World:
    clock: SimulationClock
    lasers: dict[str, LaserEmitter]
    beam: BeamPath
    galvo: GalvoMirrors
    cryostat: Cryostat
    sample: SampleResponse
    detectors: dict[str, DetectorHead]
    power_sensors: dict[str, PowerSensor] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    #: Interlock events scheduled at bench times, (time_s, laser or None for all, "open" or "close"):
    #: fault injection (a door opened, then shut again).
    scheduled_trips: list[tuple[float, str | None, str]] = field(default_factory=list)
    #: Other faults at bench times, (time_s, what it does to the world): a laser's output sagging,
    #: a heat pulse on the cryostat.
    scheduled_events: list[tuple[float, Callable[[World], None]]] = field(default_factory=list)
    _time: float = 0.0
    _recordings: dict[str, _Recording] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._time = self.clock.now()
        self.sample.temperature_k = self.cryostat.sample_k
        self._band_index = {band: i for i, band in enumerate(self.sample.bands)}
        self.photon_totals = np.zeros(len(self.sample.bands))

    # -- time -----------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def sync(self) -> None:
        """Bring every part of the world up to the clock."""
        with self.lock:
            self._advance_to(self.clock.now())

    def _advance_to(self, t: float) -> None:
        while self._time < t:
            step_end = min(t, self._time + _MAX_SAMPLE_STEP_S)
            due = [event[0] for event in (*self.scheduled_trips, *self.scheduled_events)
                   if self._time <= event[0] < step_end]
            if due:
                step_end = max(min(due), self._time)
            if step_end > self._time:
                self._advance_piece(step_end)
            for trip in sorted(trip for trip in self.scheduled_trips if trip[0] <= self._time):
                self.scheduled_trips.remove(trip)
                for name, emitter in self.lasers.items():
                    if trip[1] is None or trip[1] == name:
                        emitter.open_interlock() if trip[2] == "open" else emitter.close_interlock()
            for event in [event for event in self.scheduled_events if event[0] <= self._time]:
                self.scheduled_events.remove(event)
                event[1](self)

    def _advance_piece(self, t: float) -> None:
        t0 = self._time
        for laser in self.lasers.values():
            laser.advance(t0)
        lights = self.lights()
        if not self._recordings:  # a plain gate (the common case): one interval, nothing to bin
            self.photon_totals += self.sample.advance(t - t0, lights, None)[:, 0]
            self._finish_piece(t)
            return
        inside = [r.edges[(r.edges > t0) & (r.edges < t)] for r in self._recordings.values()]
        edges = np.unique(np.concatenate([[t0, t], *inside])) - t0
        photons = self.sample.advance(t - t0, lights, edges if len(edges) > 2 else None)
        self.photon_totals += photons.sum(axis=1)
        mids = 0.5 * (edges[:-1] + edges[1:]) + t0
        for recording in self._recordings.values():
            band = self._band_index[self.detectors[recording.detector].band]
            slot = np.searchsorted(recording.edges, mids) - 1
            inside = (slot >= 0) & (slot < len(recording.photons))
            np.add.at(recording.photons, slot[inside], photons[band][inside])
        self._finish_piece(t)

    def _finish_piece(self, t: float) -> None:
        self.cryostat.advance(t)
        self.sample.temperature_k = self.cryostat.sample_k
        self._time = t

    # -- what the sample sees -------------------------------------------------------
    def lights(self) -> list[Illumination]:
        x_um, y_um = self.galvo.position_um(self._time)
        out = []
        for name, laser in self.lasers.items():
            power = laser.output_power_w()
            if power <= 0:
                continue
            intensity = self.beam.peak_intensity_kw_cm2(name, laser.wavelength_nm, power)
            out.append(Illumination(laser.wavelength_nm, intensity, self.beam.spot(laser.wavelength_nm), x_um, y_um))
        return out

    def intensity_at_sample_kw_cm2(self, laser: str) -> float:
        """Peak intensity the named laser makes at the sample right now."""
        with self.lock:
            self.sync()
            emitter = self.lasers[laser]
            return self.beam.peak_intensity_kw_cm2(laser, emitter.wavelength_nm, emitter.output_power_w())

    # -- lasers ---------------------------------------------------------------------
    def set_laser_power(self, laser: str, watts: float) -> None:
        with self.lock:
            self.sync()
            self.lasers[laser].setpoint_w = max(0.0, float(watts))

    def set_emission(self, laser: str, on: bool) -> bool:
        with self.lock:
            self.sync()
            return self.lasers[laser].request_emission(on)

    def laser_output_w(self, laser: str) -> float:
        with self.lock:
            self.sync()
            return self.lasers[laser].output_power_w()

    def trip_interlock(self, laser: str | None = None) -> None:
        with self.lock:
            self.sync()
            for name, emitter in self.lasers.items():
                if laser is None or name == laser:
                    emitter.open_interlock()

    def all_lasers_off(self) -> bool:
        with self.lock:
            return not any(laser.emitting for laser in self.lasers.values())

    # -- galvo ----------------------------------------------------------------------
    def command_galvo(self, x_v: float, y_v: float) -> None:
        with self.lock:
            self.sync()
            self.galvo.command(self._time, x_v, y_v)

    def galvo_position_um(self) -> tuple[float, float]:
        with self.lock:
            self.sync()
            return self.galvo.position_um(self._time)

    # -- power meter ----------------------------------------------------------------
    def power_reading_w(self, sensor: str, wavelength_setting_nm: float, averages: int = 1) -> float:
        with self.lock:
            self.sync()
            incident = [
                (laser.wavelength_nm, self.beam.power_at_pickoff_w(name, laser.output_power_w()))
                for name, laser in self.lasers.items()
            ]
            return self.power_sensors[sensor].reading_w(incident, wavelength_setting_nm, averages)

    # -- detectors ------------------------------------------------------------------
    def count(self, detector: str, gate_s: float) -> int:
        """Counts during a gate starting now; the clock advances by the gate."""
        with self.lock:
            self.sync()
            band = self._band_index[self.detectors[detector].band]
            before = float(self.photon_totals[band])
        # The gate passes without holding the world: a laser switched off meanwhile (from another
        # thread) syncs the world first, so the photons before and after the change both count.
        self.clock.sleep(gate_s)
        with self.lock:
            self.sync()
            photons = self.photon_totals[band] - before
            return int(self.detectors[detector].counts(np.array([photons]), np.array([gate_s]))[0])

    def start_binning(self, detector: str, bin_s: float, bins: int) -> None:
        """Begin a hardware-timed, time-binned count; bins fill as bench time passes."""
        with self.lock:
            self.sync()
            edges = self._time + bin_s * np.arange(bins + 1)
            self._recordings[detector] = _Recording(detector, edges, np.zeros(bins))

    def band_photons(self, detector: str) -> tuple[float, float]:
        """(bench time, photons emitted so far into ``detector``'s band): a running total a counter differences."""
        with self.lock:
            self.sync()
            return self.now(), float(self.photon_totals[self._band_index[self.detectors[detector].band]])

    def detected_counts(self, detector: str, photons: float, seconds: float) -> int:
        """Counts ``detector`` registers for ``photons`` emitted into its band over ``seconds`` (dark, dead time)."""
        return int(self.detectors[detector].counts(np.array([max(photons, 0.0)]), np.array([seconds]))[0])

    def binning_end_s(self, detector: str) -> float:
        return float(self._recordings[detector].edges[-1])

    def finish_binning(self, detector: str) -> np.ndarray:
        """Wait (on the bench clock) until the last bin has closed; return the counts per bin."""
        with self.lock:
            recording = self._recordings[detector]
            remaining = recording.edges[-1] - self.clock.now()
        if remaining > 0:  # not holding the world: other instruments (a laser switched off) go on meanwhile
            self.clock.sleep(remaining)
        with self.lock:
            self.sync()
            del self._recordings[detector]
            return self._settle(recording, len(recording.photons))

    def binned_so_far(self, detector: str) -> np.ndarray:
        """Counts in the bins of a running binning that have closed by now; the binning goes on."""
        with self.lock:
            self.sync()
            recording = self._recordings[detector]
            closed = int(np.searchsorted(recording.edges, self._time, side="right")) - 1
            return self._settle(recording, min(max(closed, 0), len(recording.photons)))

    def _settle(self, recording: _Recording, closed: int) -> np.ndarray:
        """Draw the counts of the first ``closed`` bins once; later calls return the same numbers."""
        done = len(recording.counts)
        if closed > done:
            head = self.detectors[recording.detector]
            fresh = head.counts(recording.photons[done:closed], np.diff(recording.edges[done:closed + 1]))
            recording.counts.extend(int(c) for c in fresh)
        return np.array(recording.counts[:closed], dtype=np.int64)

    def cancel_binning(self, detector: str) -> None:
        """Drop an unfinished time-binned count (its clock was stopped before the last bin closed)."""
        with self.lock:
            self._recordings.pop(detector, None)

    def raster(
        self, x_v: np.ndarray, y_v: np.ndarray, sample_rate_hz: float, detectors: list[str]
    ) -> dict[str, np.ndarray]:
        """Run a hardware-timed galvo waveform; counts per sample for each detector on its pixel clock."""
        with self.lock:
            self.sync()
            for laser in self.lasers.values():
                laser.advance(self._time)
            lights = self.lights()
            x_um, y_um = self.galvo.follow(self._time, np.asarray(x_v, float), np.asarray(y_v, float), sample_rate_hz)
            dwell = 1.0 / sample_rate_hz
            photons = self.sample.raster(x_um, y_um, dwell, lights)
            duration = len(x_um) * dwell
            self.photon_totals += photons.sum(axis=1)
            self.clock.sleep(duration)
            self._time += duration
            self.cryostat.advance(self._time)
            self.sample.temperature_k = self.cryostat.sample_k
            out = {}
            for name in detectors:
                band = self._band_index[self.detectors[name].band]
                out[name] = self.detectors[name].counts(photons[band], np.full(len(x_um), dwell))
            self.sync()
            return out

    def expected_count_rate(self, detector: str) -> float:
        """Expected counts/s right now (for status panels and saturation interlocks), no noise."""
        with self.lock:
            self.sync()
            head = self.detectors[detector]
            return head.count_rate(float(self.sample.emission_rate(self.lights())[self._band_index[head.band]]))

    # -- cryostat ---------------------------------------------------------------------
    def temperature_k(self, channel: str) -> float:
        with self.lock:
            self.sync()
            return self.cryostat.sensor_k(channel)
