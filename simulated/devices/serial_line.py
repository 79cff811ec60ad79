"""An instrument's RS-232 line settings: what a client opening the real instrument on a serial port must set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

_PARITY_WORDS = {"none": "no parity", "odd": "odd parity", "even": "even parity"}


@dataclass(frozen=True)
class SerialLine:
    baud_rate: int
    data_bits: int = 8
    parity: Literal["none", "odd", "even"] = "none"
    stop_bits: int = 1
    flow_control: Literal["none", "rts/cts", "xon/xoff"] = "none"

    def describe(self) -> str:
        """E.g. ``57600 baud, 7 data bits, odd parity, 1 stop bit, no flow control``."""
        stops = "stop bit" if self.stop_bits == 1 else "stop bits"
        flow = "no flow control" if self.flow_control == "none" else f"{self.flow_control} flow control"
        return (f"{self.baud_rate} baud, {self.data_bits} data bits, {_PARITY_WORDS[self.parity]}, "
                f"{self.stop_bits} {stops}, {flow}")
