"""From laser output to the sample and to the power meter: transmission, pick-off, focal spot."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..physics.focal_spot import AirySpot, GaussianSpot


@dataclass
class BeamPath:
    """Optics shared by every laser: the objective, and per-laser transmission and pick-off.

    ``transmission[laser]`` is the fraction of the laser's output that reaches
    the sample; ``pickoff[laser]`` the fraction sent to the power meter.
    """

    numerical_aperture: float = 1.4
    spot_model: str = "airy"
    transmission: dict[str, float] = field(default_factory=dict)
    pickoff: dict[str, float] = field(default_factory=dict)

    def spot(self, wavelength_nm: float):
        kind = AirySpot if self.spot_model == "airy" else GaussianSpot
        return kind(wavelength_nm, self.numerical_aperture)

    def power_at_sample_w(self, laser: str, output_w: float) -> float:
        return output_w * self.transmission.get(laser, 1.0)

    def power_at_pickoff_w(self, laser: str, output_w: float) -> float:
        return output_w * self.pickoff.get(laser, 0.0)

    def peak_intensity_kw_cm2(self, laser: str, wavelength_nm: float, output_w: float) -> float:
        return float(self.spot(wavelength_nm).peak_intensity_kw_cm2(self.power_at_sample_w(laser, output_w) * 1e3))
