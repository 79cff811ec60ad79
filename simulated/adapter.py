"""In-process transport: a pymeasure adapter that talks to a simulated device directly.

The driver code is exactly the code a lab runs; only the bottom layer
changes.  Bytes pass as they would on the wire, framed as the device says
(termination characters added and removed as a VISA session does them, or
whatever framing the device declares); a missing reply raises the same
``VisaIOError`` timeout a real VISA session would, so error handling is
exercised too.
"""

from __future__ import annotations

from pymeasure.adapters import Adapter
from pyvisa import constants
from pyvisa.errors import VisaIOError

from .devices.base import SimulatedDevice


class SimulatedAdapter(Adapter):
    """Connects a pymeasure instrument to a :class:`SimulatedDevice` in the same process."""

    def __init__(self, device: SimulatedDevice, **kwargs):
        super().__init__(**kwargs)
        self.device = device
        self.connection = device  # pymeasure code sometimes looks for a connection
        self._incoming = b""  # bytes written, not yet a complete message
        self._outgoing = b""  # framed replies, not yet read

    def _write(self, command: str, **kwargs) -> None:
        # A VISA session sends the message followed by the write termination.
        self._write_bytes((command + self.device.write_termination).encode(self.device.encoding))

    def _write_bytes(self, content: bytes, **kwargs) -> None:
        messages, self._incoming = self.device.split_frames(self._incoming + content)
        for message in messages:
            reply = self.device.exchange(message) if message is not None else None
            if reply is not None:
                self._outgoing += self.device.frame(reply)

    def _read(self, **kwargs) -> str:
        """Up to the read termination, without it, as a VISA read; everything waiting if there is none."""
        if not self._outgoing:
            raise VisaIOError(constants.StatusCode.error_timeout)
        terminator = self.device.read_termination.encode(self.device.encoding)
        if terminator and terminator in self._outgoing:
            message, self._outgoing = self._outgoing.split(terminator, 1)
        else:
            message, self._outgoing = self._outgoing, b""
        return message.decode(self.device.encoding)

    def _read_bytes(self, count: int, break_on_termchar: bool = False, **kwargs) -> bytes:
        if not self._outgoing:
            raise VisaIOError(constants.StatusCode.error_timeout)
        if count < 0:
            data, self._outgoing = self._outgoing, b""
            return data
        if break_on_termchar:
            terminator = self.device.read_termination.encode(self.device.encoding)
            end = self._outgoing.find(terminator) if terminator else -1
            if 0 <= end and end + len(terminator) < count:
                count = end + len(terminator)
        if count > len(self._outgoing):
            self._outgoing = b""
            raise VisaIOError(constants.StatusCode.error_timeout)  # fewer bytes than asked for
        data, self._outgoing = self._outgoing[:count], self._outgoing[count:]
        return data

    def flush_read_buffer(self) -> None:
        self._outgoing = b""

    def close(self) -> None:
        self._incoming = self._outgoing = b""

    def __repr__(self) -> str:
        return f"<SimulatedAdapter({self.device.model} {self.device.name!r})>"
