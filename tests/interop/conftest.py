"""Third-party clients (pymeasure, QCoDeS, qcodes-contrib-drivers), unmodified, against served simulated instruments.

``serve(driver_key, settings=..., **spec)`` builds a one-instrument simulated
bench around the driver's simulated device and serves it on a loopback TCP
port, as ``anplab serve-sim`` does; it returns the served device's VISA
resource string and the device (for backdoors and state checks).  Clients
connect over pyvisa-py (``visa_library="@py"``) exactly as they would to an
Ethernet instrument.  Each client is imported with ``pytest.importorskip``:
the clients come with the ``interop`` extra, which ``.ci/run`` installs.

``interop_report(client, parameter, outcome)`` collects what every test tried;
the session prints it at the end (``pytest tests/interop -rA``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml

from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.simulated.server import DeviceServer

_ROLES_NEED = {
    "laser": {"wavelength_nm": 1064, "limits": {"max_power_w": 0.05}},  # within every laser's rating
    "power_meter": {},
    "photon_counter": {"band": "800nm"},
    "temperature_controller": {},
}


@dataclass
class Served:
    resource: str
    device: object
    bench: Bench
    read_termination: str
    write_termination: str


def bench_for(driver: str, role: str, settings: dict | None = None, **spec) -> Bench:
    instrument = {"role": role, "driver": driver, "address": "sim", "settings": settings or {},
                  **_ROLES_NEED.get(role, {}), **spec}
    text = yaml.safe_dump({"name": f"interop {driver}", "simulation": {"seed": 1, "clock": "realtime"},
                           "instruments": {"dut": instrument}})
    return Bench.open(parse_bench(text, f"interop bench for {driver}"), realtime=True)


@pytest.fixture
def serve():
    opened: list[tuple[Bench, DeviceServer]] = []

    def start(driver: str, role: str, settings: dict | None = None, **spec) -> Served:
        bench = bench_for(driver, role, settings, **spec)
        server = DeviceServer({"dut": bench.devices["dut"]})
        resources = server.start()
        opened.append((bench, server))
        device = bench.devices["dut"]
        return Served(resources["dut"], device, bench, device.read_termination, device.write_termination)

    yield start
    for bench, server in opened:
        server.stop()
        bench.safe_state()
        bench.close()


_RESULTS = pytest.StashKey[list]()


@pytest.fixture
def interop_report(request):
    def add(client: str, parameter: str, outcome: str = "ok") -> None:
        request.config.stash.setdefault(_RESULTS, []).append((client, parameter, outcome))

    return add


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    results = config.stash.get(_RESULTS, [])
    if not results:
        return
    terminalreporter.write_sep("-", "interoperability: third-party clients against served simulated instruments")
    for client, parameter, outcome in results:
        terminalreporter.write_line(f"{client:<44} {parameter:<36} {outcome}")
