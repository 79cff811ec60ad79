"""SCPI error numbers and the error/event queue (SCPI-1999 Vol. 2, 21.8; IEEE 488.2, 11.5.1).

The queue is first in, first out; when it is full the newest entry is
replaced by ``-350,"Queue overflow"`` and further errors are lost until
there is room again, as SCPI 21.8.2 says.  Each error also sets its bit in
the Standard Event Status Register by its class: -1xx command error (CME),
-2xx execution error (EXE), -3xx and positive device-specific numbers
device-dependent error (DDE), -4xx query error (QYE).
"""

from __future__ import annotations

from collections import deque

#: The standard texts (SCPI-1999 Vol. 2, 21.8.9-21.8.13).
STANDARD_MESSAGES: dict[int, str] = {
    0: "No error",
    -100: "Command error",
    -101: "Invalid character",
    -102: "Syntax error",
    -103: "Invalid separator",
    -104: "Data type error",
    -105: "GET not allowed",
    -108: "Parameter not allowed",
    -109: "Missing parameter",
    -110: "Command header error",
    -111: "Header separator error",
    -112: "Program mnemonic too long",
    -113: "Undefined header",
    -114: "Header suffix out of range",
    -115: "Unexpected number of parameters",
    -120: "Numeric data error",
    -121: "Invalid character in number",
    -123: "Exponent too large",
    -124: "Too many digits",
    -128: "Numeric data not allowed",
    -130: "Suffix error",
    -131: "Invalid suffix",
    -134: "Suffix too long",
    -138: "Suffix not allowed",
    -140: "Character data error",
    -141: "Invalid character data",
    -144: "Character data too long",
    -148: "Character data not allowed",
    -150: "String data error",
    -151: "Invalid string data",
    -158: "String data not allowed",
    -200: "Execution error",
    -220: "Parameter error",
    -221: "Settings conflict",
    -222: "Data out of range",
    -223: "Too much data",
    -224: "Illegal parameter value",
    -230: "Data corrupt or stale",
    -240: "Hardware error",
    -241: "Hardware missing",
    -300: "Device-specific error",
    -310: "System error",
    -350: "Queue overflow",
    -360: "Communication error",
    -400: "Query error",
    -410: "Query INTERRUPTED",
    -420: "Query UNTERMINATED",
    -430: "Query DEADLOCKED",
    -440: "Query UNTERMINATED after indefinite response",
}

# Standard Event Status Register bits (IEEE 488.2, 11.5.1.1).
OPC = 1 << 0  # operation complete
RQC = 1 << 1  # request control
QYE = 1 << 2  # query error
DDE = 1 << 3  # device-dependent error
EXE = 1 << 4  # execution error
CME = 1 << 5  # command error
URQ = 1 << 6  # user request
PON = 1 << 7  # power on

QUEUE_OVERFLOW = -350


class SCPIError(Exception):
    """An error the instrument reports through its queue; ``detail`` goes after the standard text."""

    def __init__(self, code: int, detail: str = ""):
        super().__init__(f"{code} {detail}".strip())
        self.code = code
        self.detail = detail


def event_bit(code: int) -> int:
    """The Standard Event Status bit an error number sets."""
    if -199 <= code <= -100:
        return CME
    if -299 <= code <= -200:
        return EXE
    if -499 <= code <= -400:
        return QYE
    return DDE if code != 0 else 0


class ErrorQueue:
    """The instrument's error/event queue, ``capacity`` entries long (the last becomes -350 on overflow)."""

    def __init__(self, capacity: int, messages: dict[int, str] | None = None, *, with_detail: bool = False):
        if capacity < 2:
            raise ValueError("an SCPI error queue holds at least two entries")
        self.capacity = capacity
        self.with_detail = with_detail
        self.messages = {**STANDARD_MESSAGES, **(messages or {})}
        self._entries: deque[tuple[int, str]] = deque()

    def push(self, code: int, detail: str = "") -> None:
        if len(self._entries) < self.capacity - 1:
            self._entries.append((code, detail))
        elif len(self._entries) == self.capacity - 1:
            self._entries.append((QUEUE_OVERFLOW, ""))
        # Full: the overflow entry already says errors were lost.

    def pop(self) -> tuple[int, str]:
        """The oldest entry as (code, message); (0, "No error") when empty."""
        if not self._entries:
            return 0, self.messages[0]
        code, detail = self._entries.popleft()
        return code, self.text(code, detail)

    def text(self, code: int, detail: str = "") -> str:
        text = self.messages.get(code, "Device-specific error")
        # SCPI allows device-dependent detail after a semicolon; most instruments send none.
        return f"{text};{detail}" if detail and self.with_detail else text

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def codes(self) -> list[int]:
        return [code for code, _ in self._entries]
