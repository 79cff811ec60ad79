"""What every registered driver must come with; a failure names the driver and what it lacks.

A model is added with its own files only (docs/adding_an_instrument.md):
``drivers/<key>.py``, ``instruments/adapters/<key>.py`` (the registry entry,
with its settings schema), ``simulated/devices/<key>.py`` and its line in
``simulated/counterparts.py``, an instrument in
``instruments/all_models_bench.yaml``, and the tests
``tests/drivers/test_<key>.py`` (protocol) and
``tests/simulated/test_<key>_device.py`` (the device).  The role adapter test
(``tests/instruments/test_role_adapters.py``) reaches it through the
all-models bench.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from anplab.instruments.bench_set import parse_bench_set
from anplab.instruments.registry import DRIVERS
from anplab.instruments.settings import DriverSettings, NoSettings
from anplab.simulated.counterparts import COUNTERPARTS, NIDAQMX_SIMULATED

TESTS = Path(__file__).parent
#: NI-DAQ drivers are simulated by the simulated nidaqmx module, whose tests are these.
NIDAQMX_DEVICE_TEST = TESTS / "simulated" / "test_nidaqmx_sim.py"


def all_models_drivers() -> dict[str, list[str]]:
    text = resources.files("anplab.instruments").joinpath("all_models_bench.yaml").read_text(encoding="utf-8")
    drivers: dict[str, list[str]] = {}
    for config in parse_bench_set(text, "all_models_bench.yaml"):
        for name, spec in config.instruments.items():
            drivers.setdefault(spec.driver, []).append(name)
    return drivers


def missing(key: str) -> list[str]:
    """What driver ``key`` lacks of the contract, each as a sentence naming the file or entry to add."""
    entry = DRIVERS[key]
    problems = []
    if key not in COUNTERPARTS and key not in NIDAQMX_SIMULATED:
        problems.append(f"no simulated device: add simulated/devices/{key}.py and its entry in "
                        "simulated/counterparts.py (COUNTERPARTS)")
    protocol = TESTS / "drivers" / f"test_{key}.py"
    if not protocol.is_file():
        problems.append(f"no protocol test: add tests/drivers/{protocol.name} (the driver against "
                        "expected_protocol exchanges)")
    device = NIDAQMX_DEVICE_TEST if key in NIDAQMX_SIMULATED else TESTS / "simulated" / f"test_{key}_device.py"
    if not device.is_file():
        problems.append(f"no simulated device test: add tests/simulated/{device.name}")
    settings = entry.settings
    if not (isinstance(settings, type) and issubclass(settings, DriverSettings)):
        problems.append(f"settings schema {settings!r} is not a DriverSettings subclass "
                        "(instruments/adapters/<key>.py: class Settings(DriverSettings))")
    elif settings is not NoSettings:
        undocumented = [name for name, field in settings.model_fields.items() if not field.description]
        if undocumented:
            problems.append(f"settings without a description: {', '.join(undocumented)} (use setting(..., "
                            "description))")
    if key not in all_models_drivers():
        problems.append("not in the all-models bench: add an instrument with this driver to "
                        "instruments/all_models_bench.yaml (serve-sim --bench all-models and the role adapter "
                        "test reach it through it)")
    from tests.instruments.test_role_adapters import EXERCISES

    if entry.role not in EXERCISES:
        problems.append(f"no role adapter exercise for role {entry.role!r} in tests/instruments/test_role_adapters.py")
    return problems


@pytest.mark.parametrize("key", sorted(DRIVERS))
def test_each_registered_driver_comes_with_its_device_tests_settings_and_role_test(key):
    problems = missing(key)
    assert not problems, f"driver {key!r} ({DRIVERS[key].title}):\n  - " + "\n  - ".join(problems)


def test_every_simulated_counterpart_is_a_registered_driver():
    unregistered = sorted((set(COUNTERPARTS) | set(NIDAQMX_SIMULATED)) - set(DRIVERS))
    assert not unregistered, f"simulated devices for drivers the registry does not know: {unregistered}"


def test_the_contract_names_what_a_new_driver_lacks(monkeypatch):
    """A driver registered with nothing else is refused, and the message names each missing file."""
    import dataclasses

    template = DRIVERS["ipg_ylr"]
    newcomer = dataclasses.replace(template, key="acme_laser", title="ACME laser", settings=dict)
    monkeypatch.setitem(DRIVERS, "acme_laser", newcomer)
    problems = "\n".join(missing("acme_laser"))
    for expected in ("simulated/devices/acme_laser.py", "tests/drivers/test_acme_laser.py",
                     "tests/simulated/test_acme_laser_device.py", "not a DriverSettings subclass",
                     "instruments/all_models_bench.yaml"):
        assert expected in problems
