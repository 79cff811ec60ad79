"""The units of work a batch sends to Dask workers: plain top-level functions of picklable arguments."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .dataset import ParticleData, Setup
from .fit import fit_particle
from .parameters import DEFAULT_FREE


@dataclass
class FitTask:
    data: ParticleData
    setup: Setup
    free: tuple[str, ...] = DEFAULT_FREE
    fixed: dict[str, float] = field(default_factory=dict)
    use_rises: bool = True


def fit_task(task: FitTask) -> dict:
    """One particle's fit, as a JSON-able dict (with the model's expected counts, for figures)."""
    return fit_particle(task.data, task.setup, free=task.free, fixed=task.fixed,
                        use_rises=task.use_rises).as_dict(with_curves=True)


@dataclass
class ModelPoint:
    """One point of a model campaign: a material variant to characterise."""

    material_key: str
    temperature_k: float = 295.0
    shell_nm: float | None = None
    concentration: float | None = None
    band: str | None = None
    rise_factor: float = 1.5


def model_point_task(point: ModelPoint) -> dict:
    """Threshold, S_max and the rise time at ``rise_factor`` x threshold of one material variant."""
    from anplab.simulated.physics import characteristics
    from anplab.simulated.physics.materials import get_material

    material = get_material(point.material_key, concentration=point.concentration, shell_nm=point.shell_nm)
    threshold = characteristics.avalanche_threshold(material, point.temperature_k, band=point.band)
    intensity = float(threshold.intensity_kw_cm2) * point.rise_factor
    rise = characteristics.rise_time(material, intensity, point.temperature_k, band=point.band)
    return {"threshold_kw_cm2": float(threshold.intensity_kw_cm2), "s_max": float(threshold.s_max),
            "rise_intensity_kw_cm2": intensity, "t50_s": float(np.asarray(rise.t50_s)),
            "t90_s": float(np.asarray(rise.t90_s))}
