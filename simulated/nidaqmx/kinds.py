"""The task kinds, by the short name a channel collection gives them."""

from __future__ import annotations

from .analog_output import AnalogOutput
from .counter_input import CounterInput
from .counter_output import CounterOutput

KINDS = {kind.name: kind for kind in (AnalogOutput, CounterInput, CounterOutput)}
