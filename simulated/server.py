"""Serving simulated instruments on loopback TCP, so any VISA client can talk to them.

Each device gets its own 127.0.0.1 port and answers its real protocol byte
for byte, framed as the device says (termination characters, or a length
prefix); the VISA resource string of each
is ``TCPIP::127.0.0.1::PORT::SOCKET``.  Only loopback is ever bound.
TCP_NODELAY is set on every accepted socket: with Nagle's algorithm a
set-then-read exchange stalls ~40 ms on delayed ACKs.
"""

from __future__ import annotations

import logging
import socket
import threading

from .devices.base import SimulatedDevice
from .faults import DeviceDisconnected

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class DeviceServer:
    """Serve a set of simulated devices, one listening socket each."""

    def __init__(self, devices: dict[str, SimulatedDevice], ports: dict[str, int] | None = None):
        self.devices = devices
        self._requested = ports or {}
        self._sockets: dict[str, socket.socket] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def start(self) -> dict[str, str]:
        """Bind and listen; returns each device's VISA resource string."""
        for name, device in self.devices.items():
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((LOOPBACK, self._requested.get(name, 0)))
            listener.listen()
            listener.settimeout(0.2)
            self._sockets[name] = listener
            thread = threading.Thread(target=self._accept, args=(name, device, listener), daemon=True,
                                      name=f"sim-{name}")
            thread.start()
            self._threads.append(thread)
        return self.resources()

    def resources(self) -> dict[str, str]:
        return {name: f"TCPIP::{LOOPBACK}::{sock.getsockname()[1]}::SOCKET" for name, sock in self._sockets.items()}

    def port(self, name: str) -> int:
        return self._sockets[name].getsockname()[1]

    def stop(self) -> None:
        self._stopping.set()
        for sock in self._sockets.values():
            sock.close()
        for thread in self._threads:
            thread.join(timeout=2.0)

    def __enter__(self) -> DeviceServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- connections ------------------------------------------------------------------
    def _accept(self, name: str, device: SimulatedDevice, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(device, connection), daemon=True,
                             name=f"sim-{name}-connection").start()

    def _serve(self, device: SimulatedDevice, connection: socket.socket) -> None:
        buffer = b""
        connection.settimeout(0.2)
        with connection:
            while not self._stopping.is_set():
                try:
                    chunk = connection.recv(65536)
                except (TimeoutError, socket.timeout):
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                messages, buffer = device.split_frames(buffer + chunk)
                for message in messages:
                    try:
                        reply = device.exchange(message) if message is not None else None
                    except DeviceDisconnected:
                        log.info("%s: injected disconnect", device.name)
                        return
                    if reply is not None:
                        connection.sendall(device.frame(reply))
