"""Serving simulated instruments on loopback TCP, so any VISA client can talk to them.

Each device gets its own 127.0.0.1 port and answers its real protocol byte
for byte, framed as the device says (termination characters, or a length
prefix); the VISA resource string of each
is ``TCPIP::127.0.0.1::PORT::SOCKET``.  Only loopback is ever bound.
TCP_NODELAY is set on every accepted socket: with Nagle's algorithm a
set-then-read exchange stalls ~40 ms on delayed ACKs.

No client can take the server down: a message may be at most
:data:`MAX_MESSAGE_BYTES` long (a longer one without its terminator closes
that connection), each device takes at most :data:`MAX_CONNECTIONS` clients at
once (more are turned away), a connection silent for
:data:`IDLE_TIMEOUT_S` is closed, and a client that resets its connection
ends only that connection, quietly.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from .devices.base import SimulatedDevice
from .faults import DeviceDisconnected

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
#: Longest message a client may send (a real instrument's input buffer is far smaller).
MAX_MESSAGE_BYTES = 64 * 1024
#: Clients served at once per device.
MAX_CONNECTIONS = 8
#: A connection with nothing from its client for this long is closed.
IDLE_TIMEOUT_S = 600.0


class DeviceServer:
    """Serve a set of simulated devices, one listening socket each."""

    def __init__(self, devices: dict[str, SimulatedDevice], ports: dict[str, int] | None = None, *,
                 max_connections: int = MAX_CONNECTIONS, idle_timeout_s: float = IDLE_TIMEOUT_S,
                 max_message_bytes: int = MAX_MESSAGE_BYTES):
        self.devices = devices
        self._requested = ports or {}
        self._sockets: dict[str, socket.socket] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.max_connections = max_connections
        self.idle_timeout_s = idle_timeout_s
        self.max_message_bytes = max_message_bytes
        self._open: dict[str, int] = {}  # connections being served, per device
        self._count_lock = threading.Lock()

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
            with self._count_lock:
                busy = self._open.get(name, 0) >= self.max_connections
                if not busy:
                    self._open[name] = self._open.get(name, 0) + 1
            if busy:
                log.warning("%s: %d clients already connected; turning another away", name, self.max_connections)
                connection.close()
                continue
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(name, device, connection), daemon=True,
                             name=f"sim-{name}-connection").start()

    def _serve(self, name: str, device: SimulatedDevice, connection: socket.socket) -> None:
        try:
            with connection:
                self._converse(device, connection)
        except OSError as error:  # the client reset or vanished: that connection ends, nothing else
            log.debug("%s: connection ended: %s", name, error)
        finally:
            with self._count_lock:
                self._open[name] -= 1

    def _converse(self, device: SimulatedDevice, connection: socket.socket) -> None:
        buffer = b""
        connection.settimeout(0.2)
        idle_since = time.monotonic()
        while not self._stopping.is_set():
            try:
                chunk = connection.recv(65536)
            except (TimeoutError, socket.timeout):
                if time.monotonic() - idle_since > self.idle_timeout_s:
                    log.info("%s: client idle for %.0f s; connection closed", device.name, self.idle_timeout_s)
                    return
                continue
            if not chunk:
                return
            idle_since = time.monotonic()
            messages, buffer = device.split_frames(buffer + chunk)
            if len(buffer) > self.max_message_bytes:
                log.warning("%s: a message longer than %d bytes without its terminator; connection closed",
                            device.name, self.max_message_bytes)
                return
            for message in messages:
                if message is not None and len(message) > self.max_message_bytes:
                    message = None  # as an instrument's input buffer would: overrun, not understood
                try:
                    reply = device.exchange(message) if message is not None else None
                except DeviceDisconnected:
                    log.info("%s: injected disconnect", device.name)
                    return
                if reply is not None:
                    connection.sendall(device.frame(reply))
