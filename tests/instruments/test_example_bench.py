"""The example real-hardware bench file is valid and describes the same bench as the simulated one."""

from importlib import resources

import pytest

from anplab.instruments.bench import default_bench_text
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.yaml_lines import BenchFileError


def example_text() -> str:
    return resources.files("anplab.instruments").joinpath("example_bench.yaml").read_text(encoding="utf-8")


def test_the_example_bench_is_a_valid_real_hardware_bench():
    example = parse_bench(example_text(), "example_bench.yaml")
    simulated = parse_bench(default_bench_text())
    assert not example.simulated
    assert all(spec.address != "sim" for spec in example.instruments.values())
    assert {name: (spec.role, spec.driver) for name, spec in example.instruments.items()} == {
        name: (spec.role, spec.driver) for name, spec in simulated.instruments.items()
    }
    for name, spec in example.instruments.items():
        assert spec.limits == simulated.instruments[name].limits or spec.role == "power_meter"
    assert example.defaults == simulated.defaults
    assert example.watch.interlock.max_wait_s == 1800 and example.watch.saturation.action == "abort"
    assert example.retry.attempts == 4


def test_sim_addresses_are_refused_on_a_real_bench():
    text = example_text().replace("address: GPIB0::12::INSTR", "address: sim")
    with pytest.raises(BenchFileError, match="'sim' needs a simulated bench"):
        parse_bench(text, "example_bench.yaml")
