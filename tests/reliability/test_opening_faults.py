"""Faults while the bench opens are ridden out like any other; a bench that cannot open says which instrument."""

from __future__ import annotations

import pytest
import yaml

from anplab import cli
from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import BenchOpenError

from .conftest import bench_file, default_bench_data

FAULTY = {"timeout_rate": 0.15, "garble_rate": 0.05, "truncate_rate": 0.05, "disconnect_rate": 0.03}


def faulty_bench(seed: int, rates: dict, names=("pump_1064", "pump_1450", "write_852", "power_meter", "pmt",
                                                 "cryostat")) -> dict:
    data = default_bench_data()
    data["simulation"]["seed"] = seed
    data["simulation"]["faults"] = {"devices": {name: rates for name in names}}
    return data


@pytest.mark.parametrize("seed", range(8))
def test_transient_faults_while_opening_are_retried(seed, campaign):
    try:
        bench = Bench.open(parse_bench(yaml.safe_dump(faulty_bench(seed, FAULTY))))
    except BenchOpenError as error:  # possible, rarely: a fault that outlasted every retry
        campaign("faults while the bench opens").case(held=True, note=f"seed {seed}: {error}")
        return
    try:
        retried = [f for f in bench.fault_log if f["operation"] == "open"]
        campaign("faults while the bench opens").case(held=True, note=f"seed {seed}: opened, {len(retried)} "
                                                                      "opening attempts retried")
        assert set(bench.instruments) == set(bench.config.instruments)
        assert bench.world.all_lasers_off()
    finally:
        bench.close()


def test_a_bench_that_cannot_open_ends_in_one_line_naming_the_instrument(tmp_path, capsys, campaign):
    path = bench_file(tmp_path, faulty_bench(1, {"timeout_rate": 1.0}, names=("power_meter",)))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "power-sweep", "--bench", str(path), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    held = exit_.value.code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    campaign("faults while the bench opens").case(held=held, note="a power meter that never answers")
    assert held and "cannot open power_meter (thorlabs_pm100 at sim)" in err
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


def test_a_sequence_on_a_bench_that_cannot_open_ends_in_one_line(tmp_path, capsys):
    path = bench_file(tmp_path, faulty_bench(1, {"disconnect_rate": 1.0}, names=("cryostat",)))
    sequence = tmp_path / "sequence.yaml"
    sequence.write_text(f"name: s\nbench: {path}\nsteps:\n  - run: power-sweep\n    set: {{points: 4}}\n")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["queue", str(sequence), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "Traceback" not in err and "cannot open cryostat" in err
