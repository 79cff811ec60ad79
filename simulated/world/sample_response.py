"""The sample under the objective: particles whose populations evolve under the local pump.

Each particle sees the sum of every pumping laser's focal spot, centred on
the galvo position; lasers at other wavelengths only act through the
photoswitching action spectrum.  Populations are carried from one moment to
the next, so rise times, afterglow and critical slowing down appear in what
the detector counts, exactly as they do at the bench.

A continuous film is handled quasi-statically: its emission under the beam
is the steady-state read-out map of its current darkness (the film's many
particles make per-particle dynamics too costly), while writing and erasing
follow the exact dose law.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..physics.compiled_stepper import advance_fixed as step_particles
from ..physics.compiled_stepper import step_through_samples
from ..physics.conditions import Conditions
from ..physics.constants import photon_flux
from ..physics.imaging import film_emission_map
from ..physics.rate_equations import RateSystem
from ..physics.samples import Film, ParticleField
from ..physics.settled import SETTLED_RTOL, advance_linear, steady_nearby
from ..physics.transient import evolve

PUMP_TOLERANCE_NM = 15.0
_RELEVANT_INTENSITY = 1e-9  # kW/cm^2; below this a particle counts as unpumped
#: In a raster, intensities below this fraction of the peak are treated as dark: emission
#: goes at least as I^2 there, and the avalanche reservoir is not reached.
_RASTER_FLOOR = 1e-3
_EXCITED_FLOOR = 1e-10  # excited-state fraction below which a dark particle counts as relaxed
_SHORT_STEP_S = 0.01  # shorter steps use the fixed-step Rosenbrock stepper (compiled), longer ones solve_ivp


@dataclass
class Illumination:
    """One laser's contribution at the sample: where, how bright, which spot."""

    wavelength_nm: float
    peak_intensity_kw_cm2: float
    spot: object
    x_um: float
    y_um: float


@dataclass
class SampleResponse:
    sample: ParticleField | Film
    bands: tuple[str, ...]
    temperature_k: float = 295.0
    _state: np.ndarray = field(default=None, repr=False)
    _film_cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.material = self.sample.material
        self.weights = np.array([self.material.band_weights(b) for b in self.bands])
        if isinstance(self.sample, ParticleField):
            self._state = np.repeat(self.material.dark_populations()[:, None], len(self.sample), axis=1)

    # -- intensities --------------------------------------------------------------
    def _pumps(self, lights: list[Illumination]) -> list[Illumination]:
        return [
            light for light in lights
            if abs(light.wavelength_nm - self.material.pump_wavelength_nm) <= PUMP_TOLERANCE_NM
            and light.peak_intensity_kw_cm2 > 0
        ]

    def particle_intensity(self, lights: list[Illumination]) -> np.ndarray:
        """Pump intensity (kW/cm^2) at every particle of the field."""
        field_ = self.sample
        total = np.zeros(len(field_))
        for light in self._pumps(lights):
            r = np.hypot(field_.positions_um[:, 0] - light.x_um, field_.positions_um[:, 1] - light.y_um)
            total += light.peak_intensity_kw_cm2 * light.spot.relative_intensity(r)
        return total

    def _system(self, index: np.ndarray, intensity: np.ndarray) -> RateSystem:
        field_ = self.sample
        cond = Conditions(
            intensity.astype(float),
            np.full(index.size, self.temperature_k),
            field_.shell_nm[index].astype(float),
            field_.darkness[index].astype(float),
            shape=(index.size,),
        )
        return RateSystem(self.material, cond)

    def _active(self, intensity: np.ndarray) -> np.ndarray:
        """Particles worth integrating: pumped above the raster floor, or still excited."""
        floor = max(_RELEVANT_INTENSITY, _RASTER_FLOOR * float(intensity.max(initial=0.0)))
        excited = 1.0 - self._state[self.material.ground_indices].min(axis=0)
        return np.flatnonzero((intensity > floor) | (excited > _EXCITED_FLOOR))

    def emission_rate(self, lights: list[Illumination]) -> np.ndarray:
        """Photons/s per band the sample emits right now; no time passes."""
        if isinstance(self.sample, Film):
            return self._film_photons(1.0, lights, None)[:, 0]
        return (self.weights @ self._state).sum(axis=1)

    # -- time evolution -----------------------------------------------------------
    def advance(self, duration_s: float, lights: list[Illumination], edges_s=None) -> np.ndarray:
        """Let ``duration_s`` pass under constant illumination.

        Returns photons emitted per band, shape (bands, intervals) between
        ``edges_s`` (default one interval covering the step).
        """
        intervals = 1 if edges_s is None else len(edges_s) - 1
        photons = np.zeros((len(self.bands), intervals))
        if duration_s <= 0:
            return photons
        self._switch(duration_s, lights)
        if isinstance(self.sample, Film):
            return self._film_photons(duration_s, lights, edges_s)
        intensity = self.particle_intensity(lights)
        index = self._active(intensity)
        if index.size == 0:
            return photons
        system = self._system(index, intensity[index])
        # Particles near their steady state under these conditions (a settled particle under the laser's
        # own noise) follow the linearised equations: one matrix exponential, no stiff integration
        # (see physics.settled).  Only the others are integrated.
        n = self._state[:, index]
        if edges_s is None:
            done, n_after, emitted = advance_linear(system, n, duration_s, self.weights)
            photons += emitted.sum(axis=1, keepdims=True)
        else:  # time-binned: only a particle at its steady state for any purpose counts rate x bin
            done, n_after = steady_nearby(system, n, rtol=SETTLED_RTOL)
            rates = (self.weights @ n_after[:, done]).sum(axis=1)
            photons += rates[:, None] * np.diff(np.asarray(edges_s, dtype=float))[None, :]
        if done.any():
            self._state[:, index[done]] = n_after[:, done]
            if done.all():
                return photons
            moving = np.flatnonzero(~done)
            system, index = system.subset(moving), index[moving]
        flux = system.flux
        if duration_s <= _SHORT_STEP_S and edges_s is None:
            state, emitted = step_particles(system, self._state[:, index], duration_s, flux, self.weights)
            self._state[:, index] = state
            return photons + emitted.sum(axis=1, keepdims=True)
        state, solved = evolve(system, self._state[:, index], duration_s, flux, self.weights, edges_s)
        self._state[:, index] = state
        return photons + solved

    def raster(self, x_um: np.ndarray, y_um: np.ndarray, dwell_s: float, lights: list[Illumination]) -> np.ndarray:
        """Photons per band emitted during each sample of a hardware-timed raster, shape (bands, samples).

        ``lights`` give the lasers' peak intensities (their x/y are ignored:
        the beam follows x_um, y_um).  Every particle is stepped, in compiled
        code, through the samples that light it and the afterglow after them;
        long dark stretches are crossed in a few steps.
        """
        samples = len(x_um)
        photons = np.zeros((len(self.bands), samples))
        if isinstance(self.sample, Film):
            # Quasi-static read-out: the raster's exposure applied as one dose, then the map sampled.
            self._switch_raster(None, lights, x_um, y_um, dwell_s)
            return self._film_rates(lights, x_um, y_um) * dwell_s
        field_ = self.sample
        pumps = self._pumps(lights)
        intensity = np.zeros((samples, len(field_)))
        for light in pumps:
            reach = light.spot.reach_um
            near = np.flatnonzero(
                (field_.positions_um[:, 0] >= x_um.min() - reach) & (field_.positions_um[:, 0] <= x_um.max() + reach)
                & (field_.positions_um[:, 1] >= y_um.min() - reach) & (field_.positions_um[:, 1] <= y_um.max() + reach)
            )
            for p in near:
                r = np.hypot(x_um - field_.positions_um[p, 0], y_um - field_.positions_um[p, 1])
                inside = np.flatnonzero(r <= reach)
                relative = light.spot.relative_intensity(r[inside])
                bright = relative >= _RASTER_FLOOR
                intensity[inside[bright], p] += light.peak_intensity_kw_cm2 * relative[bright]
        self._switch_raster(intensity, lights, x_um, y_um, dwell_s)
        lit = intensity > _RELEVANT_INTENSITY
        excited = 1.0 - self._state[self.material.ground_indices].min(axis=0) > _EXCITED_FLOOR
        particles = np.flatnonzero(lit.any(axis=0) | excited)
        if particles.size == 0:
            return photons
        system = self._system(particles, np.zeros(particles.size))
        flux = photon_flux(intensity[:, particles], self.material.pump_wavelength_nm)
        self._state[:, particles], photons = step_through_samples(
            system, self._state[:, particles], flux, dwell_s, self.weights
        )
        return photons

    # -- photoswitching -------------------------------------------------------------
    def _switch(self, duration_s: float, lights: list[Illumination]) -> None:
        switching = self.material.photoswitching
        if switching is None:
            return
        for light in lights:
            if light.peak_intensity_kw_cm2 <= 0:
                continue
            if isinstance(self.sample, Film):
                self.sample.expose(light.x_um, light.y_um, light.wavelength_nm, light.peak_intensity_kw_cm2,
                                   duration_s, light.spot)
                continue
            field_ = self.sample
            r = np.hypot(field_.positions_um[:, 0] - light.x_um, field_.positions_um[:, 1] - light.y_um)
            near = r <= light.spot.reach_um
            if near.any():
                local = light.peak_intensity_kw_cm2 * light.spot.relative_intensity(r[near])
                field_.darkness[near] = switching.evolve(field_.darkness[near], light.wavelength_nm, local, duration_s)

    def _switch_raster(self, intensity, lights, x_um, y_um, dwell_s) -> None:
        switching = self.material.photoswitching
        if switching is None:
            return
        for light in lights:
            if light.peak_intensity_kw_cm2 <= 0:
                continue
            if isinstance(self.sample, Film):
                self.sample.expose(x_um, y_um, light.wavelength_nm, light.peak_intensity_kw_cm2, dwell_s, light.spot)
                continue
            # Dose law: only the integrated rates at each particle matter.
            field_ = self.sample
            for p in range(len(field_)):
                r = np.hypot(x_um - field_.positions_um[p, 0], y_um - field_.positions_um[p, 1])
                near = r <= light.spot.reach_um
                if near.any():
                    local = light.peak_intensity_kw_cm2 * light.spot.relative_intensity(r[near])
                    k_dark, k_bright = switching.rates(light.wavelength_nm, local)
                    field_.darkness[p] = switching.apply_doses(field_.darkness[p], k_dark.sum() * dwell_s,
                                                               k_bright.sum() * dwell_s)

    # -- film -------------------------------------------------------------------------
    def _film_map(self, light: Illumination, band: str) -> np.ndarray:
        """The film's read-out map under ``light``, recomputed only when something it depends on has moved.

        A read-out brightens the film a little wherever it passes; the map is
        kept while no cell's darkness has changed by more than 1e-3 (far below
        what changes its emission visibly), since recomputing it costs FFTs
        over the whole film.
        """
        film = self.sample
        film.flush()
        cached = self._film_cache.get(band)
        key = (round(light.peak_intensity_kw_cm2, 9), round(self.temperature_k, 3), light.spot)
        if (cached is None or cached["key"] != key
                or np.abs(film.darkness - cached["darkness"]).max(initial=0.0) > 1e-3):
            emission_map = film_emission_map(film, light.peak_intensity_kw_cm2, light.spot,
                                             temperature_k=self.temperature_k, band=band)
            cached = {"key": key, "darkness": film.darkness.copy(), "map": emission_map}
            self._film_cache[band] = cached
        return cached["map"]

    def _film_rates(self, lights: list[Illumination], x_um, y_um) -> np.ndarray:
        """Photons/s per band with the beam at each (x, y), from the film's read-out maps."""
        film = self.sample
        x, y = np.atleast_1d(np.asarray(x_um, float)), np.atleast_1d(np.asarray(y_um, float))
        rates = np.zeros((len(self.bands), x.size))
        col = np.clip(np.rint((x + film.width_um / 2) / film.cell_um - 0.5), 0, film.nx - 1).astype(int)
        row = np.clip(np.rint((y + film.height_um / 2) / film.cell_um - 0.5), 0, film.ny - 1).astype(int)
        for light in self._pumps(lights):
            for b, band in enumerate(self.bands):
                rates[b] += self._film_map(light, band)[row, col]
        return rates

    def _film_photons(self, duration_s: float, lights: list[Illumination], edges_s) -> np.ndarray:
        widths = np.array([duration_s]) if edges_s is None else np.diff(edges_s)
        pumps = self._pumps(lights)
        if not pumps:
            return np.zeros((len(self.bands), widths.size))
        rates = self._film_rates(pumps, pumps[0].x_um, pumps[0].y_um)
        return rates * widths[None, :]
