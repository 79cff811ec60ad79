"""Laser heating of a particle by the pump power it absorbs and does not re-emit.

The model (off unless asked for, so the presets keep their figures):

* **Heat.** In the steady state every absorbed pump photon's energy leaves
  the particle either as a luminescence photon or as heat (multiphonon
  relaxation, quenching, the energy mismatch of every transfer), so the heat
  it deposits is

      P_heat = h nu_pump phi sum_(i->f) sigma_if n_i N_i sign(E_f - E_i)
               - sum_(radiative u->l) A_ul n_u N_u (E_u - E_l),

  with N the ions of each species in the particle and n their populations;
  pump-stimulated emission (tm-1450) returns a photon, hence the sign.
* **Conduction.** A sphere of outer radius R (core + shell) in a medium of
  thermal conductivity kappa, in steady state, is warmer than the far field by

      Delta T = P_heat / (4 pi kappa R)

  (the steady solution of the heat equation outside a sphere: Carslaw &
  Jaeger, Conduction of Heat in Solids, 1959, section 9.2; the relation used
  for single-nanoparticle heating, e.g. Govorov & Richardson, Nano Today 2,
  30, 2007).  NaYF4 conducts about as well as water, so the particle itself
  is close to isothermal.  A particle on a substrate sits between two media:
  use their mean conductivity.
* **Feedback.** The rates depend on temperature (:mod:`.phonons`) and the
  heat on the populations, so the particle temperature is the root of
  T - T_ambient - Delta T(T) = 0, found for every point at once by a
  vectorised bracketing root finder; the bracket grows from the ambient
  temperature, so the root found is the one a particle heating up from the
  ambient temperature reaches first.

For isolated lanthanide nanoparticles the rise is tiny (microkelvin at tens
of kW/cm^2: a few thousand ions with cross-sections of 1e-20 cm^2 absorb
picowatts at most); it matters for large particles, strongly absorbing
materials or a poorly conducting surrounding, and the model says how much.
Heating of the medium itself by the beam (water absorbs 1450 nm light) is
not part of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import elementwise

from .conditions import Conditions
from .constants import PLANCK_J_S, SPEED_OF_LIGHT_M_S, photon_energy_j
from .errors import ModelInputError
from .material import Material
from .processes import RadiativeDecay
from .rate_equations import RateSystem
from .steady_state import SteadyState, population_derivative, steady_state

_J_PER_WAVENUMBER = PLANCK_J_S * SPEED_OF_LIGHT_M_S * 100.0  # h c, with energies in cm^-1
_TEMPERATURE_STEP_K = 0.01  # for the temperature derivatives of the slope
_ROOT_TOLERANCE_K = 1e-12


@dataclass(frozen=True)
class ParticleHeating:
    """Heating of the particle through a surrounding medium of ``thermal_conductivity_w_mk`` (water: 0.6)."""

    thermal_conductivity_w_mk: float = 0.6

    def __post_init__(self):
        kappa = self.thermal_conductivity_w_mk
        if not (isinstance(kappa, (int, float)) and math.isfinite(kappa) and kappa > 0):
            raise ModelInputError("thermal_conductivity_w_mk", f"must be a finite number > 0 W/(m K), got {kappa!r}")

    def kelvin_per_watt(self, material: Material, shell_nm: np.ndarray) -> np.ndarray:
        """Temperature rise per watt of heat, 1 / (4 pi kappa R), for each shell thickness."""
        radius_m = (0.5 * material.core_diameter_nm + np.asarray(shell_nm, dtype=float)) * 1e-9
        return 1.0 / (4.0 * math.pi * self.thermal_conductivity_w_mk * radius_m)


class HeatBalance:
    """Heat deposited in a particle: linear in the populations for given conditions, ``P = w . n``."""

    def __init__(self, system: RateSystem):
        material = system.material
        energies = np.array([lv.energy_cm for s in material.species for lv in s.levels])
        ions = np.concatenate([np.full(len(s.levels), material.ions_per_particle(s.name)) for s in material.species])
        direction = np.sign(energies[:, None] - energies[None, :])  # [final, initial]: +1 absorbs a photon
        np.fill_diagonal(direction, 0.0)
        photon = photon_energy_j(material.pump_wavelength_nm)
        #: absorbed pump power per unit population, per point: (points, levels)
        self.absorbed = (photon * system.flux * (direction[:, :, None] * system.pump).sum(axis=0) * ions[:, None]).T
        radiated = np.zeros(material.n_levels)
        for p in material.processes:
            if isinstance(p, RadiativeDecay):
                u, lo = material.index(p.upper), material.index(p.lower)
                radiated[u] += p.rate_s * (energies[u] - energies[lo]) * _J_PER_WAVENUMBER
        self.radiated = radiated * ions
        self.system = system

    def power_w(self, populations: np.ndarray) -> np.ndarray:
        """Heat (W) per particle at populations of shape (points, levels)."""
        return np.einsum("pl,pl->p", self.absorbed, populations) - populations @ self.radiated

    def power_log_derivative_w(self, populations: np.ndarray) -> np.ndarray:
        """d P_heat / d ln(intensity) at steady states, exactly (implicit differentiation of the populations)."""
        dn = population_derivative(self.system, populations)
        return np.einsum("pl,pl->p", self.absorbed, populations + dn) - dn @ self.radiated


@dataclass(frozen=True)
class HeatedSteadyState:
    """Steady states at the self-consistent particle temperatures."""

    steady: SteadyState
    ambient_temperature_k: np.ndarray
    particle_temperature_k: np.ndarray
    temperature_rise_k: np.ndarray
    heating: ParticleHeating

    def emission(self, band: str | None = None) -> np.ndarray:
        return self.steady.emission(band)

    def slope(self, band: str | None = None) -> np.ndarray:
        """Total d ln E / d ln I, the particle warming as the pump rises.

        S = dlnE/dlnI|_T + dlnE/dT * dT/dlnI, with dT/dlnI = (dDT/dlnI) / (1 - dDT/dT)
        from differentiating T = T_amb + DT(T, I).
        """
        material = self.steady.material
        cond = self.steady.conditions
        shape = self.steady.shape
        t = self.particle_temperature_k.ravel()
        h = np.minimum(_TEMPERATURE_STEP_K, material.temperature_range_k[1] - t)
        h = np.where(h > 0, h, -_TEMPERATURE_STEP_K)
        nearby = steady_state(material, cond.intensity_kw_cm2, t + h, shell_nm=cond.shell_nm, darkness=cond.darkness)
        per_watt = self.heating.kelvin_per_watt(material, cond.shell_nm)
        n = self.steady.populations.reshape(-1, material.n_levels)
        here = HeatBalance(self.steady.system)
        rise_here = per_watt * here.power_w(n)
        rise_there = per_watt * HeatBalance(nearby.system).power_w(nearby.populations.reshape(-1, material.n_levels))
        d_rise_dt = (rise_there - rise_here) / h
        d_rise_dlni = per_watt * here.power_log_derivative_w(n)
        e_here = self.steady.emission(band).ravel()
        d_lne_dt = (np.log(nearby.emission(band).ravel()) - np.log(e_here)) / h
        dt_dlni = d_rise_dlni / (1.0 - d_rise_dt)
        return (self.steady.slope(band).ravel() + d_lne_dt * dt_dlni).reshape(shape)


def heated_steady_state(
    material: Material,
    intensity_kw_cm2,
    temperature_k=300.0,
    heating: ParticleHeating | None = None,
    *,
    shell_nm=None,
    darkness=0.0,
) -> HeatedSteadyState:
    """Steady states with the particle heated by the pump; ``temperature_k`` is the ambient temperature."""
    heating = heating or ParticleHeating()
    cond = Conditions.broadcast(material, intensity_kw_cm2, temperature_k, shell_nm, darkness)
    per_watt = heating.kelvin_per_watt(material, cond.shell_nm)

    def rise(t, intensity, shell, dark, k_per_w):
        ss = steady_state(material, intensity, t, shell_nm=shell, darkness=dark)
        n = ss.populations.reshape(-1, material.n_levels)
        return k_per_w * HeatBalance(ss.system).power_w(n).reshape(np.shape(t))

    def residual(delta, intensity, ambient, shell, dark, k_per_w):
        return rise(ambient + delta, intensity, shell, dark, k_per_w) - delta

    # The unknown is the rise itself, so microkelvin rises keep their precision beside 300 K.
    args = (cond.intensity_kw_cm2, cond.temperature_k, cond.shell_nm, cond.darkness, per_watt)
    low, high = _bracket(residual, args, cond.temperature_k, material.temperature_range_k, material.key)
    result = elementwise.find_root(residual, (low, high), args=args,
                                   tolerances={"xatol": _ROOT_TOLERANCE_K, "xrtol": 1e-10})
    rise_k = np.where(low == high, low, result.x)
    particle = cond.temperature_k + rise_k
    steady = steady_state(material, cond.intensity_kw_cm2, particle, shell_nm=cond.shell_nm, darkness=cond.darkness)
    steady = _reshaped(steady, cond)
    return HeatedSteadyState(steady, cond.temperature_k.reshape(cond.shape), particle.reshape(cond.shape),
                             rise_k.reshape(cond.shape), heating)


def _bracket(residual, args, ambient: np.ndarray, t_range: tuple[float, float], key: str):
    """A bracket on the rise, grown from zero until the residual changes sign at every point.

    The first step is twice the rise at the ambient temperature, in its
    direction (a particle that radiates more than it absorbs, anti-Stokes
    cooling, goes down); each further step doubles it.
    """
    lowest, highest = t_range[0] - ambient, t_range[1] - ambient
    first = residual(np.zeros_like(ambient), *args)  # the rise at the ambient temperature
    direction = np.sign(first)
    near = np.zeros_like(ambient)
    far = np.clip(2.0 * first, lowest, highest)
    settled = direction == 0.0  # no heat at all (dark points): the particle stays at ambient
    far[settled] = 0.0
    for _ in range(200):
        open_ = np.flatnonzero(~settled)
        if open_.size == 0:
            return np.minimum(near, far), np.maximum(near, far)
        values = residual(far[open_], *(a[open_] for a in args))
        crossed = np.sign(values) != direction[open_]
        settled[open_[crossed]] = True
        grow = open_[~crossed]
        if np.any((far[grow] >= highest[grow]) | (far[grow] <= lowest[grow])):
            raise ModelInputError("heating", f"{key}: the particle's temperature would leave the model's "
                                             f"{t_range[0]:g}..{t_range[1]:g} K")
        near[grow] = far[grow]
        far[grow] = np.clip(2.0 * far[grow], lowest[grow], highest[grow])
    raise ModelInputError("heating", f"{key}: no steady particle temperature found")


def _reshaped(steady: SteadyState, cond: Conditions) -> SteadyState:
    """The steady states with the conditions' shape (the solver was given flat arrays)."""
    shape = cond.shape + (steady.material.n_levels,)
    return SteadyState(
        material=steady.material,
        conditions=Conditions(steady.conditions.intensity_kw_cm2, steady.conditions.temperature_k,
                              steady.conditions.shell_nm, steady.conditions.darkness, shape=cond.shape),
        populations=steady.populations.reshape(shape),
        upper=steady.upper.reshape(shape),
        unstable=steady.unstable.reshape(shape),
        bistable=steady.bistable.reshape(cond.shape),
        system=steady.system,
    )
