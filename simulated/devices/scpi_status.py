"""SCPI status reporting: the Standard Event Status Register, the status byte, and register groups.

IEEE 488.2 (11) and SCPI-1999 Vol. 1 (9) define the model kept here:

* the **Standard Event Status Register** (``*ESR?`` reads and clears it),
  its enable mask (``*ESE``), summarised into status-byte bit 5 (ESB);
* **register groups** (``STATus:OPERation``, ``STATus:QUEStionable``, and any
  a device adds): a *condition* register that follows the instrument's state,
  transition filters (``PTRansition``, all ones after ``STATus:PRESet``;
  ``NTRansition``, zero) that decide which changes of the condition latch
  into the *event* register (read and cleared by ``[:EVENt]?``), and an
  *enable* mask whose AND with the event register sets the group's
  summary bit in the status byte (QUES bit 3, OPER bit 7);
* the **status byte** (``*STB?``): bit 2 the error/event queue is not empty,
  bit 4 a reply is waiting (MAV), bit 5 ESB, bit 6 the master summary
  (any bit enabled by ``*SRE``); ``*STB?`` does not clear it.

The condition of a group is sampled when the device handles a message, and
whenever the group is read, so a change that comes and goes between two
messages does not latch an event (a real instrument samples continuously).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

REGISTER_MASK = 0x7FFF  # SCPI registers are 16 bits; bit 15 is always zero

# Status byte bits (IEEE 488.2, 11.2; SCPI-1999 Vol. 1, 9.1).
EAV = 1 << 2  # error/event queue not empty
QUES_SUMMARY = 1 << 3
MAV = 1 << 4  # message available
ESB = 1 << 5
MSS = 1 << 6
OPER_SUMMARY = 1 << 7


@dataclass
class RegisterGroup:
    """One SCPI status register group; ``condition`` reads the instrument's state as a bit field."""

    name: str
    condition: Callable[[], int]
    summary_bit: int | None = None
    ptr: int = REGISTER_MASK
    ntr: int = 0
    enable: int = 0
    event: int = 0
    #: The condition never changes from zero: nothing to sample.
    constant: bool = False
    _last: int = field(default=0, repr=False)

    def sample(self) -> int:
        """Read the condition now and latch the transitions the filters pass."""
        if self.constant:
            return 0
        now = int(self.condition()) & REGISTER_MASK
        rising = now & ~self._last & self.ptr
        falling = self._last & ~now & self.ntr
        self.event |= rising | falling
        self._last = now
        return now

    def read_event(self) -> int:
        self.sample()
        value, self.event = self.event, 0
        return value

    def preset(self) -> None:
        """STATus:PRESet: filters and enable as SCPI-1999 Vol. 2, 20.7 sets them."""
        self.ptr, self.ntr, self.enable = REGISTER_MASK, 0, 0

    @property
    def summary(self) -> bool:
        return bool(self.event & self.enable)


class StatusModel:
    """The instrument's status registers; the device feeds it errors, completions and its conditions."""

    def __init__(self, queue_length: Callable[[], int]):
        self._queue_length = queue_length
        self.esr = 0
        self.ese = 0
        self.sre = 0
        self.groups: dict[str, RegisterGroup] = {}

    def add_group(self, group: RegisterGroup) -> RegisterGroup:
        self.groups[group.name.upper()] = group
        return group

    def group(self, name: str) -> RegisterGroup:
        return self.groups[name.upper()]

    def sample(self) -> None:
        for group in self.groups.values():
            group.sample()

    def set_event(self, bits: int) -> None:
        self.esr |= bits & 0xFF

    def read_esr(self) -> int:
        value, self.esr = self.esr, 0
        return value

    def status_byte(self, message_available: bool = False) -> int:
        self.sample()
        stb = 0
        if self._queue_length():
            stb |= EAV
        if message_available:
            stb |= MAV
        if self.esr & self.ese:
            stb |= ESB
        for group in self.groups.values():
            if group.summary_bit is not None and group.summary:
                stb |= group.summary_bit
        if stb & self.sre & ~MSS:
            stb |= MSS
        return stb

    def clear(self) -> None:
        """*CLS: the event registers and the ESR; enables and filters stay."""
        self.esr = 0
        for group in self.groups.values():
            group.sample()
            group.event = 0

    def preset(self) -> None:
        for group in self.groups.values():
            group.preset()
