"""In-process transport: a pymeasure adapter that talks to a simulated device directly.

The driver code is exactly the code a lab runs; only the bottom layer
changes.  Messages pass without termination characters, as after a VISA
layer has framed them; a missing reply raises the same ``VisaIOError``
timeout a real VISA session would, so error handling is exercised too.
"""

from __future__ import annotations

from collections import deque

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
        self._replies: deque[str] = deque()

    def _write(self, command: str, **kwargs) -> None:
        reply = self.device.exchange(command)
        if reply is not None:
            # A reply of several lines reaches the driver one line per read, as a VISA session frames it.
            self._replies.extend(reply.split(self.device.read_termination))

    def _read(self, **kwargs) -> str:
        if not self._replies:
            raise VisaIOError(constants.StatusCode.error_timeout)
        return self._replies.popleft()

    def _write_bytes(self, content: bytes, **kwargs) -> None:
        self._write(content.decode(self.device.encoding))

    def _read_bytes(self, count: int, break_on_termchar: bool, **kwargs) -> bytes:
        reply = self._read() + (self.device.read_termination if break_on_termchar else "")
        data = reply.encode(self.device.encoding)
        return data if count < 0 else data[:count]

    def flush_read_buffer(self) -> None:
        self._replies.clear()

    def close(self) -> None:
        self._replies.clear()

    def __repr__(self) -> str:
        return f"<SimulatedAdapter({self.device.model} {self.device.name!r})>"
