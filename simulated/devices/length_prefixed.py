"""Length-prefixed framing: messages that carry their length instead of a terminator.

The Montana Cryostation frames every message with its length as two decimal
digits and no termination character.  A device framed this way returns these
from its ``frame`` / ``split_frames``, which the in-process adapter and the
loopback server use for every device.
"""

from __future__ import annotations

PREFIX_DIGITS = 2


def frame(message: str, encoding: str = "ascii") -> bytes:
    """``message`` as it goes on the wire: two-digit length, then the text."""
    data = message.encode(encoding)
    if len(data) >= 10 ** PREFIX_DIGITS:
        raise ValueError(f"message too long for a {PREFIX_DIGITS}-digit length prefix: {message!r}")
    return f"{len(data):0{PREFIX_DIGITS}d}".encode(encoding) + data


def split_frames(buffer: bytes, encoding: str = "ascii") -> tuple[list[str | None], bytes]:
    """Complete messages at the start of ``buffer`` and the incomplete rest.

    A prefix that is not a number yields None (a garbled message) and the
    buffer is dropped, since the stream cannot be resynchronised after it.
    """
    messages: list[str | None] = []
    while len(buffer) >= PREFIX_DIGITS:
        head = buffer[:PREFIX_DIGITS]
        if not head.isdigit():
            return messages + [None], b""
        length = int(head)
        if len(buffer) < PREFIX_DIGITS + length:
            break
        messages.append(buffer[PREFIX_DIGITS:PREFIX_DIGITS + length].decode(encoding, errors="replace"))
        buffer = buffer[PREFIX_DIGITS + length:]
    return messages, buffer
