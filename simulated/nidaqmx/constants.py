"""The names and values of ``nidaqmx.constants`` this simulation uses, and the simulated device's own figures."""

from __future__ import annotations

import types
from enum import Enum

READ_ALL_AVAILABLE = -1
WAIT_INFINITELY = -1.0


class AcquisitionType(Enum):
    FINITE = 10178
    CONTINUOUS = 10123
    HW_TIMED_SINGLE_POINT = 12522


class Edge(Enum):
    RISING = 10280
    FALLING = 10171


class CountDirection(Enum):
    COUNT_UP = 10128
    COUNT_DOWN = 10124
    EXTERNAL_SOURCE = 10326


class Level(Enum):
    HIGH = 10192
    LOW = 10214


class VoltageUnits(Enum):
    VOLTS = 10348
    FROM_CUSTOM_SCALE = 10065


class FrequencyUnits(Enum):
    HZ = 10373
    TICKS = 10304
    FROM_CUSTOM_SCALE = 10065


constants = types.SimpleNamespace(
    READ_ALL_AVAILABLE=READ_ALL_AVAILABLE, WAIT_INFINITELY=WAIT_INFINITELY, AcquisitionType=AcquisitionType,
    Edge=Edge, CountDirection=CountDirection, Level=Level, VoltageUnits=VoltageUnits, FrequencyUnits=FrequencyUnits,
)

class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


NUM_SAMPLES_UNSET = _Unset()
AUTO_START_UNSET = _Unset()

_ROLLOVER = 2**32
_AO_RANGE_V = 10.0
_MAX_AO_RATE_HZ = 1e6
_MAX_CO_FREQ_HZ = 50e6  # half the 100 MHz timebase
_CHANNELS = {"ao": 4, "ctr": 4}
# Default source terminals of the counters (M- and X-series pinouts); the SPCM is never wired there here.
_DEFAULT_COUNTER_SOURCE = {"ctr0": "PFI8", "ctr1": "PFI3", "ctr2": "PFI0", "ctr3": "PFI5"}
_DEFAULT_COUNTER_OUTPUT = {"ctr0": "PFI12", "ctr1": "PFI13", "ctr2": "PFI14", "ctr3": "PFI15"}
_ONBOARD = ("", "onboardclock")
