"""Expected counts of every reading of a particle, from the rate equations and the detection chain."""

from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_trapezoid

from anplab.simulated.physics.detection import Detection
from anplab.simulated.physics.material import Material
from anplab.simulated.physics.pump_waveforms import Constant
from anplab.simulated.physics.steady_state import steady_state
from anplab.simulated.physics.transient import transient

from .dataset import ParticleData, RiseTrace, Setup
from .parameters import apply_to_material

#: Samples of the transient per trace bin, for the bin's mean emission.
SAMPLES_PER_BIN = 6


def detection(values: dict[str, float], setup: Setup) -> Detection:
    return Detection(values["collection_efficiency"], setup.quantum_efficiency, values["dark_rate_s"],
                     setup.dead_time_s)


def expected_counts(material: Material, setup: Setup, data: ParticleData, values: dict[str, float]
                    ) -> dict[str, np.ndarray]:
    """Expected counts of the dark readings, the S-curve readings and each rise trace's bins."""
    changed = apply_to_material(material, values)
    detector = detection(values, setup)
    shell = values["shell_nm"]
    calibration = values.get("intensity_calibration", 1.0)
    kelvin = data.temperature_k or setup.temperature_k
    out = {"dark": detector.count_rate(np.zeros(len(data.dark))) * data.dark.gate_s.to_numpy()}
    intensity = data.s_curve.intensity_kw_cm2.to_numpy() * calibration
    emission = steady_state(changed, intensity, kelvin, shell_nm=shell).emission(setup.band)
    out["s_curve"] = detector.count_rate(emission) * data.s_curve.gate_s.to_numpy()
    for k, trace in enumerate(data.rises):
        mean = trace_mean_emission(changed, setup, trace, shell, calibration, trace.temperature_k or kelvin)
        out[f"rise_{k}"] = detector.count_rate(mean) * trace.gate_s
    return out


def trace_mean_emission(material: Material, setup: Setup, trace: RiseTrace, shell: float, calibration: float,
                        kelvin: float) -> np.ndarray:
    """Mean emission (photons/s) in each bin of a rise from dark after the pump steps on at t = 0."""
    lower = np.maximum(trace.time_s - trace.bin_s / 2, 0.0)
    upper = np.maximum(trace.time_s + trace.bin_s / 2, 0.0)
    lit = upper > 0
    mean = np.zeros(trace.time_s.size)
    if not lit.any():
        return mean
    end = float(upper.max())
    grid = np.unique(np.concatenate([[0.0], np.linspace(0.0, end, SAMPLES_PER_BIN * int(lit.sum()) + 1),
                                     lower[lit], upper[lit]]))
    emission = transient(material, Constant(trace.intensity_kw_cm2 * calibration), grid, kelvin, shell_nm=shell,
                         rtol=1e-7).emission(setup.band)
    integral = cumulative_trapezoid(emission, grid, initial=0.0)
    photons = np.interp(upper[lit], grid, integral) - np.interp(lower[lit], grid, integral)
    mean[lit] = photons / trace.bin_s
    return mean
