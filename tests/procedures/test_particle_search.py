"""The particle search parks the beam on a real particle, centred, at any search intensity, and never on noise.

Its coarse dwell follows the rise time at the search intensity (an exposure over the intensity), it doubles
the dwell when nothing lights up, a candidate must stand out of the Poisson background of the whole scan,
and the fine scan runs both ways so that the emission's lag behind the beam does not shift the centroid.
"""

import numpy as np
import pytest

from anplab.procedures.particle_experiment import ParticleExperiment, search_scans
from anplab.procedures.power_sweep import PowerSweep
from anplab.procedures.scanning import _background, detection_level, locate_particle

from .conftest import open_seeded


def searched(bench, intensity_kw_cm2: float, **scans) -> tuple[float, float, np.ndarray]:
    """Search at an intensity on a bench; returns (x, y, offsets of the beam from the nearest particle in um)."""
    procedure = PowerSweep(bench=bench)
    procedure.resolve_instruments()
    procedure.pump_on(intensity_kw_cm2)
    x, y, _ = locate_particle(procedure.galvo, procedure.detector, **{**search_scans(intensity_kw_cm2), **scans})
    field = bench.world.sample.sample
    offsets = field.positions_um - np.array([x, y])
    return x, y, offsets[int(np.argmin(np.hypot(*offsets.T)))]


def seeded_bench(monkeypatch, seed: int):
    monkeypatch.setenv("ANPLAB_TEST_SEED", str(seed))
    return open_seeded(PowerSweep.DEFAULT_BENCH)


def test_the_default_search_parks_centred_on_a_particle_without_a_scan_direction_bias(monkeypatch):
    """Over several sample seeds the beam ends within 30 nm of a particle's centre, and the offsets do not
    lean along either scan axis (a one-way fine scan put the beam ~35 nm past the particle along x)."""
    offsets = []
    for seed in (1, 2, 3, 4, 5, 6):
        bench = seeded_bench(monkeypatch, seed)
        try:
            offsets.append(searched(bench, ParticleExperiment.search_intensity.default)[2])
        finally:
            bench.close()
    offsets = np.array(offsets) * 1e3  # nm, particle minus beam
    assert np.hypot(*offsets.T).max() < 30.0, offsets
    assert np.abs(offsets.mean(axis=0)).max() < 15.0, offsets


@pytest.mark.parametrize("intensity", [15.0, 80.0])
def test_the_search_finds_a_particle_at_another_search_intensity(monkeypatch, intensity):
    """The dwell follows the rise at the intensity: 15 kW/cm^2 (t90 about 35 ms) lights particles that a
    fixed 20 ms dwell never saw, and 80 kW/cm^2 needs only a few ms per pixel."""
    bench = seeded_bench(monkeypatch, 3)
    try:
        start = bench.clock.now()
        _, _, offset = searched(bench, intensity)
        spent = bench.clock.now() - start
    finally:
        bench.close()
    assert np.hypot(*offset) < 0.05
    # A coarse and a fine scan at the first dwell, or after a doubling or two: within what the budget allows.
    assert spent < 1.3 * 1200 * search_scans(intensity)["longest_dwell_s"]


def test_a_dwell_too_short_for_the_rise_is_doubled_until_a_particle_lights(monkeypatch):
    """At a quarter of the needed exposure no particle lights within a pixel: the search says so and scans
    again at twice, then four times, the dwell, and parks on a particle."""
    heard = []
    bench = seeded_bench(monkeypatch, 2)
    try:
        dwell = search_scans(60.0)["coarse_dwell_s"] / 4
        _, _, offset = searched(bench, 60.0, coarse_dwell_s=dwell, fine_dwell_s=dwell, longest_dwell_s=8 * dwell,
                                on_retry=heard.append)
    finally:
        bench.close()
    assert heard and all("scanning again" in message for message in heard)
    assert np.hypot(*offset) < 0.05


def test_with_nothing_lit_the_search_refuses_instead_of_parking_on_noise(monkeypatch):
    """Pump off: the scans hold only dark counts, whose brightest pixels are no particle."""
    heard = []
    bench = seeded_bench(monkeypatch, 1)
    try:
        procedure = PowerSweep(bench=bench)
        procedure.resolve_instruments()
        procedure.pump.emission_off()
        with pytest.raises(RuntimeError, match="no particle found"):
            locate_particle(procedure.galvo, procedure.detector, on_retry=heard.append, **search_scans(60.0))
    finally:
        bench.close()
    assert len(heard) == 2  # the dwell doubled twice before giving up


@pytest.mark.parametrize("mean", [0.3, 0.8, 2.0, 6.0])
def test_a_background_only_scan_rarely_shows_a_pixel_above_the_detection_level(mean):
    """The level is set for one false particle per thousand scans of background alone."""
    rng = np.random.default_rng(7)
    scans = rng.poisson(mean, size=(4000, 1024))
    level = detection_level(mean, 1024)
    assert (scans.max(axis=1) > level).mean() < 0.003
    assert (scans.max(axis=1) > level - 2).mean() > 0.0003  # and it is not set far above the noise either


@pytest.mark.parametrize("mean", [0.3, 0.8, 2.0, 6.0])
def test_the_background_of_a_scan_ignores_its_particles(mean):
    """A few bright particles among 1024 pixels do not move the background estimate by more than a few %."""
    rng = np.random.default_rng(11)
    image = rng.poisson(mean, size=(32, 32)).astype(float)
    image[rng.integers(0, 32, 12), rng.integers(0, 32, 12)] += rng.uniform(20, 500, 12)
    assert _background(image) == pytest.approx(mean, rel=0.1, abs=0.05)
