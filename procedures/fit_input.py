"""The data of anplab's own run folders, as a model fit takes them (:mod:`anplab.fitting.dataset`)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from anplab.fitting.dataset import ParticleData, Setup, scurve_frame, trace_from_rows
from anplab.fitting.errors import FitInputError

from .analysis.survey import AIM, DARK, RISE, particle_s_curve, particle_temperatures
from .run_folder import RunFolder, RunFolderError

FITTABLE_PROCEDURES = ("power-sweep", "threshold", "rise-time", "particle-survey")


def load_run_folder(folder: str | Path, particle: int | None = None) -> tuple[list[ParticleData], Setup]:
    """The particles of a run folder, and the setup its metadata records."""
    folder = Path(folder)
    run = RunFolder(folder)
    if not run.metadata_path.is_file() or not run.data_path.is_file():
        raise FitInputError(f"{folder} is not an anplab run folder (no {run.metadata_path.name} and "
                            f"{run.data_path.name})")
    try:
        metadata = run.read_metadata()
        data = run.read_data()  # the committed points only
    except (OSError, ValueError, RunFolderError) as error:
        raise FitInputError(f"{folder}: unreadable ({error})") from None
    procedure = metadata.get("procedure")
    if procedure not in FITTABLE_PROCEDURES:
        raise FitInputError(f"{folder} holds a {procedure!r} run; anplab fit takes "
                            f"{', '.join(FITTABLE_PROCEDURES)} runs or a CSV")
    setup = setup_from_metadata(metadata)
    if procedure in ("power-sweep", "threshold"):
        up = data[data.direction == 1]
        particles = [ParticleData(f"{folder.name}", scurve_frame(up), scurve_frame(data[data.direction == 0]))]
    elif procedure == "rise-time":
        located = data[data.phase == 0]
        particles = [ParticleData(folder.name, scurve_frame(located), scurve_frame(data[data.phase == -2]),
                                  notes=["rise traces not fitted: a rise-time run does not record how many "
                                         "traces each summed trace holds"])]
    else:
        particles = survey_particles(data, folder.name)
    if particle is not None:
        particles = [p for p in particles if re.search(rf"particle {particle}( at |$)", p.label)]
        if not particles:
            raise FitInputError(f"{folder} has no particle {particle}")
    return particles, setup


def survey_particles(data: pd.DataFrame, name: str) -> list[ParticleData]:
    """One ParticleData per particle and temperature (a survey at several temperatures searched each one's
    threshold at each), labelled "<run> particle <i>" (+ " at <T> K")."""
    dark = scurve_frame(data[data.kind == DARK])
    particles = []
    for index in sorted(data.loc[data.kind == AIM, "particle"].astype(int).unique()):
        own = data[data.particle == index]
        for kelvin in particle_temperatures(data, index):
            s_curve = scurve_frame(particle_s_curve(data, index, kelvin))
            traces = own[own.kind == RISE]
            if kelvin is not None:
                traces = traces[np.isclose(traces.temperature_k, kelvin)]
            rises = [trace_from_rows(trace, float(intensity), None if pd.isna(trace_k) else float(trace_k))
                     for (trace_k, intensity), trace in traces.groupby(["temperature_k", "intensity_kw_cm2"],
                                                                      dropna=False, sort=False)]
            label = f"{name} particle {index}" + ("" if kelvin is None else f" at {kelvin:g} K")
            particles.append(ParticleData(label, s_curve, dark, rises, temperature_k=kelvin))
    return particles


def setup_from_metadata(metadata: dict) -> Setup:
    """Material, temperature and detector calibration as the run's bench snapshot records them."""
    bench = metadata.get("bench") or {}
    setup = Setup()
    sample = (bench.get("simulation") or {}).get("sample") or {}
    if sample.get("material"):
        setup.material_key = sample["material"]
    cryostat = (bench.get("simulation") or {}).get("cryostat") or {}
    if cryostat.get("start_temperature_k"):
        setup.temperature_k = float(cryostat["start_temperature_k"])
    instruments = bench.get("instruments") or {}
    wanted = (metadata.get("parameters") or {}).get("counter") or ""
    counters = [(name, spec) for name, spec in instruments.items() if spec.get("role") == "photon_counter"]
    chosen = [c for c in counters if c[0] == wanted] or counters
    if chosen:
        name, spec = chosen[0]
        calibration = spec.get("calibration") or {}
        setup.quantum_efficiency = float(calibration.get("quantum_efficiency", 1.0))
        setup.dead_time_s = float(calibration.get("dead_time_s", 0.0))
        if spec.get("band"):
            setup.band = spec["band"]
        setup.notes.append(f"detector {name}: quantum efficiency {setup.quantum_efficiency:g}, dead time "
                           f"{setup.dead_time_s:g} s (from the run's bench snapshot)")
    return setup


