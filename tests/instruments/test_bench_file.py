"""Bench files are validated completely, with file, line and field, before any instrument opens."""

import textwrap

import pytest

from anplab.instruments.bench import Bench, default_bench_text
from anplab.instruments.bench_file import load_bench, parse_bench
from anplab.instruments.yaml_lines import BenchFileError

GOOD = textwrap.dedent(
    """\
    name: test bench
    simulation:
      seed: 3
    instruments:
      pump:
        role: laser
        driver: ipg_ylr
        address: sim
        wavelength_nm: 1064
        limits: {max_power_w: 2.0}
        calibration: {transmission: 1.0e-4, pickoff_ratio: 0.01}
    """
)


def error_for(text: str) -> BenchFileError:
    with pytest.raises(BenchFileError) as caught:
        parse_bench(textwrap.dedent(text), "bench.yaml")
    return caught.value


def test_the_built_in_bench_and_a_minimal_one_are_valid():
    assert parse_bench(default_bench_text()).simulated
    config = parse_bench(GOOD)
    assert config.instruments["pump"].limits.max_power_w == 2.0


def test_malformed_yaml_names_the_line():
    error = error_for("instruments:\n  pump: [unclosed\n")
    assert error.line == 3 and "not valid YAML" in str(error)


def test_unknown_driver_names_file_line_and_field():
    error = error_for(GOOD.replace("driver: ipg_ylr", "driver: acme_9000"))
    assert str(error).startswith("bench.yaml:7: instruments.pump.driver: unknown driver 'acme_9000'")


def test_driver_of_the_wrong_role():
    text = GOOD + "  pmt:\n    role: photon_counter\n    driver: ipg_ylr\n    address: sim\n    band: 800nm\n"
    error = error_for(text)
    assert error.line == 14 and error.field == "instruments.pmt.driver" and "is a laser driver" in str(error)


def test_invalid_resource_string_and_sim_outside_a_simulated_bench():
    real = GOOD.replace("simulation:\n  seed: 3\n", "")
    error = error_for(real)
    assert error.field == "instruments.pump.address" and "simulated bench" in str(error)
    error = error_for(real.replace("address: sim", "address: TCPIP::not a host::::SOCKETS"))
    assert error.field == "instruments.pump.address" and "not a VISA resource" in str(error)
    assert parse_bench(real.replace("address: sim", "address: TCPIP::192.168.1.20::10001::SOCKET"))
    assert parse_bench(real.replace("address: sim", "address: /dev/ttyUSB0"))


def test_limits_are_checked_with_their_line():
    error = error_for(GOOD.replace("max_power_w: 2.0", "max_power_w: -1"))
    assert error.line == 10 and error.field == "instruments.pump.limits.max_power_w"
    error = error_for(GOOD.replace("{transmission: 1.0e-4, pickoff_ratio: 0.01}", "{transmission: 3.0}"))
    assert error.field == "instruments.pump.calibration.transmission"


def test_missing_and_unknown_fields():
    error = error_for(GOOD.replace("    wavelength_nm: 1064\n", ""))
    assert error.field == "instruments.pump.wavelength_nm" and "required" in str(error)
    error = error_for(GOOD.replace("    wavelength_nm: 1064\n", "    wavelenght_nm: 1064\n"))
    assert "wavelenght_nm" in str(error) and "not a known setting" in str(error)


def test_unknown_role_and_duplicate_keys():
    error = error_for(GOOD.replace("role: laser", "role: monochromator"))
    assert "role must be one of" in str(error)
    error = error_for(GOOD.replace("    address: sim\n", "    address: sim\n    address: sim\n"))
    assert error.line == 9 and "appears twice" in str(error)


def test_every_problem_is_reported_not_just_the_first():
    error = error_for(GOOD.replace("max_power_w: 2.0", "max_power_w: 0").replace("driver: ipg_ylr", "driver: nope"))
    assert "unknown driver" in str(error) or "max_power_w" in str(error)
    assert str(error).count("bench.yaml:") >= 2


def test_counter_band_must_exist_in_the_simulated_material(monkeypatch):
    from anplab.instruments import registry

    counter = registry.DriverEntry("fake_counter", "photon_counter", "test", None, None,
                                   registry.visa_address_problem)
    monkeypatch.setitem(registry.DRIVERS, "fake_counter", counter)
    text = GOOD + "  pmt:\n    role: photon_counter\n    driver: fake_counter\n    address: sim\n    band: 450nm\n"
    error = error_for(text)
    assert error.field == "instruments.pmt.band" and "450nm" in str(error)


def test_yaml_cannot_run_code():
    error = error_for("instruments: !!python/object/apply:os.system ['echo hi']\n")
    assert "cannot read value" in str(error) or "not valid" in str(error)


def test_unreadable_file(tmp_path):
    with pytest.raises(BenchFileError, match="cannot read"):
        load_bench(tmp_path / "missing.yaml")
    binary = tmp_path / "bench.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(BenchFileError):
        load_bench(binary)


def test_nothing_opens_when_the_file_is_invalid(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(Bench, "_open_instrument", lambda self, name, spec: opened.append(name))
    bad = tmp_path / "bench.yaml"
    bad.write_text(GOOD.replace("max_power_w: 2.0", "max_power_w: -5"))
    with pytest.raises(BenchFileError):
        Bench.open(bad)
    assert opened == []
