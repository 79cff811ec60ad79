"""Samples under the microscope: a sparse field of single particles, and a continuous ANP film.

Coordinates are in micrometres with the origin at the centre of the sample,
the same frame as the galvo scanner's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import fftconvolve

from .constants import photon_energy_j, photon_flux
from .errors import ModelInputError
from .material import Material


@dataclass
class ParticleField:
    """Single particles at ``positions_um`` (P, 2), each with its own shell thickness and darkness."""

    material: Material
    positions_um: np.ndarray
    shell_nm: np.ndarray
    darkness: np.ndarray

    def __post_init__(self):
        self.positions_um = np.asarray(self.positions_um, dtype=float).reshape(-1, 2)
        count = len(self.positions_um)
        self.shell_nm = np.broadcast_to(np.asarray(self.shell_nm, dtype=float), (count,)).copy()
        self.darkness = np.broadcast_to(np.asarray(self.darkness, dtype=float), (count,)).copy()

    def __len__(self) -> int:
        return len(self.positions_um)

    @classmethod
    def random(
        cls,
        material: Material,
        count: int,
        extent_um: tuple[float, float] = (20.0, 20.0),
        *,
        min_separation_um: float = 1.0,
        shell_sd_nm: float = 0.3,
        seed: int = 0,
    ) -> ParticleField:
        """Particles scattered uniformly, no two closer than ``min_separation_um``, shells spread normally.

        Particle-to-particle spread of shell thickness (and with it of
        threshold) is what single-particle studies see (Kwock et al., 2021).
        """
        if count < 0:
            raise ModelInputError("count", f"must be >= 0 (got {count})")
        rng = np.random.default_rng(seed)
        width, height = extent_um
        area_per_particle = width * height / max(count, 1)
        if count and min_separation_um**2 * np.pi / 4 > 0.5 * area_per_particle:
            raise ModelInputError("count", f"{count} particles {min_separation_um} um apart do not fit in "
                                           f"{width} x {height} um")
        positions: list[np.ndarray] = []
        while len(positions) < count:
            candidates = rng.uniform([-width / 2, -height / 2], [width / 2, height / 2], size=(4 * count, 2))
            for c in candidates:
                if all(np.hypot(*(c - p)) >= min_separation_um for p in positions):
                    positions.append(c)
                    if len(positions) == count:
                        break
        shells = np.clip(rng.normal(material.shell_nm, shell_sd_nm, size=count), 0.0, None)
        return cls(material, np.array(positions).reshape(-1, 2), shells, np.zeros(count))


@dataclass
class Film:
    """A continuous ANP film whose photoswitching state is tracked on a grid of cells.

    Exposures accumulate dose: a run of exposures at one wavelength acts on
    each cell through its integrated darkening and brightening rates alone
    (see :meth:`Photoswitching.apply_doses`), and the rate at a cell is the
    spot profile times the peak (to the brightening order for brightening),
    so pending exposures are convolved with the spot in one FFT per process
    when the wavelength changes or the film is read.  ``fluence_j_cm2`` keeps
    the record of the optical dose every cell received, per wavelength.
    """

    material: Material
    width_um: float = 20.0
    height_um: float = 20.0
    cell_nm: float = 20.0
    particles_per_um2: float = 400.0
    darkness: np.ndarray = field(default=None)
    fluence_j_cm2: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.material.photoswitching is None:
            raise ModelInputError("material", f"{self.material.key} has no photoswitching model")
        if not self.cell_nm > 0:
            raise ModelInputError("cell_nm", f"must be > 0 (got {self.cell_nm})")
        self.nx = int(round(self.width_um * 1e3 / self.cell_nm))
        self.ny = int(round(self.height_um * 1e3 / self.cell_nm))
        if self.darkness is None:
            self.darkness = np.zeros((self.ny, self.nx))
        self._pending = None  # (wavelength_nm, spot, photons-per-cm2 impulses)

    # -- geometry ---------------------------------------------------------------
    @property
    def cell_um(self) -> float:
        return self.cell_nm * 1e-3

    @property
    def x_um(self) -> np.ndarray:
        return (np.arange(self.nx) + 0.5) * self.cell_um - self.width_um / 2

    @property
    def y_um(self) -> np.ndarray:
        return (np.arange(self.ny) + 0.5) * self.cell_um - self.height_um / 2

    @property
    def particles_per_cell(self) -> float:
        return self.particles_per_um2 * self.cell_um**2

    def _kernel(self, spot) -> np.ndarray:
        half = int(np.ceil(spot.reach_um / self.cell_um))
        offsets = np.arange(-half, half + 1) * self.cell_um
        r = np.hypot(offsets[None, :], offsets[:, None])
        return spot.relative_intensity(r)

    # -- writing ----------------------------------------------------------------
    def expose(self, x_um, y_um, wavelength_nm: float, peak_intensity_kw_cm2, duration_s, spot) -> None:
        """Illuminate the film with the spot centred at (x, y) for ``duration_s`` (arrays allowed)."""
        x, y, intensity, duration = np.broadcast_arrays(
            np.asarray(x_um, float), np.asarray(y_um, float), np.asarray(peak_intensity_kw_cm2, float),
            np.asarray(duration_s, float),
        )
        if intensity.size and (intensity.min() < 0 or duration.min() < 0):
            raise ModelInputError("exposure", "intensity and duration must be >= 0")
        if self._pending is not None and (self._pending[0] != wavelength_nm or self._pending[1] != spot):
            self.flush()
        if self._pending is None:
            self._pending = (wavelength_nm, spot, np.zeros((self.ny, self.nx)), np.zeros((self.ny, self.nx)))
        order = self.material.photoswitching.brightening_order
        photons = (photon_flux(intensity, wavelength_nm) * duration).ravel()
        weighted = photons * intensity.ravel() ** (order - 1.0)  # brightening goes as I^order
        # Bilinear splat of each exposure onto the four nearest cells.
        fx = (x.ravel() + self.width_um / 2) / self.cell_um - 0.5
        fy = (y.ravel() + self.height_um / 2) / self.cell_um - 0.5
        ix, iy = np.floor(fx).astype(int), np.floor(fy).astype(int)
        wx, wy = fx - ix, fy - iy
        impulses, weighted_impulses = self._pending[2], self._pending[3]
        for dx, dy, w in ((0, 0, (1 - wx) * (1 - wy)), (1, 0, wx * (1 - wy)), (0, 1, (1 - wx) * wy), (1, 1, wx * wy)):
            cx, cy = ix + dx, iy + dy
            inside = (cx >= 0) & (cx < self.nx) & (cy >= 0) & (cy < self.ny)
            np.add.at(impulses, (cy[inside], cx[inside]), photons[inside] * w[inside])
            np.add.at(weighted_impulses, (cy[inside], cx[inside]), weighted[inside] * w[inside])

    def flush(self) -> None:
        """Apply pending exposures to the darkness map."""
        if self._pending is None:
            return
        wavelength_nm, spot, impulses, weighted_impulses = self._pending
        self._pending = None
        switching = self.material.photoswitching
        kernel = self._kernel(spot)
        fluence = np.maximum(fftconvolve(impulses, kernel, mode="same"), 0.0)  # photons/cm^2
        weighted = np.maximum(fftconvolve(weighted_impulses, kernel**switching.brightening_order, mode="same"), 0.0)
        # Rates per unit photon flux (at 1 kW/cm^2 the intensity factor of brightening is one).
        k_dark, k_bright = switching.rates(wavelength_nm, 1.0)
        per_photon = photon_flux(1.0, wavelength_nm)
        self.darkness = switching.apply_doses(self.darkness, k_dark / per_photon * fluence,
                                              k_bright / per_photon * weighted)
        record = self.fluence_j_cm2.setdefault(float(wavelength_nm), np.zeros((self.ny, self.nx)))
        record += fluence * photon_energy_j(wavelength_nm)

    def rest(self, duration_s: float) -> None:
        """Time in the dark: thermal recovery at the material's (usually zero) dark rate."""
        self.flush()
        self.darkness *= np.exp(-self.material.photoswitching.dark_recovery_rate_s * duration_s)
