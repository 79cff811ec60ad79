"""anplab serve-sim: every simulated instrument of a bench on its own loopback TCP port.

Any VISA client (pyvisa, NI-VISA, LabVIEW) can then talk to the simulated
bench exactly as to Ethernet instruments.  The world runs in real time.
Stop with Ctrl-C; every simulated laser is switched off on the way out.

For each instrument it prints its name, driver, model and VISA resource, then
what a session needs to talk to it: the read and write terminations (as
Python literals, to pass to pyvisa's ``open_resource``), or how the messages
are framed when no termination character does it, and the real instrument's
RS-232 settings where it has a serial port.
"""

from __future__ import annotations

import signal
import threading
from importlib import resources as package_files
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: `anplab --help` stays light
    from anplab.instruments.bench import Bench

#: Built-in benches only serve-sim opens (several benches in one file: see instruments/bench_set.py).
SERVE_ONLY_BENCHES = {"all-models": "all_models_bench.yaml"}
_INDENT = " " * 4

def register(commands) -> None:
    parser = commands.add_parser(
        "serve-sim",
        help="serve the simulated instruments on 127.0.0.1 TCP ports and print their VISA resource strings",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--bench", metavar="FILE", default="simulated",
                        help="a simulated bench file, or a built-in bench: simulated, simulated-film, or all-models "
                             "(every simulated model, each power-meter and cryostat variant on its own port) "
                             "(default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, metavar="N",
                        help="first port to use, one per instrument (0: free ports the system picks)")
    parser.add_argument("--seed", type=int, default=None, metavar="N",
                        help="the simulation's random seed (default: the bench file's)")
    parser.set_defaults(handler=serve, option_names={})


def bench_configs(name: str, seed: int | None = None) -> list:
    """The benches ``--bench`` names (a built-in name or a file of one or more bench documents), seeded."""
    from anplab.cli import UserError
    from anplab.instruments.bench_set import load_bench_set, parse_bench_set
    from anplab.procedures.base import BUILT_IN_BENCHES

    builtin = {**BUILT_IN_BENCHES, **SERVE_ONLY_BENCHES}
    if name in builtin:
        text = package_files.files("anplab.instruments").joinpath(builtin[name]).read_text(encoding="utf-8")
        configs = parse_bench_set(text, f"built-in bench {name}")
    else:
        configs = load_bench_set(name)  # BenchFileError (file, line, field) is reported by the CLI
    for config in configs:
        if not config.simulated:
            raise UserError(f"--bench: {name} describes real hardware; serve-sim needs a simulated bench")
    return [config.with_seed(seed) for config in configs]


def serve(args) -> int:
    from anplab.instruments.bench import Bench
    from anplab.simulated.server import DeviceServer

    configs = bench_configs(args.bench, args.seed)
    benches: list[Bench] = []
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for config in configs:
            benches.append(Bench.open(config, realtime=True))
        devices = {name: device for bench in benches for name, device in bench.devices.items()}
        ports = {name: args.port + i for i, name in enumerate(devices)} if args.port else None
        with DeviceServer(devices, ports) as server:
            served = server.resources()
            for bench in benches:
                for line in describe(bench, served):
                    print(line, flush=True)
            print("serving on 127.0.0.1; Ctrl-C to stop", flush=True)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for bench in benches:
            bench.close()  # the safe state first, then the connections
    print("stopped; all simulated lasers off", flush=True)
    return 0


def describe(bench: Bench, served: dict[str, str]) -> list[str]:
    """The lines serve-sim prints for one bench: each instrument, then how to talk to it."""
    lines = []
    for name, spec in bench.config.instruments.items():
        device = bench.devices.get(name)
        if device is None or name not in served:
            lines.append(f"{name:<16} {spec.driver:<22} (NI-DAQmx, simulated in-process only)")
            continue
        lines.append(f"{name:<16} {spec.driver:<22} {device.model:<22} {served[name]}")
        terminations = device.terminations()
        if terminations is not None:
            lines.append(_INDENT + " ".join(f"{key}={value!r}" for key, value in terminations.items()))
        else:
            lines.append(_INDENT + f"framing: {device.framing()}")
        if device.session_note:
            lines.append(_INDENT + f"note: {device.session_note}")
        if device.serial_line is not None:
            lines.append(_INDENT + f"serial line of the real instrument: {device.serial_line.describe()}")
    return lines
