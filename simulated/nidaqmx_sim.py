"""A simulated ``nidaqmx``: the part of the NI-DAQmx Python API anplab's NI drivers use, acting on the world.

``SimulatedNidaqmx(world, galvo=..., detectors=...)`` stands in for the imported module
(``Task``, ``constants``, ``errors``, ``error_codes``, ``DaqError`` ...), with
the names, signatures, return types and error codes of nidaqmx-python.  Its
tasks keep no physics of their own; they act on the shared world, wired as
the bench hands down from its file:

* the scanner's x and y AO channels drive the galvo.  An on-demand write
  commands it (``world.command_galvo``); a finite sample-clocked waveform
  scans it (``world.raster``) and clocks every counter task armed on its
  sample clock terminal (``/Dev1/ao/SampleClock``);
* each photon counter's TTL output is wired to a PFI terminal, and a
  count-edges task whose input terminal is that PFI counts that detector:
  on demand as a running total of the counts since the task started; latched
  on a counter-output pulse train (``/Dev1/Ctr1InternalOutput``) through
  ``world.start_binning`` / ``world.finish_binning``; latched on an AO sample
  clock from ``world.raster``.

Counter values are what the hardware latches: the cumulative 32-bit register,
rolling over.  Time passes only on the bench clock (``world.clock``): a
raster's duration passes inside ``start()`` (real hardware returns at once
and the time passes before ``wait_until_done`` returns), a read waits for its
samples, a timeout passes in full before its error.

Not simulated: analog input, digital lines, triggers, counter output writes,
continuous buffered acquisition and generation, devices other than the
bench's (each has ao0-ao3, ctr0-ctr3, PFI0-PFI15 and a +-10 V AO range).
"""

from __future__ import annotations

import re
import types
import warnings
from enum import Enum, IntEnum

import numpy as np

# -- constants: the names and values of nidaqmx.constants ---------------------------------------------
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


# -- errors: nidaqmx.errors and the error codes this simulation raises ---------------------------------
class DAQmxErrors(IntEnum):
    PAL_RESOURCE_RESERVED = -50103
    INVALID_ATTRIBUTE_VALUE = -200077
    MIN_NOT_LESS_THAN_MAX = -200082
    INVALID_TASK = -200088
    DUPLICATE_TASK = -200089
    MULTIPLE_COUNTER_INPUT_TASK = -200147
    PHYSICAL_CHAN_DOES_NOT_EXIST = -200170
    INVALID_DEVICE_ID = -200220
    SAMPLES_NOT_YET_AVAILABLE = -200284
    INVALID_TIMING_TYPE = -200300
    EXT_SAMP_CLK_SRC_NOT_SPECIFIED = -200303
    SAMP_RATE_TOO_HIGH = -200332
    OUTPUT_BUFFER_EMPTY = -200462
    WRITE_NO_OUTPUT_CHANS_IN_TASK = -200459
    READ_NO_INPUT_CHANS_IN_TASK = -200460
    CAN_NOT_PERFORM_OP_WHEN_NO_CHANS_IN_TASK = -200478
    CAN_NOT_PERFORM_OP_WHILE_TASK_RUNNING = -200479
    CHAN_ALREADY_IN_TASK = -200489
    WRITE_NUM_CHANS_MISMATCH = -200524
    MULTI_CHAN_TYPES_IN_TASK = -200559
    WAIT_UNTIL_DONE_DOES_NOT_INDICATE_DONE = -200560
    INVALID_AO_DATA_WRITE = -200561
    CANNOT_WRITE_WHEN_AUTO_START_FALSE_AND_TASK_NOT_RUNNING = -200846
    CO_ONLY_IMPLICIT_SAMPLE_TIMING_TYPE_SUPPORTED = -201296
    UNKNOWN = -1


class DaqError(Exception):
    """Error raised by any DAQmx method (same constructor and properties as nidaqmx.errors.DaqError)."""

    def __init__(self, message: str, error_code: int, task_name: str = ""):
        if task_name:
            message = f"{message}\n\nTask Name: {task_name}"
        super().__init__(message)
        self._error_code = int(error_code)
        try:
            self._error_type = DAQmxErrors(self._error_code)
        except ValueError:
            self._error_type = DAQmxErrors.UNKNOWN

    @property
    def error_code(self) -> int:
        return self._error_code

    @property
    def error_type(self) -> DAQmxErrors:
        return self._error_type


class DaqReadError(DaqError):
    def __init__(self, message: str, error_code: int, samps_per_chan_read: int, task_name: str = ""):
        super().__init__(message, error_code, task_name)
        self._samps_per_chan_read = samps_per_chan_read

    @property
    def samps_per_chan_read(self) -> int:
        return self._samps_per_chan_read


class DaqWriteError(DaqError):
    def __init__(self, message: str, error_code: int, samps_per_chan_written: int, task_name: str = ""):
        super().__init__(message, error_code, task_name)
        self._samps_per_chan_written = samps_per_chan_written

    @property
    def samps_per_chan_written(self) -> int:
        return self._samps_per_chan_written


errors = types.SimpleNamespace(DaqError=DaqError, DaqReadError=DaqReadError, DaqWriteError=DaqWriteError,
                               DaqResourceWarning=ResourceWarning)
error_codes = types.SimpleNamespace(DAQmxErrors=DAQmxErrors)

# -- the simulated device -------------------------------------------------------------------------------
_ROLLOVER = 2**32
_AO_RANGE_V = 10.0
_MAX_AO_RATE_HZ = 1e6
_MAX_CO_FREQ_HZ = 50e6  # half the 100 MHz timebase
_CHANNELS = {"ao": 4, "ctr": 4}
# Default source terminals of the counters (M- and X-series pinouts); the SPCM is never wired there here.
_DEFAULT_COUNTER_SOURCE = {"ctr0": "PFI8", "ctr1": "PFI3", "ctr2": "PFI0", "ctr3": "PFI5"}
_DEFAULT_COUNTER_OUTPUT = {"ctr0": "PFI12", "ctr1": "PFI13", "ctr2": "PFI14", "ctr3": "PFI15"}
_ONBOARD = ("", "onboardclock")


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


NUM_SAMPLES_UNSET = _Unset()
AUTO_START_UNSET = _Unset()

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


class SimulatedNidaqmx:
    """Stands in for the ``nidaqmx`` module on a simulated bench; see the module docstring."""

    def __init__(self, world, *, galvo: tuple[str, str] | None = None, detectors: dict[str, str] | None = None):
        """``galvo``: the (x, y) AO physical channels wired to the world's galvo pair;
        ``detectors``: fully qualified input terminal (``/Dev1/PFI0``) -> the world's detector counted there."""
        self.world = world
        #: Not part of nidaqmx: lets a driver's software-timed waits pass on the bench clock.
        self.bench_clock = world.clock
        self.constants = constants
        self.errors = errors
        self.error_codes = error_codes
        self.DaqError, self.DaqReadError, self.DaqWriteError = DaqError, DaqReadError, DaqWriteError
        #: How many tasks were ever created (tests use it to check nothing reached the DAQ).
        self.tasks_created = 0
        self._tasks: list[_Task] = []
        self._reserved: dict[str, _Task] = {}
        self._ao_volts: dict[str, float] = {}
        self._galvo: tuple[str, str] | None = None
        self._wiring: dict[str, str] = {}  # input terminal (lower case) -> detector
        self.devices: set[str] = set()
        if galvo is not None:
            self._galvo = (galvo[0].lower(), galvo[1].lower())
            self.devices.update(channel.split("/")[0].lower() for channel in galvo)
        for terminal, detector in (detectors or {}).items():
            self._wiring[terminal.lower()] = detector
            self.devices.add(terminal.strip("/").split("/")[0].lower())
        if not self.devices:
            self.devices.add("dev1")

    #: What a checkpoint of the simulated bench keeps (the rest is the module's face and the bench's wiring).
    _STATE = ("tasks_created", "_ao_volts")

    def __getstate__(self) -> dict:
        return {key: getattr(self, key) for key in self._STATE}

    def __setstate__(self, state: dict) -> None:
        for key in self._STATE:
            if key in state:
                setattr(self, key, state[key])

    def Task(self, new_task_name: str = "") -> _Task:  # noqa: N802 - the nidaqmx name
        """Create a task, like ``nidaqmx.Task(new_task_name="")``."""
        names = {task._name for task in self._tasks}
        if new_task_name and new_task_name in names:
            raise DaqError("Task cannot be created because a task with this name already exists.",
                           DAQmxErrors.DUPLICATE_TASK, task_name=new_task_name)
        name = new_task_name or f"_unnamedTask<{self.tasks_created}>"
        task = _Task(self, name)
        self.tasks_created += 1
        self._tasks.append(task)
        return task

    # -- bookkeeping for tasks -----------------------------------------------------------------------
    def _physical(self, device: str, channel: str, kind: str, task: _Task) -> str:
        if device.lower() not in self.devices:
            raise DaqError(f"Device identifier is invalid.\nDevice Specified: {device}\n"
                           f"Suggested Device(s): {', '.join(sorted(self.devices))}",
                           DAQmxErrors.INVALID_DEVICE_ID, task_name=task._name)
        found = _PHYSICAL.match(channel.lower())
        if not found or found["kind"] != kind or int(found["number"]) >= _CHANNELS[kind]:
            raise DaqError(f"Physical channel specified does not exist on this device.\n"
                           f"Physical Channel Name: {channel}\nDevice: {device}",
                           DAQmxErrors.PHYSICAL_CHAN_DOES_NOT_EXIST, task_name=task._name)
        return f"{device}/{channel}"

    def _reserve(self, task: _Task, resources: list[str]) -> None:
        for resource in resources:
            holder = self._reserved.get(resource)
            if holder is not None and holder is not task:
                raise DaqError("The specified resource is reserved. The operation could not be completed as "
                               f"specified.\nResource: {resource} (held by task {holder._name})",
                               DAQmxErrors.PAL_RESOURCE_RESERVED, task_name=task._name)
        for resource in resources:
            self._reserved[resource] = task

    def _release(self, task: _Task) -> None:
        for resource in [r for r, holder in self._reserved.items() if holder is task]:
            del self._reserved[resource]

    def _running(self, kind: str) -> list[_Task]:
        return [task for task in self._tasks if task._running and task._kind == kind]

    def _detector(self, terminal: str) -> str | None:
        return self._wiring.get(terminal.lower())

    def _set_ao(self, volts: dict[str, float]) -> None:
        """Static AO outputs; the galvo follows when one of its channels changes."""
        self._ao_volts.update({channel.lower(): v for channel, v in volts.items()})
        if self._galvo and any(channel.lower() in self._galvo for channel in volts):
            self.world.command_galvo(self._ao_volts.get(self._galvo[0], 0.0), self._ao_volts.get(self._galvo[1], 0.0))

    def _generate(self, task: _Task, data: np.ndarray, rate_hz: float) -> None:
        """A finite sample-clocked AO waveform: the galvo follows it, counters on its clock latch per sample."""
        samples = data.shape[1]
        names = [channel.physical.lower() for channel in task._channels]
        axes = []
        for axis in self._galvo or ("", ""):
            if axis in names:
                axes.append(data[names.index(axis)])
            else:  # an axis the task does not drive holds its static output
                axes.append(np.full(samples, self._ao_volts.get(axis, 0.0)))
        clock = task.timing.samp_clk_term.lower()
        followers = [ci for ci in self._running("ci") if ci._clock_source() == clock and not ci._complete()]
        for ci in followers:
            ci._accrue()
        detectors = sorted({ci._detector() for ci in followers} - {None})
        counts = self.world.raster(axes[0], axes[1], rate_hz, detectors)
        for ci in followers:
            ci._latch_per_sample(counts.get(ci._detector(), np.zeros(samples, dtype=np.int64)))
        self._ao_volts.update({name: float(data[i, -1]) for i, name in enumerate(names)})

    def _cancel_binning(self, detector: str) -> None:
        self.world.cancel_binning(detector)

    def __repr__(self) -> str:
        return f"<SimulatedNidaqmx devices={sorted(self.devices)} open tasks={len(self._tasks)}>"


# -- channels -------------------------------------------------------------------------------------------
class _AOChannel:
    def __init__(self, name: str, physical: str, min_val: float, max_val: float):
        self.name, self.physical = name, physical
        self.ao_min, self.ao_max = float(min_val), float(max_val)


class _CIChannel:
    def __init__(self, task: _Task, name: str, physical: str, edge: Edge, initial_count: int,
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
    def __init__(self, task: _Task, kind: str):
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
        task._kind = self._kind
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


# -- timing ---------------------------------------------------------------------------------------------
class _Timing:
    def __init__(self, task: _Task):
        self._task = task
        self._timing_type = "on_demand"
        self.samp_clk_rate = 0.0
        self.samp_clk_src = ""
        self.samp_clk_active_edge = Edge.RISING
        self.samp_quant_samp_mode = AcquisitionType.FINITE
        self.samp_quant_samp_per_chan = 0

    def _check(self, rate: float | None, sample_mode, samps_per_chan: int) -> None:
        task = self._task
        task._check_settable()
        if not task._channels:
            raise DaqError("Specified operation cannot be performed when there are no channels in the task.",
                           DAQmxErrors.CAN_NOT_PERFORM_OP_WHEN_NO_CHANS_IN_TASK, task_name=task._name)
        if not isinstance(sample_mode, AcquisitionType) or samps_per_chan < 0 or (rate is not None and not rate > 0):
            raise DaqError("Requested value is not a supported value for this property.",
                           DAQmxErrors.INVALID_ATTRIBUTE_VALUE, task_name=task._name)

    def cfg_samp_clk_timing(self, rate: float, source: str = "", active_edge: Edge = Edge.RISING,
                            sample_mode: AcquisitionType = AcquisitionType.FINITE, samps_per_chan: int = 1000) -> None:
        self._check(rate, sample_mode, samps_per_chan)
        if self._task._kind == "co":
            raise DaqError("Only implicit sample timing is supported for counter output tasks.",
                           DAQmxErrors.CO_ONLY_IMPLICIT_SAMPLE_TIMING_TYPE_SUPPORTED, task_name=self._task._name)
        self._timing_type = "sample_clock"
        self.samp_clk_rate, self.samp_clk_src, self.samp_clk_active_edge = float(rate), str(source), active_edge
        self.samp_quant_samp_mode, self.samp_quant_samp_per_chan = sample_mode, int(samps_per_chan)

    def cfg_implicit_timing(self, sample_mode: AcquisitionType = AcquisitionType.FINITE,
                            samps_per_chan: int = 1000) -> None:
        self._check(None, sample_mode, samps_per_chan)
        if self._task._kind != "co":
            raise DaqError("Timing type is not supported for this task (implicit timing is for counters).",
                           DAQmxErrors.INVALID_TIMING_TYPE, task_name=self._task._name)
        self._timing_type = "implicit"
        self.samp_quant_samp_mode, self.samp_quant_samp_per_chan = sample_mode, int(samps_per_chan)

    @property
    def samp_clk_term(self) -> str:
        """The terminal of the task's sample clock (AO tasks on the onboard clock)."""
        task = self._task
        device = task._channels[0].physical.split("/")[0] if task._channels else "Dev1"
        if task._kind == "ao":
            return f"/{device}/ao/SampleClock"
        return _terminal(device, self.samp_clk_src) if self.samp_clk_src else ""


# -- tasks ----------------------------------------------------------------------------------------------
class _Task:
    """One DAQmx task; its behaviour depends on the kind of its channels (ao, ci or co)."""

    def __init__(self, system: SimulatedNidaqmx, name: str):
        self._system = system
        self._name = name
        self._closed = False
        self._kind: str | None = None
        self._channels: list = []
        self._running = False
        self._done = False
        self.ao_channels = _AOChannels(self, "ao")
        self.ci_channels = _CIChannels(self, "ci")
        self.co_channels = _COChannels(self, "co")
        self.timing = _Timing(self)
        self._ao_buffer: np.ndarray | None = None
        # Counter input state: the register, its latched samples and, while a bin clock runs, its schedule.
        self._register = 0
        self._samples: list[int] = []
        self._read_position = 0
        self._schedule: tuple[float, float, int, int] | None = None  # first edge, period, edges, first value
        self._seen: tuple[float, float] | None = None  # (bench time, band photons) counted up to

    # -- the task API ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        self._check_open()
        return self._name

    @property
    def channel_names(self) -> list[str]:
        self._check_open()
        return [channel.name for channel in self._channels]

    def start(self) -> None:
        """Start the task: reserve its resources, then run its generation or arm its acquisition."""
        self._check_open()
        if self._running:
            return
        if not self._channels:
            raise DaqError("Specified operation cannot be performed when there are no channels in the task.",
                           DAQmxErrors.CAN_NOT_PERFORM_OP_WHEN_NO_CHANS_IN_TASK, task_name=self._name)
        self._verify()
        self._system._reserve(self, self._resources())
        self._running, self._done = True, False
        try:
            getattr(self, f"_start_{self._kind}")()
        except BaseException:
            self._running = False
            self._system._release(self)
            raise

    def stop(self) -> None:
        self._check_open()
        if not self._running:
            return
        if self._kind == "ci" and self._schedule is not None:
            self._cancel_schedule()
        if self._kind == "co":
            for ci in self._system._running("ci"):
                if ci._schedule is not None and ci._clock_source() == self._channels[0].internal_output.lower():
                    ci._cancel_schedule()  # the clock stops: its remaining edges never come
        self._running = False
        self._system._release(self)

    def close(self) -> None:
        """Clear the task (stopping it first); closing twice warns, like nidaqmx."""
        if self._closed:
            warnings.warn(f'Attempted to close NI-DAQmx task of name "{self._name}" but task was already closed.',
                          ResourceWarning, stacklevel=2)
            return
        self.stop()
        self._closed = True
        self._system._tasks.remove(self)

    def is_task_done(self) -> bool:
        self._check_open()
        if self._kind == "ci" and self.timing._timing_type == "sample_clock":
            return self._complete() or (self._schedule is not None and self._clock_now() >= self._schedule_end())
        if self._kind == "ao":  # on demand, every write has been output by the time it returns
            return self._done or not self._running or self.timing._timing_type == "on_demand"
        return not self._running

    def wait_until_done(self, timeout: float = 10.0) -> None:
        self._check_open()
        if not self._running or self.is_task_done():
            if self._kind == "ci" and self._schedule is not None:
                self._finish_schedule()
            return
        if self._kind == "ci" and self._schedule is not None:
            if timeout == WAIT_INFINITELY or self._schedule_end() - self._clock_now() <= timeout:
                self._finish_schedule()
                return
        if timeout != WAIT_INFINITELY:
            self._sleep(timeout)
        raise DaqError("Wait Until Done did not indicate all samples were acquired or generated within the "
                       f"timeout.\nTimeout: {timeout}", DAQmxErrors.WAIT_UNTIL_DONE_DOES_NOT_INDICATE_DONE,
                       task_name=self._name)

    def read(self, number_of_samples_per_channel=NUM_SAMPLES_UNSET, timeout: float = 10.0):
        """Counter values (floats, as nidaqmx returns count-edges data): a scalar unless a count is given."""
        self._check_open()
        if self._kind != "ci":
            raise DaqError("Read failed, because there are no channels in this task from which data can be read.",
                           DAQmxErrors.READ_NO_INPUT_CHANS_IN_TASK, task_name=self._name)
        scalar = number_of_samples_per_channel is NUM_SAMPLES_UNSET
        wanted = 1 if scalar else int(number_of_samples_per_channel)
        implicit = not self._running
        if implicit:  # a measurement task starts for the read and stops after it, as DAQmx does
            self.start()
        try:
            if self.timing._timing_type == "on_demand":
                self._accrue()
                values = [float(self._register)] * max(wanted, 1)
            else:
                values = np.asarray(self._read_buffered(wanted, timeout), dtype=np.float64).tolist()
        finally:
            if implicit:
                self.stop()
        return values[0] if scalar else values

    def write(self, data, auto_start=AUTO_START_UNSET, timeout: float = 10.0) -> int:
        """Write AO samples: on demand they are output at once, sample-clocked they fill the buffer."""
        self._check_open()
        if self._kind != "ao":
            if self._kind == "co":
                raise NotImplementedError("simulated nidaqmx: no counter output writes")
            raise DaqError("Write failed, because there are no output channels in this task to which data can be "
                           "written.", DAQmxErrors.WRITE_NO_OUTPUT_CHANS_IN_TASK, task_name=self._name)
        values = self._as_samples(data)
        samples = values.shape[1]
        if auto_start is AUTO_START_UNSET:
            auto_start = samples <= 1
        for channel, row in zip(self._channels, values):
            bad = (row < channel.ao_min) | (row > channel.ao_max) | ~np.isfinite(row)
            if bad.any():
                raise DaqWriteError(
                    "Attempted writing analog data that is too large or too small.\n"
                    f"Channel Name: {channel.name}\nRequested Value: {row[bad][0]:g}\n"
                    f"Minimum Value: {channel.ao_min:g}\nMaximum Value: {channel.ao_max:g}",
                    DAQmxErrors.INVALID_AO_DATA_WRITE, 0, task_name=self._name)
        if self.timing._timing_type == "on_demand":
            if not self._running and not auto_start:
                raise DaqError(
                    "Write cannot be performed when the auto start input to DAQmx Write is false, task is not "
                    "running, and timing for the task is not configured or Timing Type is set to On Demand.",
                    DAQmxErrors.CANNOT_WRITE_WHEN_AUTO_START_FALSE_AND_TASK_NOT_RUNNING, task_name=self._name)
            implicit = not self._running
            if implicit:
                self.start()
            try:
                self._system._set_ao({c.physical: float(row[-1]) for c, row in zip(self._channels, values)})
            finally:
                if implicit:
                    self.stop()
            return samples
        self._ao_buffer = values.copy()
        if auto_start and not self._running:
            self.start()
        return samples

    def __enter__(self) -> _Task:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Task(name={self._name})"

    # -- checks -----------------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise DaqError("Task specified is invalid or does not exist.", DAQmxErrors.INVALID_TASK,
                           task_name=self._name)

    def _check_settable(self) -> None:
        self._check_open()
        if self._running:
            raise DaqError("Specified operation cannot be performed while the task is running.",
                           DAQmxErrors.CAN_NOT_PERFORM_OP_WHILE_TASK_RUNNING, task_name=self._name)

    def _verify(self) -> None:
        timing = self.timing
        if self._kind == "ci" and timing._timing_type == "sample_clock":
            if timing.samp_clk_src.lower() in _ONBOARD:
                raise DaqError("External sample clock source must be specified for this application.",
                               DAQmxErrors.EXT_SAMP_CLK_SRC_NOT_SPECIFIED, task_name=self._name)
            if timing.samp_quant_samp_mode is not AcquisitionType.FINITE:
                raise NotImplementedError("simulated nidaqmx: only finite buffered counting")
        if self._kind == "ao" and timing._timing_type == "sample_clock":
            if timing.samp_clk_rate > _MAX_AO_RATE_HZ:
                raise DaqError(f"Requested sample rate is higher than the maximum sample rate of the device.\n"
                               f"Requested: {timing.samp_clk_rate:g}\nMaximum: {_MAX_AO_RATE_HZ:g}",
                               DAQmxErrors.SAMP_RATE_TOO_HIGH, task_name=self._name)
            if timing.samp_clk_src.lower() not in _ONBOARD:
                raise NotImplementedError("simulated nidaqmx: AO runs on its onboard sample clock only")
            if timing.samp_quant_samp_mode is not AcquisitionType.FINITE:
                raise NotImplementedError("simulated nidaqmx: only finite AO generation")
            if self._ao_buffer is None:
                raise DaqError("Generation cannot be started, because the output buffer is empty.\n"
                               "Write data before starting a buffered generation.",
                               DAQmxErrors.OUTPUT_BUFFER_EMPTY, task_name=self._name)

    def _resources(self) -> list[str]:
        resources = [channel.physical.lower() for channel in self._channels]
        if self._kind == "ao" and self.timing._timing_type == "sample_clock":
            resources.append(self._channels[0].physical.split("/")[0].lower() + "/ao timing engine")
        return resources

    def _as_samples(self, data) -> np.ndarray:
        """Data as (channels, samples), following nidaqmx's rules for scalars, lists and arrays."""
        channels = len(self._channels)
        mismatch = lambda given: DaqError(  # noqa: E731
            "Write cannot be performed, because the number of channels in the data does not match the number of "
            f"channels in the task.\n\nNumber of Channels in Task: {channels}\nNumber of Channels in Data: {given}",
            DAQmxErrors.WRITE_NUM_CHANS_MISMATCH, task_name=self._name)
        array = np.asarray(data, dtype=np.float64)
        if channels == 1:
            if array.ndim == 2:
                raise mismatch(array.shape[0])
            return array.reshape(1, -1)
        if array.ndim == 0:
            raise mismatch(1)
        if array.shape[0] != channels:
            raise mismatch(array.shape[0])
        return array.reshape(channels, -1)

    # -- starting each kind ---------------------------------------------------------------------------------
    def _start_ao(self) -> None:
        timing = self.timing
        if timing._timing_type != "sample_clock":
            return
        samples = timing.samp_quant_samp_per_chan
        repeats = -(-samples // self._ao_buffer.shape[1])  # regeneration: the buffer repeats to fill the count
        data = np.tile(self._ao_buffer, repeats)[:, :samples]
        self._system._generate(self, data, timing.samp_clk_rate)
        self._done = True

    def _start_ci(self) -> None:
        self._register = self._channels[0].ci_count_edges_initial_cnt % _ROLLOVER
        self._samples, self._read_position, self._schedule = [], 0, None
        self._rebase()
        if self.timing._timing_type != "sample_clock":
            return
        for co in self._system._running("co"):  # armed late on a clock that already runs
            if co._channels[0].internal_output.lower() == self._clock_source():
                self._arm_on_clock(1.0 / co._channels[0].co_pulse_freq)

    def _start_co(self) -> None:
        channel = self._channels[0]
        for ci in self._system._running("ci"):
            if ci._clock_source() == channel.internal_output.lower() and ci._schedule is None and not ci._complete():
                ci._arm_on_clock(1.0 / channel.co_pulse_freq)

    # -- counter input internals ---------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        self._system.world.clock.sleep(seconds)

    def _clock_now(self) -> float:
        return self._system.world.now()

    def _clock_source(self) -> str:
        return self.timing.samp_clk_term.lower() if self.timing._timing_type == "sample_clock" else ""

    def _detector(self) -> str | None:
        return self._system._detector(self._channels[0].ci_count_edges_term)

    def _sign(self) -> int:
        return -1 if self._channels[0].ci_count_edges_dir is CountDirection.COUNT_DOWN else 1

    def _complete(self) -> bool:
        return len(self._samples) >= self.timing.samp_quant_samp_per_chan

    def _band_photons(self) -> tuple[float, float]:
        return self._system.world.band_photons(self._detector())

    def _rebase(self) -> None:
        """Count from now on: photons already accounted for (or before the start) are not counted again."""
        self._seen = self._band_photons() if self._detector() else None

    def _accrue(self) -> None:
        """Add the counts since the register was last brought up to date (a running total)."""
        if self._seen is None or not self._detector():
            return
        then, photons_then = self._seen
        now, photons_now = self._band_photons()
        self._seen = (now, photons_now)
        if now > then:
            counts = self._system.world.detected_counts(self._detector(), photons_now - photons_then, now - then)
            self._register = (self._register + self._sign() * counts) % _ROLLOVER

    def _latch(self, values: np.ndarray) -> None:
        room = self.timing.samp_quant_samp_per_chan - len(self._samples)
        self._samples.extend(np.mod(np.asarray(values[:room], dtype=np.int64), _ROLLOVER).tolist())

    def _latch_per_sample(self, counts: np.ndarray) -> None:
        """Latch the register at every edge of an AO sample clock, given the counts during each sample."""
        counts = np.asarray(counts, dtype=np.int64) * self._sign()
        before = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self._latch(self._register + before)
        self._register = int((self._register + counts.sum()) % _ROLLOVER)
        self._rebase()

    def _arm_on_clock(self, period_s: float) -> None:
        """A pulse train starts clocking this task now: its first edge latches now, the rest every period."""
        self._accrue()
        edges = self.timing.samp_quant_samp_per_chan - len(self._samples)
        first = self._register
        if edges > 1 and self._detector():
            self._system.world.start_binning(self._detector(), period_s, edges - 1)
        self._schedule = (self._clock_now(), period_s, edges, first)

    def _schedule_end(self) -> float:
        start, period, edges, _ = self._schedule
        return start + (edges - 1) * period

    def _finish_schedule(self) -> None:
        """Wait for the last scheduled edge and latch every edge's value."""
        _, _, edges, first = self._schedule
        end = self._schedule_end()
        self._schedule = None
        if edges > 1 and self._detector():
            bins = np.asarray(self._system.world.finish_binning(self._detector()), dtype=np.int64)
        else:  # nothing wired to the input: the edges still take their time
            self._sleep(end - self._clock_now())
            bins = np.zeros(max(edges - 1, 0), dtype=np.int64)
        values = first + self._sign() * np.concatenate([[0], np.cumsum(bins)])
        self._latch(values)
        self._register = int(values[-1] % _ROLLOVER)
        self._rebase()

    def _cancel_schedule(self) -> None:
        if self._schedule is not None and self._schedule[2] > 1 and self._detector():
            self._system._cancel_binning(self._detector())
        self._schedule = None

    def _read_buffered(self, wanted: int, timeout: float) -> list[int]:
        total = self.timing.samp_quant_samp_per_chan
        if wanted == READ_ALL_AVAILABLE:
            wanted = total - self._read_position
        if len(self._samples) - self._read_position < wanted and self._schedule is not None:
            remaining = self._schedule_end() - self._clock_now()
            if timeout == WAIT_INFINITELY or remaining <= timeout:
                self._finish_schedule()
        if len(self._samples) - self._read_position < wanted:
            # Nothing (or not enough) will arrive in time: the clock is not running or too slow.
            if timeout != WAIT_INFINITELY:
                self._sleep(timeout)
            raise DaqReadError(
                "Some or all of the samples requested have not yet been acquired.\nTo wait for the samples to "
                "become available use a longer read timeout or read later in your program. It is also possible "
                "that you configured the task for external timing, and no clock was supplied.\n"
                f"Sample clock source: {self.timing.samp_clk_src}\nAttempted to read samples: {wanted}\n"
                f"Samples available: {len(self._samples) - self._read_position}",
                DAQmxErrors.SAMPLES_NOT_YET_AVAILABLE, 0, task_name=self._name)
        out = self._samples[self._read_position:self._read_position + wanted]
        self._read_position += wanted
        return out
