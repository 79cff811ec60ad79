"""IEEE 488.2 status registers as flags, for the drivers of SCPI instruments.

The Standard Event Status Register (``*ESR?``, IEEE 488.2 11.5.1) and the
status byte (``*STB?``, IEEE 488.2 11.2 with SCPI-1999's bits 2, 3 and 7).
"""

from __future__ import annotations

from enum import IntFlag


class StandardEvent(IntFlag):
    """Bits of the Standard Event Status Register."""

    OPERATION_COMPLETE = 1 << 0
    REQUEST_CONTROL = 1 << 1
    QUERY_ERROR = 1 << 2
    DEVICE_ERROR = 1 << 3
    EXECUTION_ERROR = 1 << 4
    COMMAND_ERROR = 1 << 5
    USER_REQUEST = 1 << 6
    POWER_ON = 1 << 7


class StatusByte(IntFlag):
    """Bits of the status byte."""

    ERROR_QUEUE = 1 << 2
    QUESTIONABLE = 1 << 3
    MESSAGE_AVAILABLE = 1 << 4
    EVENT_STATUS = 1 << 5
    MASTER_SUMMARY = 1 << 6
    OPERATION = 1 << 7


def parse_scpi_error(values: list) -> tuple[int, str]:
    """``-113,"Undefined header"`` (already split at the comma) as (code, message)."""
    code = int(float(values[0]))
    message = ",".join(str(value) for value in values[1:]).strip().strip('"') if len(values) > 1 else ""
    return code, message
