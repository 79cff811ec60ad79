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

from ..physics.compiled_stepper import step_through_samples
from ..physics.conditions import Conditions
from ..physics.constants import photon_flux
from ..physics.imaging import film_emission_map
from ..physics.rate_equations import RateSystem
from ..physics.samples import Film, ParticleField
from ..physics.stepper import advance as step_particles
from ..physics.transient import evolve

PUMP_TOLERANCE_NM = 15.0
_RELEVANT_INTENSITY = 1e-9  # kW/cm^2; below this a particle counts as unpumped
#: In a raster, intensities below this fraction of the peak are treated as dark: emission
#: goes at least as I^2 there, and the avalanche reservoir is not reached.
_RASTER_FLOOR = 1e-3
_EXCITED_FLOOR = 1e-10  # excited-state fraction below which a dark particle counts as relaxed
_SHORT_STEP_S = 0.01  # shorter steps use the batched Rosenbrock stepper, longer ones solve_ivp


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
        flux = system.flux
        if duration_s <= _SHORT_STEP_S and edges_s is None:
            state, emitted = step_particles(system, self._state[:, index], duration_s, flux, self.weights)
            self._state[:, index] = state
            return emitted.sum(axis=1, keepdims=True)
        state, photons = evolve(system, self._state[:, index], duration_s, flux, self.weights, edges_s)
        self._state[:, index] = state
        return photons

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
            for k in range(samples):
                moved = [Illumination(l.wavelength_nm, l.peak_intensity_kw_cm2, l.spot, x_um[k], y_um[k]) for l in lights]
                photons[:, k] = self.advance(dwell_s, moved)[:, 0]
            return photons
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
    def _film_photons(self, duration_s: float, lights: list[Illumination], edges_s) -> np.ndarray:
        film = self.sample
        intervals = 1 if edges_s is None else len(edges_s) - 1
        widths = np.array([duration_s]) if edges_s is None else np.diff(edges_s)
        photons = np.zeros((len(self.bands), intervals))
        for light in self._pumps(lights):
            film.flush()
            key = (round(light.peak_intensity_kw_cm2, 9), round(self.temperature_k, 3), film.darkness.tobytes().__hash__())
            for b, band in enumerate(self.bands):
                cache_key = key + (band,)
                emission_map = self._film_cache.get(cache_key)
                if emission_map is None:
                    self._film_cache.clear()
                    emission_map = film_emission_map(film, light.peak_intensity_kw_cm2, light.spot,
                                                     temperature_k=self.temperature_k, band=band)
                    self._film_cache[cache_key] = emission_map
                col = int(np.clip((light.x_um + film.width_um / 2) / film.cell_um, 0, film.nx - 1))
                row = int(np.clip((light.y_um + film.height_um / 2) / film.cell_um, 0, film.ny - 1))
                photons[b] += emission_map[row, col] * widths
        return photons
