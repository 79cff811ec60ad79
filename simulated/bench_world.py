"""Building the virtual world a simulated bench file describes."""

from __future__ import annotations

from functools import partial

from .clock import SimulationClock
from .counterparts import head_rating_w
from .physics.detection import Detection
from .physics.materials import get_material
from .physics.samples import Film, ParticleField
from .world import World
from .world.beam_path import BeamPath
from .world.cryostat import Cryostat
from .world.detector_head import DetectorHead
from .world.galvo import GalvoMirrors
from .world.laser_emitter import LaserEmitter
from .world.power_sensor import PowerSensor
from .world.sample_response import SampleResponse


def build_world(config, clock: SimulationClock) -> World:
    """The world for a validated simulated :class:`BenchConfig`."""
    sim = config.simulation
    seed = sim.seed
    lasers, transmission, pickoff = {}, {}, {}
    for i, (name, spec) in enumerate(config.by_role("laser").items()):
        rated = head_rating_w(spec.driver, spec)
        lasers[name] = LaserEmitter(name, spec.wavelength_nm, rated, seed=seed * 1000 + i,
                                    refuses_emission=name in sim.faults.refuse_emission)
        transmission[name] = spec.calibration.transmission
        pickoff[name] = spec.calibration.pickoff_ratio
    beam = BeamPath(config.optics.numerical_aperture, config.optics.spot, transmission, pickoff)

    scanners = list(config.by_role("scanner").values())
    galvo = GalvoMirrors()
    if scanners:
        calibration = scanners[0].calibration
        galvo = GalvoMirrors(um_per_volt=calibration.um_per_volt, settling_time_s=calibration.settling_time_s,
                             max_volts=scanners[0].limits.max_volts)

    cryo = sim.cryostat
    cryostat = Cryostat(
        base_temperature_k=cryo.base_temperature_k,
        heat_capacity_j_per_k=cryo.heat_capacity_j_per_k,
        conductance_w_per_k=cryo.conductance_w_per_k,
        sample_lag_s=cryo.sample_lag_s,
        stage_k=cryo.start_temperature_k,
        sample_k=cryo.start_temperature_k,
        hold_at_start=cryo.hold_at_start,
    )

    material = get_material(sim.sample.material)
    spec = sim.sample
    if spec.kind == "film":
        sample = Film(material, spec.extent_um[0], spec.extent_um[1], cell_nm=spec.cell_nm,
                      particles_per_um2=spec.particles_per_um2)
    else:
        sample = ParticleField.random(material, spec.particles, spec.extent_um,
                                      min_separation_um=spec.min_separation_um, shell_sd_nm=spec.shell_sd_nm, seed=seed)

    detectors = {}
    for i, (name, counter) in enumerate(config.by_role("photon_counter").items()):
        calibration = counter.calibration
        detection = Detection(calibration.collection_efficiency, calibration.quantum_efficiency,
                              calibration.dark_count_rate_s, calibration.dead_time_s)
        detectors[name] = DetectorHead(name, counter.band, detection,
                                       damage_count_rate_s=counter.limits.max_count_rate_s, seed=seed * 1000 + 100 + i)
    bands = tuple(dict.fromkeys(head.band for head in detectors.values())) or (material.default_band,)
    sensors = {
        name: PowerSensor(name, kind=meter.calibration.sensor, seed=seed * 1000 + 200 + i)
        for i, (name, meter) in enumerate(config.by_role("power_meter").items())
    }
    world = World(clock, lasers, beam, galvo, cryostat, SampleResponse(sample, bands), detectors, sensors)
    for sag in sim.faults.laser_sags:
        world.scheduled_events.append((sag.at_s, _set_sag(sag.laser, sag.factor)))
        world.scheduled_events.append((sag.at_s + sag.duration_s, _set_sag(sag.laser, 1.0)))
    for kick in sim.faults.cryostat_kicks:
        world.scheduled_events.append((kick.at_s, _kick(kick.kelvin)))
    for trip in sim.faults.interlock_trips:
        world.scheduled_trips.append((trip.at_s, trip.laser, "open"))
        if trip.duration_s is not None:
            world.scheduled_trips.append((trip.at_s + trip.duration_s, trip.laser, "close"))
    return world


# Scheduled faults are state (the ones still to come are checkpointed with the world): partials of
# module-level functions, so that they pickle.
def _apply_sag(laser: str, factor: float, world) -> None:
    world.lasers[laser].sag = factor


def _apply_kick(kelvin: float, world) -> None:
    world.cryostat.stage_k += kelvin
    world.cryostat.sample_k += kelvin


def _set_sag(laser: str, factor: float):
    return partial(_apply_sag, laser, factor)


def _kick(kelvin: float):
    return partial(_apply_kick, kelvin)
