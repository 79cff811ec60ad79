"""pymeasure's ThorlabsPM100USB with no connection settings at all, over a transport that marks message ends.

The console's own USB-TMC link ends every message with an END bit, so
pymeasure's ``ThorlabsPM100USB`` sets no read termination.  The served raw
socket (``::SOCKET``) has no such mark, and a client there must name the
LF (``test_thorlabs_pm100.py``).  HiSLIP (IVI-6.1), which pyvisa-py speaks,
carries the mark the way USB-TMC does: its ``DataEnd`` message ends a
message.  The minimal HiSLIP server below (synchronous channel data,
asynchronous channel initialisation and maximum message size: what
pyvisa-py uses) puts the same simulated console behind it, and the client
constructs and reads with VISA's defaults (read termination None, write
termination CR LF).  It lives with this test: the project's TCP server
(``anplab serve-sim``) serves raw sockets only.
"""

from __future__ import annotations

import socket
import struct
import threading

import pytest

_HEADER = struct.Struct("!2sBBIQ")
INITIALIZE, INITIALIZE_RESPONSE = 0, 1
DATA, DATA_END = 6, 7
ASYNC_MAX_MSG_SIZE, ASYNC_MAX_MSG_SIZE_RESPONSE = 15, 16
ASYNC_INITIALIZE, ASYNC_INITIALIZE_RESPONSE = 17, 18


def _receive(connection: socket.socket) -> tuple[int, int, int, bytes] | None:
    header = _exactly(connection, _HEADER.size)
    if header is None:
        return None
    prologue, kind, control, parameter, length = _HEADER.unpack(header)
    if prologue != b"HS":
        return None
    payload = _exactly(connection, length) if length else b""
    return kind, control, parameter, payload or b""


def _exactly(connection: socket.socket, count: int) -> bytes | None:
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _send(connection: socket.socket, kind: int, control: int, parameter: int, payload: bytes = b"") -> None:
    connection.sendall(_HEADER.pack(b"HS", kind, control, parameter, len(payload)) + payload)


class HiSLIPServer:
    """One simulated device on a loopback HiSLIP port; each DataEnd message is one device message."""

    def __init__(self, device):
        self.device = device
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self._threads: list[threading.Thread] = []

    @property
    def resource(self) -> str:
        return f"TCPIP::127.0.0.1::hislip0,{self._listener.getsockname()[1]}::INSTR"

    def start(self) -> HiSLIPServer:
        thread = threading.Thread(target=self._accept, daemon=True, name="hislip-accept")
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(connection,), daemon=True, name="hislip-channel").start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            first = _receive(connection)
            if first is None:
                return
            kind, _, parameter, _ = first
            if kind == INITIALIZE:
                _send(connection, INITIALIZE_RESPONSE, 0, (0x0100 << 16) | 1)  # version 1.0, session 1
                self._synchronous(connection)
            elif kind == ASYNC_INITIALIZE:
                _send(connection, ASYNC_INITIALIZE_RESPONSE, 0, int.from_bytes(b"ANPL", "big"))
                self._asynchronous(connection)

    def _synchronous(self, connection: socket.socket) -> None:
        pending = b""
        while (message := _receive(connection)) is not None:
            kind, _, message_id, payload = message
            if kind not in (DATA, DATA_END):
                continue
            pending += payload
            if kind == DATA:
                continue
            text = pending.decode(self.device.encoding, errors="replace").rstrip("\r\n")
            pending = b""
            reply = self.device.exchange(text)
            if reply is not None:
                # The response message terminator is LF with END; HiSLIP's DataEnd is the END.
                _send(connection, DATA_END, 0, message_id, (reply + "\n").encode(self.device.encoding))

    @staticmethod
    def _asynchronous(connection: socket.socket) -> None:
        while (message := _receive(connection)) is not None:
            kind, _, _, payload = message
            if kind == ASYNC_MAX_MSG_SIZE:
                _send(connection, ASYNC_MAX_MSG_SIZE_RESPONSE, 0, 0, payload[:8].rjust(8, b"\0"))


def test_pymeasure_thorlabs_pm100usb_with_visa_defaults(serve, interop_report):
    thorlabs = pytest.importorskip("pymeasure.instruments.thorlabs")
    console = serve("thorlabs_pm100", "power_meter", {"wavelength_nm": 1064, "sensor_idn_style": "plain"})
    server = HiSLIPServer(console.device).start()
    client = "pymeasure ThorlabsPM100USB over HiSLIP"
    try:
        meter = thorlabs.ThorlabsPM100USB(server.resource, visa_library="@py")
        try:
            connection = meter.adapter.connection
            assert connection.read_termination is None and connection.write_termination == "\r\n"
            interop_report(client, "construct with VISA defaults (no termination set)")
            assert meter.sensor_name == "S122C" and meter.id.startswith("Thorlabs,PM100D")
            interop_report(client, "sensor identification, id")
            meter.wavelength = 1310
            assert meter.wavelength == 1310.0
            interop_report(client, "wavelength set / get")
            assert 0 <= meter.power < 1e-6
            interop_report(client, "power")
        finally:
            meter.adapter.close()
    finally:
        server.stop()
