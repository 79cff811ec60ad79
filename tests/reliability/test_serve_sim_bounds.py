"""serve-sim under hostile clients: endless messages, too many connections, silent clients, resets."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from anplab.procedures.base import open_bench
from anplab.simulated.server import DeviceServer


@pytest.fixture
def server():
    bench = open_bench("simulated")
    server = DeviceServer({"pump_1064": bench.devices["pump_1064"]}, max_connections=3, idle_timeout_s=1.0,
                          max_message_bytes=4096)
    server.start()
    yield server
    server.stop()
    bench.close()


def connect(server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port("pump_1064")), timeout=3)


def ask(sock: socket.socket, command: str) -> str:
    sock.sendall(command.encode() + b"\r")
    reply = b""
    while not reply.endswith(b"\r"):
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        reply += chunk
    return reply.decode().strip()


def closed_by_server(sock: socket.socket, within_s: float = 5.0) -> bool:
    sock.settimeout(within_s)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_a_message_without_end_closes_only_that_connection(server):
    good, bad = connect(server), connect(server)
    try:
        for _ in range(10):  # 40 KiB and no terminator: never buffered without bound
            bad.sendall(b"X" * 4096)
            if closed_by_server(bad, 0.05):
                break
        assert closed_by_server(bad)
        assert ask(good, "RCS").startswith("RCS:")
    finally:
        good.close()
        bad.close()


def test_connections_beyond_the_cap_are_turned_away_and_slots_come_back(server):
    kept = [connect(server) for _ in range(3)]
    try:
        for sock in kept:
            assert ask(sock, "RCS").startswith("RCS:")
        extra = connect(server)
        assert closed_by_server(extra)
        extra.close()
    finally:
        for sock in kept:
            sock.close()
    deadline = time.monotonic() + 5
    while True:  # the server notices the closed clients and frees their slots
        sock = connect(server)
        try:
            if ask(sock, "RCS").startswith("RCS:"):
                break
        except (ConnectionError, OSError):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        finally:
            sock.close()


def test_a_silent_client_is_let_go_after_the_idle_timeout(server):
    sock = connect(server)
    try:
        assert ask(sock, "RCS").startswith("RCS:")
        assert closed_by_server(sock, within_s=5.0)
    finally:
        sock.close()


def test_a_client_that_resets_its_connection_is_forgotten_quietly(server, caplog):
    for _ in range(5):
        sock = connect(server)
        sock.sendall(b"RCS\r")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
        sock.close()
    time.sleep(0.5)
    sock = connect(server)
    try:
        assert ask(sock, "RCS").startswith("RCS:")
    finally:
        sock.close()
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
