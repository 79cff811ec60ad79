"""`--seed` on `anplab run`, `anplab queue` and `anplab serve-sim`: the simulated world's random seed.

Another seed is another particle field and other noise, so other data; the
same seed is the same world, so the very same data (bench times included).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from anplab.cli import main
from anplab.commands.serve_sim import bench_configs
from anplab.instruments.bench import Bench

# A short sweep that still searches for the brightest particle (which the seed places).
SWEEP = ["--set", "points=3", "--set", "min_counts=50", "--set", "readings=2", "--set", "search_intensity=30"]


def run_data(tmp_path, name: str, argv: list[str], capsys) -> tuple[pd.DataFrame, dict]:
    out = tmp_path / name
    assert main([*argv, "--quiet", "--out", str(out)]) == 0
    folder = capsys.readouterr().out.strip().splitlines()[-1]
    data_files = sorted((out / folder.rsplit("/", 1)[-1]).rglob("data.csv"))
    assert data_files, f"no data.csv under {folder}"
    metadata = json.loads((data_files[0].parent / "metadata.json").read_text())
    return pd.read_csv(data_files[0], comment="#"), metadata


def test_run_seed_changes_the_data_and_the_same_seed_repeats_it(tmp_path, capsys):
    first, meta_first = run_data(tmp_path, "a", ["run", "power-sweep", *SWEEP, "--seed", "7"], capsys)
    again, _ = run_data(tmp_path, "b", ["run", "power-sweep", *SWEEP, "--seed", "7"], capsys)
    other, meta_other = run_data(tmp_path, "c", ["run", "power-sweep", *SWEEP, "--seed", "8"], capsys)
    assert meta_first["seed"] == 7 and meta_other["seed"] == 8
    pd.testing.assert_frame_equal(first, again)
    assert first.shape == other.shape
    assert not np.array_equal(first["counts"].to_numpy(), other["counts"].to_numpy())


@pytest.fixture
def one_sweep(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("name: one sweep\nsteps:\n  - run: power-sweep\n"
                    "    set: {points: 3, min_counts: 50, readings: 2}\n", encoding="utf-8")
    return str(path)


def test_queue_seed_changes_the_data_and_the_same_seed_repeats_it(tmp_path, capsys, one_sweep):
    first, meta_first = run_data(tmp_path, "a", ["queue", one_sweep, "--seed", "11"], capsys)
    again, _ = run_data(tmp_path, "b", ["queue", one_sweep, "--seed", "11"], capsys)
    other, _ = run_data(tmp_path, "c", ["queue", one_sweep, "--seed", "12"], capsys)
    assert meta_first["seed"] == 11
    pd.testing.assert_frame_equal(first, again)
    assert not np.array_equal(first["counts"].to_numpy(), other["counts"].to_numpy())
    sequence = json.loads(next((tmp_path / "a").glob("*/sequence.json")).read_text())
    assert sequence["seed"] == 11  # what a resume opens the world with


def test_a_seed_on_a_bench_of_real_hardware_is_refused(tmp_path, capsys):
    from importlib import resources

    example = resources.files("anplab.instruments").joinpath("example_bench.yaml")
    bench = tmp_path / "real.yaml"
    bench.write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["run", "power-sweep", "--bench", str(bench), "--seed", "3", "--quiet", "--out", str(tmp_path / "r")])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "--seed:" in error and "simulated benches only" in error and "Traceback" not in error


def particle_positions(config) -> np.ndarray:
    bench = Bench.open(config, realtime=True)
    try:
        return np.array(bench.world.sample.sample.positions_um)
    finally:
        bench.close()


@pytest.mark.parametrize("bench", ["simulated", "all-models"])
def test_serve_sim_seed_reaches_every_world_it_serves(bench):
    seeded = bench_configs(bench, seed=21)
    assert [config.simulation.seed for config in seeded] == [21] * len(seeded)
    assert [config.simulation.seed for config in bench_configs(bench)] == [1] * len(seeded)  # the file's
    first = particle_positions(seeded[0])
    np.testing.assert_array_equal(first, particle_positions(bench_configs(bench, seed=21)[0]))
    assert not np.array_equal(first, particle_positions(bench_configs(bench, seed=22)[0]))
