"""The model's free parameters: what each changes in the material or the detection, its bounds and prior.

Bounds and priors come from the material preset: the shell is centred on the
preset's shell with a broad prior (a synthesis is rarely off by more than a few
nm); the rate scales are relative to the preset's rates (1 = as published),
log-normal-ish priors of a factor of ~2; the intensity calibration (the ratio
of the intensity the particle sees to the one recorded) has a 10 % prior, as a
power meter and spot-size calibration give it; collection efficiency and the
dark rate have no prior.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from anplab.simulated.physics.material import MAX_SHELL_NM, Material
from anplab.simulated.physics.processes import EnergyTransfer, PumpTransition

from .errors import FitInputError


@dataclass(frozen=True)
class FreeParameter:
    name: str
    start: float
    low: float
    high: float
    unit: str
    description: str
    prior: tuple[float, float] | None = None  # (mean, standard deviation)


def parameter_specs(material: Material, dark_guess: float, collection_guess: float) -> dict[str, FreeParameter]:
    """Every parameter a fit may free, for ``material``."""
    return {
        "shell_nm": FreeParameter("shell_nm", material.shell_nm, 0.0, MAX_SHELL_NM, "nm",
                                  "inert-shell thickness (sets the surface quenching)", (material.shell_nm, 3.0)),
        "collection_efficiency": FreeParameter("collection_efficiency", collection_guess, 1e-6, 1.0, "",
                                               "fraction of the emission reaching the detector"),
        "intensity_calibration": FreeParameter("intensity_calibration", 1.0, 0.2, 5.0, "",
                                               "intensity at the particle / recorded intensity", (1.0, 0.1)),
        "esa_scale": FreeParameter("esa_scale", 1.0, 0.05, 20.0, "", "excited-state absorption cross-section, "
                                   "relative to the preset", (1.0, 0.7)),
        "gsa_scale": FreeParameter("gsa_scale", 1.0, 0.05, 20.0, "", "ground-state absorption cross-section, "
                                   "relative to the preset", (1.0, 0.7)),
        "cross_relaxation_scale": FreeParameter("cross_relaxation_scale", 1.0, 0.05, 20.0, "",
                                                "cross-relaxation rate, relative to the preset", (1.0, 0.7)),
        "dark_rate_s": FreeParameter("dark_rate_s", max(dark_guess, 1e-3), 0.0, max(1e3, 100 * dark_guess), "1/s",
                                     "detector dark count rate"),
    }


DEFAULT_FREE = ("shell_nm", "collection_efficiency")


def check_free(names: list[str], specs: dict[str, FreeParameter]) -> list[str]:
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise FitInputError(f"no model parameter {unknown[0]!r}; free parameters: {', '.join(specs)}")
    return list(dict.fromkeys(names))


def apply_to_material(material: Material, values: dict[str, float]) -> Material:
    """The material with its rate scales applied (shell and detection are applied elsewhere)."""
    esa, gsa = values.get("esa_scale", 1.0), values.get("gsa_scale", 1.0)
    cross = values.get("cross_relaxation_scale", 1.0)
    if esa == gsa == cross == 1.0:
        return material
    processes = []
    for process in material.processes:
        if isinstance(process, PumpTransition) and process.label.startswith(("GSA", "ESA")):
            scale = gsa if process.label.startswith("GSA") else esa
            process = replace(process, cross_section_cm2=process.cross_section_cm2 * scale)
        elif isinstance(process, EnergyTransfer) and process.label.startswith("cross-relaxation"):
            process = replace(process, rate_s=process.rate_s * cross)
        processes.append(process)
    return material.with_changes(processes=tuple(processes))
