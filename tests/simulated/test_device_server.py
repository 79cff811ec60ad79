"""Simulated instruments on loopback TCP, reached by pyvisa-py like real Ethernet instruments."""

import socket

import pytest
import pyvisa

from anplab.drivers.ipg_ylr import IPGYLR
from anplab.instruments.bench import Bench, _nodelay
from anplab.simulated.server import DeviceServer


@pytest.fixture
def served():
    with Bench.open() as bench, DeviceServer(bench.devices) as server:
        yield bench, server


def test_raw_socket_sees_the_exact_bytes(served):
    bench, server = served
    with socket.create_connection(("127.0.0.1", server.port("pump_1064")), timeout=2) as sock:
        sock.sendall(b"SDC 30\r")
        assert sock.recv(100) == b"SDC: 30.0\r"
        sock.sendall(b"NOPE\r")
        assert sock.recv(100) == b"BCMD\r"


def test_only_loopback_is_bound(served):
    bench, server = served
    for resource in server.resources().values():
        assert resource.startswith("TCPIP::127.0.0.1::") and resource.endswith("::SOCKET")


def test_pyvisa_py_client_with_the_real_driver(served):
    bench, server = served
    rm = pyvisa.ResourceManager("@py")
    laser = IPGYLR(server.resources()["pump_1064"], visa_library="@py")
    try:
        _nodelay(laser)
        laser.current_setpoint = 40.0
        assert laser.current_setpoint == 40.0
        laser.emission_on()
        assert laser.output_power > 0
        assert bench.world.lasers["pump_1064"].emitting
        laser.emission_off()
        assert laser.adapter.connection.get_visa_attribute(pyvisa.constants.ResourceAttribute.tcpip_nodelay)
    finally:
        laser.adapter.close()
        rm.close()
