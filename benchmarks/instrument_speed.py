"""Query round trips through a real driver against its simulated device.

    python benchmarks/instrument_speed.py

In-process (SimulatedAdapter; target >= 20,000 queries/s) and over loopback
TCP with pyvisa-py (target >= 5,000 queries/s), each with the IPG YLR driver
reading its current setpoint.  TCP_NODELAY is set on both ends, as the
bench does.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import time  # noqa: E402

from anplab.drivers.ipg_ylr import IPGYLR  # noqa: E402
from anplab.instruments.bench import Bench, _nodelay  # noqa: E402
from anplab.simulated.adapter import SimulatedAdapter  # noqa: E402
from anplab.simulated.server import DeviceServer  # noqa: E402


def queries_per_second(laser: IPGYLR, count: int, repeats: int = 5) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(count):
            laser.current_setpoint
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    with Bench.open() as bench:
        device = bench.devices["pump_1064"]
        in_process = queries_per_second(IPGYLR(SimulatedAdapter(device)), 20000)
        with DeviceServer({"pump_1064": device}) as server:
            resource = server.resources()["pump_1064"]
            laser = IPGYLR(resource, visa_library="@py")
            _nodelay(laser)
            tcp = queries_per_second(laser, 5000)
            laser.adapter.close()
    print(f"{'transport':<40} {'queries/s':>10}  target")
    print(f"{'in-process (SimulatedAdapter)':<40} {in_process:>10,.0f}  >= 20,000")
    print(f"{'loopback TCP, pyvisa-py, TCP_NODELAY':<40} {tcp:>10,.0f}  >= 5,000")


if __name__ == "__main__":
    main()
