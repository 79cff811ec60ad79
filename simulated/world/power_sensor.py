"""The power meter's sensor head on the pick-off: wavelength-dependent responsivity, noise, offset."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class PowerSensor:
    """A photodiode (InGaAs, 800-1700 nm class) or thermal sensor.

    A photodiode meter divides the photocurrent by the responsivity at the
    wavelength the user set; light at another wavelength reads wrong by the
    ratio of responsivities, as on a real meter.  A thermal sensor is flat.
    """

    name: str
    kind: str = "photodiode"
    noise_fraction: float = 0.002
    offset_w: float = 2e-9
    seed: int = 0
    _rng: np.random.Generator = field(default=None, repr=False)

    def __post_init__(self):
        self._rng = np.random.default_rng(self.seed)

    def responsivity_a_per_w(self, wavelength_nm) -> np.ndarray:
        wl = np.asarray(wavelength_nm, dtype=float)
        if self.kind == "thermal":
            return np.ones_like(wl)
        # InGaAs: quantum efficiency ~0.8 between ~950 and ~1600 nm, rolling off either side.
        efficiency = 0.8 / (1.0 + np.exp((900.0 - wl) / 40.0)) / (1.0 + np.exp((wl - 1650.0) / 30.0))
        return efficiency * wl / 1239.84

    def reading_w(self, incident: list[tuple[float, float]], wavelength_setting_nm: float, averages: int = 1) -> float:
        """Displayed power for light ``incident`` as (wavelength_nm, watts) pairs."""
        reference = float(self.responsivity_a_per_w(wavelength_setting_nm))
        signal = sum(power * float(self.responsivity_a_per_w(wl)) for wl, power in incident) / max(reference, 1e-12)
        noise = self.noise_fraction * signal / np.sqrt(max(1, averages))
        return float(signal + self.offset_w + noise * self._rng.standard_normal())
