"""anplab serve-sim: every simulated instrument of a bench on its own loopback TCP port.

Any VISA client (pyvisa, NI-VISA, LabVIEW) can then talk to the simulated
bench exactly as to Ethernet instruments.  The world runs in real time.
Stop with Ctrl-C; every simulated laser is switched off on the way out.
"""

from __future__ import annotations

import signal
import threading


def register(commands) -> None:
    parser = commands.add_parser(
        "serve-sim",
        help="serve the simulated instruments on 127.0.0.1 TCP ports and print their VISA resource strings",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--bench", metavar="FILE", default=None,
                        help="a simulated bench file (default: the built-in simulated bench)")
    parser.add_argument("--port", type=int, default=0, metavar="N",
                        help="first port to use, one per instrument (default: free ports)")
    parser.set_defaults(handler=serve, option_names={})


def serve(args) -> int:
    from anplab.cli import UserError
    from anplab.instruments.bench import Bench
    from anplab.simulated.server import DeviceServer

    bench = Bench.open(args.bench, realtime=True)
    if bench.world is None:
        bench.close()
        raise UserError(f"--bench: {args.bench} describes real hardware; serve-sim needs a simulated bench")
    ports = {name: args.port + i for i, name in enumerate(bench.devices)} if args.port else None
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with DeviceServer(bench.devices, ports) as server:
            resources = server.resources()
            for name in bench.config.instruments:
                if name in resources:
                    print(f"{name:<16} {bench.devices[name].model:<28} {resources[name]}", flush=True)
                else:
                    print(f"{name:<16} {bench.config.instruments[name].driver:<28} "
                          f"(NI-DAQmx, simulated in-process only)", flush=True)
            print("serving on 127.0.0.1; Ctrl-C to stop", flush=True)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        bench.close()  # the safe state first, then the connections
    print("stopped; all simulated lasers off", flush=True)
    return 0
