"""The base of every simulated message-based instrument.

A simulated device parses the commands of the instrument it stands for and
answers as that instrument would, byte for byte (termination characters
included when served over TCP), error replies included, reading and writing
physical state only through the shared :class:`~anplab.simulated.world.World`.
"""

from __future__ import annotations

import threading

from ..faults import FaultPlan
from .serial_line import SerialLine


class SimulatedDevice:
    """One simulated instrument speaking a text protocol.

    Subclasses set the terminations of the real instrument and implement
    :meth:`handle`: one command in (without termination), the reply out
    (without termination), or None when the instrument sends nothing.
    """

    model = "simulated instrument"
    #: What terminates messages the instrument sends.
    read_termination = "\n"
    #: What terminates messages the instrument receives.
    write_termination = "\n"
    encoding = "ascii"
    #: The real instrument's RS-232 line, where it has one (None: USB, Ethernet or GPIB only).
    serial_line: SerialLine | None = None
    #: What a client must know beyond the terminations to hold a conversation (None: nothing).
    session_note: str | None = None

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None):
        self.world = world
        self.name = name
        self.faults = faults or FaultPlan()
        self.lock = threading.RLock()
        self.commands_handled = 0

    def handle(self, command: str) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- framing: how messages sit in the byte stream ------------------------------------
    def terminations(self) -> dict[str, str] | None:
        """What a VISA session talking to this device must set (pyvisa's ``open_resource`` keywords).

        None for a device framed otherwise than by termination characters (see :meth:`framing`).
        """
        return {"read_termination": self.read_termination, "write_termination": self.write_termination}

    def framing(self) -> str:
        """How messages are delimited on the wire, in words."""
        return (f"replies end with {self.read_termination!r}, commands with {self.write_termination!r}")

    def frame(self, reply: str) -> bytes:
        """A reply as the instrument puts it on the wire: here, followed by ``read_termination``.

        Devices framed otherwise (e.g. by a length prefix) override this and
        :meth:`split_frames`.
        """
        return (reply + self.read_termination).encode(self.encoding)

    def split_frames(self, buffer: bytes) -> tuple[list[str | None], bytes]:
        """The complete messages at the start of ``buffer``, framing removed, and the incomplete rest.

        Here a message ends at ``write_termination``.  None stands for a
        message too garbled to read (the device ignores it).
        """
        *messages, rest = buffer.split(self.write_termination.encode(self.encoding))
        return [message.decode(self.encoding, errors="replace") for message in messages], rest

    def exchange(self, command: str) -> str | None:
        """Handle one command as the host sent it; faults apply to the reply."""
        with self.lock:
            self.commands_handled += 1
            reply = self.handle(command.strip(self.write_termination))
            return self.faults.apply(reply)
