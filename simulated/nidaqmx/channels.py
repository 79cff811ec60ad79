"""A task's channels: analog output voltages, counter inputs counting edges, counter output pulse trains."""

from __future__ import annotations

import re

from .constants import (
    _AO_RANGE_V,
    _DEFAULT_COUNTER_OUTPUT,
    _DEFAULT_COUNTER_SOURCE,
    _MAX_CO_FREQ_HZ,
    CountDirection,
    Edge,
    FrequencyUnits,
    Level,
    VoltageUnits,
)
from .errors import DaqError, DAQmxErrors

_RANGE = re.compile(r"^(?P<prefix>[A-Za-z]+)(?P<first>\d+):(?P<last>\d+)$")
_PHYSICAL = re.compile(r"^(?P<kind>ao|ctr)(?P<number>\d+)$")


def _expand(physical_channel: str) -> list[tuple[str, str]]:
    """Physical channel lists and ranges as (device, channel) pairs: "Dev1/ao0:1, Dev1/ao3" gives three."""
    out = []
    for part in (p.strip() for p in str(physical_channel).split(",")):
        device, _, channel = part.strip("/").partition("/")
        found = _RANGE.match(channel)
        if found:
            first, last = int(found["first"]), int(found["last"])
            step = 1 if last >= first else -1
            out.extend((device, f"{found['prefix']}{n}") for n in range(first, last + step, step))
        else:
            out.append((device, channel))
    return out


def _terminal(device: str, terminal: str) -> str:
    return terminal if terminal.startswith("/") else f"/{device}/{terminal}"


class _AOChannel:
    def __init__(self, name: str, physical: str, min_val: float, max_val: float):
        self.name, self.physical = name, physical
        self.ao_min, self.ao_max = float(min_val), float(max_val)


class _CIChannel:
    def __init__(self, task, name: str, physical: str, edge: Edge, initial_count: int,
                 count_direction: CountDirection):
        self._task = task
        self.name, self.physical = name, physical
        self.ci_count_edges_active_edge = edge
        self.ci_count_edges_initial_cnt = int(initial_count)
        self.ci_count_edges_dir = count_direction
        self._term = _terminal(physical.split("/")[0], _DEFAULT_COUNTER_SOURCE[physical.split("/")[1].lower()])

    @property
    def ci_count_edges_term(self) -> str:
        """The input terminal whose edges are counted."""
        return self._term

    @ci_count_edges_term.setter
    def ci_count_edges_term(self, terminal: str) -> None:
        self._task._check_settable()
        self._term = _terminal(self.physical.split("/")[0], str(terminal))


class _COChannel:
    def __init__(self, name: str, physical: str, freq: float, duty_cycle: float, idle_state: Level,
                 initial_delay: float):
        self.name, self.physical = name, physical
        self.co_pulse_freq, self.co_pulse_duty_cyc = float(freq), float(duty_cycle)
        self.co_pulse_idle_state, self.co_pulse_freq_initial_delay = idle_state, float(initial_delay)
        device, counter = physical.split("/")
        self.co_pulse_term = _terminal(device, _DEFAULT_COUNTER_OUTPUT[counter.lower()])

    @property
    def internal_output(self) -> str:
        device, counter = self.physical.split("/")
        return f"/{device}/Ctr{counter.lower().removeprefix('ctr')}InternalOutput"


class _Collection:
    def __init__(self, task, kind: str):
        self._task, self._kind = task, kind

    def _add(self, physical_channel: str, name: str, make) -> object:
        task = self._task
        task._check_settable()
        if task._kind not in (None, self._kind):
            raise DaqError("Different channel types cannot be mixed in the same task.",
                           DAQmxErrors.MULTI_CHAN_TYPES_IN_TASK, task_name=task._name)
        physicals = [task._system._physical(d, c, "ao" if self._kind == "ao" else "ctr", task)
                     for d, c in _expand(physical_channel)]
        if self._kind == "ci" and (task._channels or len(physicals) > 1):
            raise DaqError("Only one counter input channel can be used in a task.",
                           DAQmxErrors.MULTIPLE_COUNTER_INPUT_TASK, task_name=task._name)
        created = []
        for i, physical in enumerate(physicals):
            virtual = (f"{name}{i}" if len(physicals) > 1 else name) if name else physical
            if any(existing.name.lower() == virtual.lower() for existing in task._channels + created):
                raise DaqError(f"Channel already in the task.\nChannel: {virtual}",
                               DAQmxErrors.CHAN_ALREADY_IN_TASK, task_name=task._name)
            created.append(make(virtual, physical))
        task._channels.extend(created)
        task._become(self._kind)
        return created[0] if len(created) == 1 else created

    def __len__(self) -> int:
        return len(self._task._channels)

    def __getitem__(self, index):
        return self._task._channels[index]


class _AOChannels(_Collection):
    def add_ao_voltage_chan(self, physical_channel: str, name_to_assign_to_channel: str = "", min_val: float = -10.0,
                            max_val: float = 10.0, units: VoltageUnits = VoltageUnits.VOLTS,
                            custom_scale_name: str = "") -> _AOChannel:
        task = self._task
        if units is not VoltageUnits.VOLTS:
            raise NotImplementedError("simulated nidaqmx: only VoltageUnits.VOLTS")
        if not min_val < max_val:
            raise DaqError(f"Minimum is not less than maximum.\nMinimum: {min_val}\nMaximum: {max_val}",
                           DAQmxErrors.MIN_NOT_LESS_THAN_MAX, task_name=task._name)
        if min_val < -_AO_RANGE_V or max_val > _AO_RANGE_V:
            raise DaqError("Requested value is not a supported value for this property.\n"
                           f"Property: AO.Min / AO.Max\nRequested Value: {min_val} / {max_val}\n"
                           f"Possible Values: {-_AO_RANGE_V} to {_AO_RANGE_V}",
                           DAQmxErrors.INVALID_ATTRIBUTE_VALUE, task_name=task._name)
        return self._add(physical_channel, name_to_assign_to_channel,
                         lambda virtual, physical: _AOChannel(virtual, physical, min_val, max_val))


class _CIChannels(_Collection):
    def add_ci_count_edges_chan(self, counter: str, name_to_assign_to_channel: str = "", edge: Edge = Edge.RISING,
                                initial_count: int = 0,
                                count_direction: CountDirection = CountDirection.COUNT_UP) -> _CIChannel:
        if count_direction is CountDirection.EXTERNAL_SOURCE:
            raise NotImplementedError("simulated nidaqmx: no external count direction")
        return self._add(counter, name_to_assign_to_channel,
                         lambda virtual, physical: _CIChannel(self._task, virtual, physical, edge, initial_count,
                                                              count_direction))


class _COChannels(_Collection):
    def add_co_pulse_chan_freq(self, counter: str, name_to_assign_to_channel: str = "",
                               units: FrequencyUnits = FrequencyUnits.HZ, idle_state: Level = Level.LOW,
                               initial_delay: float = 0.0, freq: float = 1.0, duty_cycle: float = 0.5) -> _COChannel:
        task = self._task
        if units is not FrequencyUnits.HZ:
            raise NotImplementedError("simulated nidaqmx: only FrequencyUnits.HZ")
        if not 0 < freq <= _MAX_CO_FREQ_HZ or not 0 < duty_cycle < 1:
            raise DaqError("Requested value is not a supported value for this property.\n"
                           f"Property: CO.Pulse.Freq / CO.Pulse.DutyCyc\nRequested Value: {freq} / {duty_cycle}",
                           DAQmxErrors.INVALID_ATTRIBUTE_VALUE, task_name=task._name)
        return self._add(counter, name_to_assign_to_channel,
                         lambda virtual, physical: _COChannel(virtual, physical, freq, duty_cycle, idle_state,
                                                              initial_delay))
