"""The shared world: laser power, beam position and temperature set what the detector counts."""

import numpy as np
import pytest

from anplab.simulated.clock import SimulationClock
from anplab.simulated.physics.detection import Detection
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.samples import ParticleField
from anplab.simulated.physics.steady_state import steady_state
from anplab.simulated.world import World
from anplab.simulated.world.beam_path import BeamPath
from anplab.simulated.world.cryostat import Cryostat
from anplab.simulated.world.detector_head import DetectorHead
from anplab.simulated.world.galvo import GalvoMirrors
from anplab.simulated.world.laser_emitter import LaserEmitter
from anplab.simulated.world.power_sensor import PowerSensor
from anplab.simulated.world.sample_response import SampleResponse

TM = get_material("tm-1064")
TRANSMISSION = 1e-4


def make_world(positions=((0.0, 0.0),), temperature=295.0, drift=0.0, base=None, collection=0.05):
    field = ParticleField(TM, list(positions), shell_nm=5.6, darkness=0.0)
    lasers = {
        "pump": LaserEmitter("pump", 1064.0, 10.0, drift_fraction=drift),
        "write": LaserEmitter("write", 852.0, 1.0, drift_fraction=drift),
    }
    beam = BeamPath(1.4, "airy", {"pump": TRANSMISSION, "write": 1e-3}, {"pump": 0.01, "write": 0.01})
    # No cooling: the cold plate sits at the start temperature unless a test installs a controller.
    cryostat = Cryostat(stage_k=temperature, sample_k=temperature,
                        base_temperature_k=temperature if base is None else base)
    detectors = {"spad": DetectorHead("spad", "800nm", Detection(collection, 0.65, 100.0, 22e-9), seed=1)}
    return World(SimulationClock(), lasers, beam, GalvoMirrors(um_per_volt=10.0), cryostat,
                 SampleResponse(field, ("800nm",)), detectors, {"pm": PowerSensor("pm")})


def laser_watts_for(world, intensity_kw_cm2):
    return world.beam.spot(1064.0).power_mw(intensity_kw_cm2) * 1e-3 / TRANSMISSION


def test_counts_follow_the_avalanche_s_curve_through_laser_power():
    world = make_world()
    world.set_emission("pump", True)
    measured, expected = [], []
    for intensity in (2.0, 6.0, 8.0, 20.0):
        world.set_laser_power("pump", laser_watts_for(world, intensity))
        world.clock.sleep(10.0)  # let the avalanche settle
        measured.append(world.count("spad", 1.0))
        emitted = float(steady_state(TM, world.intensity_at_sample_kw_cm2("pump"), 295.0).emission())
        expected.append(emitted * 0.05 * 0.65 + 100.0)
    for got, want in zip(measured, expected):
        assert abs(got - want) < 4 * np.sqrt(want) + 0.1 * want  # shot noise plus 10 %
    signal = np.array(measured) - 100.0  # dark counts off
    assert signal[3] > 100 * max(signal[1], 4 * np.sqrt(100.0))  # steep across the threshold


def test_beam_off_the_particle_sees_only_dark_counts():
    world = make_world(positions=((5.0, 5.0),))
    world.set_laser_power("pump", laser_watts_for(world, 20.0))
    world.set_emission("pump", True)
    world.clock.sleep(1.0)
    assert world.count("spad", 1.0) == pytest.approx(100, abs=40)
    world.command_galvo(0.5, 0.5)  # 5 um at 10 um/V
    world.clock.sleep(1.0)
    assert world.count("spad", 1.0) > 5_000


def test_binned_trace_shows_the_slow_avalanche_rise():
    world = make_world(collection=0.5)
    world.set_laser_power("pump", laser_watts_for(world, 7.4))  # ~1.1 x threshold: t90 ~ 0.35 s
    world.start_binning("spad", 0.02, 100)
    world.clock.sleep(0.1)  # baseline before the pump steps on
    world.set_emission("pump", True)
    counts = world.finish_binning("spad")
    baseline, plateau = counts[:5].mean(), counts[-20:].mean()
    assert baseline < 5 and plateau > 20
    rising = counts[5:]
    t50 = 0.02 * np.argmax(rising > 0.5 * plateau)
    assert 0.1 < t50 < 0.5


def test_photodarkening_with_the_852_nm_laser_dims_the_particle():
    world = make_world()
    world.set_laser_power("pump", laser_watts_for(world, 8.0))
    world.set_emission("pump", True)
    world.clock.sleep(10.0)
    before = world.count("spad", 1.0)
    world.set_emission("pump", False)
    world.set_laser_power("write", 1.0)
    world.set_emission("write", True)
    world.clock.sleep(0.5)
    world.set_emission("write", False)
    assert world.sample.sample.darkness[0] > 0.5
    world.set_emission("pump", True)
    world.clock.sleep(10.0)
    assert world.count("spad", 1.0) - 100 < (before - 100) / 5


def test_raster_puts_bright_spots_on_the_particles():
    world = make_world(positions=((-2.0, 1.2), (1.6, -2.0)), collection=0.3)
    world.set_laser_power("pump", laser_watts_for(world, 15.0))
    world.set_emission("pump", True)
    axis = np.linspace(-4.0, 4.0, 21) / 10.0  # volts: 0.4 um pixels
    xv, yv = np.meshgrid(axis, axis)
    # 200 ms per pixel: near threshold the avalanche needs tens of ms to build from dark.
    counts = world.raster(xv.ravel(), yv.ravel(), 5.0, ["spad"])["spad"].reshape(21, 21)
    for x, y in ((-2.0, 1.2), (1.6, -2.0)):
        row, col = np.argmin(np.abs(axis * 10 - y)), np.argmin(np.abs(axis * 10 - x))
        assert counts[row, col] > 100 * max(np.median(counts), 1)
    assert world.now() == pytest.approx(21 * 21 / 5.0)


def test_short_dwell_leaves_no_time_for_the_avalanche():
    # Critical slowing down in an image: at 1 ms per pixel the beam leaves before the particle builds up.
    axis = np.linspace(-3.0, 3.0, 25) / 10.0  # 0.25 um pixels, the particle lit for a pixel or two per line
    xv, yv = np.meshgrid(axis, axis)
    peaks = []
    for rate in (5.0, 1000.0):
        world = make_world(collection=0.3)
        world.set_laser_power("pump", laser_watts_for(world, 15.0))
        world.set_emission("pump", True)
        counts = world.raster(xv.ravel(), yv.ravel(), rate, ["spad"])["spad"]
        peaks.append(counts.max() * rate)  # peak count rate
    steady = float(steady_state(TM, 15.0).emission()) * 0.3 * 0.65
    assert peaks[0] > 0.5 * steady
    assert peaks[1] < peaks[0] / 5


def test_scheduled_interlock_trip_stops_emission_at_its_time():
    world = make_world()
    world.scheduled_trips.append((2.5, "pump", "open"))
    world.set_laser_power("pump", 1.0)
    world.set_emission("pump", True)
    world.clock.sleep(2.0)
    assert world.laser_output_w("pump") > 0
    world.clock.sleep(1.0)
    assert world.laser_output_w("pump") == 0.0
    assert not world.set_emission("pump", True)


def test_overlapping_interlock_trips_keep_the_loop_open_until_the_last_one_ends():
    # A long trip with a short blip inside it: the blip shutting its door must not close the loop.
    world = make_world()
    world.scheduled_trips += [(1.0, "pump", "open"), (9.0, "pump", "close"),
                              (3.0, "pump", "open"), (3.5, "pump", "close")]
    world.clock.sleep(4.0)
    assert not world.set_emission("pump", True)
    world.clock.sleep(6.0)
    assert world.set_emission("pump", True)


def test_power_meter_reads_the_pickoff_with_responsivity():
    world = make_world()
    world.set_laser_power("pump", 2.0)
    world.set_emission("pump", True)
    assert world.power_reading_w("pm", 1064.0, averages=100) == pytest.approx(0.02, rel=0.01)
    assert world.power_reading_w("pm", 1550.0, averages=100) < 0.02 * 0.8


def test_laser_drift_is_slow_and_small():
    world = make_world(drift=0.003)
    world.set_laser_power("pump", 1.0)
    world.set_emission("pump", True)
    readings = []
    for _ in range(200):
        world.clock.sleep(5.0)
        readings.append(world.laser_output_w("pump"))
    readings = np.array(readings)
    assert readings.std() < 0.01 and np.abs(np.diff(readings)).max() < 0.005


def test_cryostat_follows_a_simple_controller_and_feeds_the_sample_temperature():
    world = make_world(temperature=295.0, base=4.0)

    def proportional(t, cryostat):
        cryostat.heater_max_w = 5.0
        cryostat.heater_fraction = float(np.clip(0.2 * (77.0 - cryostat.stage_k) + 0.11, 0.0, 1.0))

    world.cryostat.controller = proportional
    world.clock.sleep(600.0)
    assert world.temperature_k("stage") == pytest.approx(77.0, abs=3.0)
    assert world.sample.temperature_k == pytest.approx(world.temperature_k("sample"))
