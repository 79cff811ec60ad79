"""Running procedures on the simulated bench in virtual time, and the model's answers for the particle aimed at.

The built-in benches are seeded (seed 1).  ``ANPLAB_TEST_SEED=N pytest tests/procedures``
reruns every procedure test on other particles and noise, to check that the
tolerances hold for more than one draw.
"""

import os
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pytest

from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.procedures.base import BUILT_IN_BENCHES, open_bench
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import load_data, run_procedure
from anplab.simulated.physics import characteristics


@dataclass
class Run:
    outcome: object
    bench: object

    @property
    def summary(self) -> dict:
        return self.outcome.summary

    @property
    def folder(self):
        return self.outcome.folder

    def data(self):
        return load_data(self.folder)

    def images(self) -> dict:
        return RunFolder(self.folder).load_images()

    def metadata(self) -> dict:
        return RunFolder(self.folder).read_metadata()

    # -- the model's view of the particle under the beam -----------------------------------
    def aimed_particle(self, laser_nm: float = 1064.0, at: tuple[float, float] | None = None):
        """(index, relative pump intensity there) of the particle nearest the beam (or the point ``at``)."""
        world = self.bench.world
        field = world.sample.sample
        x, y = world.galvo_position_um() if at is None else at
        r = np.hypot(field.positions_um[:, 0] - x, field.positions_um[:, 1] - y)
        k = int(np.argmin(r))
        return k, float(world.beam.spot(laser_nm).relative_intensity(r[k]))

    def model_threshold(self, temperature_k: float | None = None, at: tuple[float, float] | None = None) -> float:
        """The aimed particle's threshold, as the peak intensity of the beam where it is parked (or at ``at``)."""
        world = self.bench.world
        field = world.sample.sample
        k, relative = self.aimed_particle(at=at)
        kelvin = world.sample.temperature_k if temperature_k is None else temperature_k
        threshold = characteristics.avalanche_threshold(field.material, kelvin, band="800nm",
                                                        shell_nm=field.shell_nm[k])
        return float(threshold.intensity_kw_cm2) / relative


def open_seeded(name: str):
    seed = os.environ.get("ANPLAB_TEST_SEED")
    if not seed:
        return open_bench(name)
    text = resources.files("anplab.instruments").joinpath(BUILT_IN_BENCHES[name]).read_text(encoding="utf-8")
    return Bench.open(parse_bench(text.replace("  seed: 1\n", f"  seed: {int(seed)}\n"), f"{name}, seed {seed}"))


@pytest.fixture
def run_on_bench(tmp_path):
    """run_on_bench(ProcedureClass, **parameters) -> Run, on a fresh built-in bench kept open for inspection."""
    benches = []

    def run(cls, *, bench: str | None = None, out=None, **parameters) -> Run:
        opened = open_seeded(bench or cls.DEFAULT_BENCH)
        benches.append(opened)
        outcome = run_procedure(cls(bench=opened, **parameters), out or tmp_path / "runs")
        return Run(outcome, opened)

    yield run
    for bench in benches:
        bench.close()
