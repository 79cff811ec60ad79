"""The simulated device as the ``nidaqmx`` module: task creation, resources, and the wiring to the world."""

from __future__ import annotations

import numpy as np

from .channels import _PHYSICAL
from .constants import _CHANNELS, constants
from .errors import DaqError, DAQmxErrors, DaqReadError, DaqWriteError, error_codes, errors
from .task import Task


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
        self._tasks: list[Task] = []
        self._reserved: dict[str, Task] = {}
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

    def Task(self, new_task_name: str = "") -> Task:  # noqa: N802 - the nidaqmx name
        """Create a task, like ``nidaqmx.Task(new_task_name="")``."""
        names = {task._name for task in self._tasks}
        if new_task_name and new_task_name in names:
            raise DaqError("Task cannot be created because a task with this name already exists.",
                           DAQmxErrors.DUPLICATE_TASK, task_name=new_task_name)
        name = new_task_name or f"_unnamedTask<{self.tasks_created}>"
        task = Task(self, name)
        self.tasks_created += 1
        self._tasks.append(task)
        return task

    # -- bookkeeping for tasks -----------------------------------------------------------------------
    def _physical(self, device: str, channel: str, kind: str, task: Task) -> str:
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

    def _reserve(self, task: Task, resources: list[str]) -> None:
        for resource in resources:
            holder = self._reserved.get(resource)
            if holder is not None and holder is not task:
                raise DaqError("The specified resource is reserved. The operation could not be completed as "
                               f"specified.\nResource: {resource} (held by task {holder._name})",
                               DAQmxErrors.PAL_RESOURCE_RESERVED, task_name=task._name)
        for resource in resources:
            self._reserved[resource] = task

    def _release(self, task: Task) -> None:
        for resource in [r for r, holder in self._reserved.items() if holder is task]:
            del self._reserved[resource]

    def _running(self, kind: str) -> list:
        """The behaviour (:class:`~.task_kind.TaskKind`) of every running task of ``kind``."""
        return [task.kind for task in self._tasks if task._running and task._kind == kind]

    def _detector(self, terminal: str) -> str | None:
        return self._wiring.get(terminal.lower())

    def _set_ao(self, volts: dict[str, float]) -> None:
        """Static AO outputs; the galvo follows when one of its channels changes."""
        self._ao_volts.update({channel.lower(): v for channel, v in volts.items()})
        if self._galvo and any(channel.lower() in self._galvo for channel in volts):
            self.world.command_galvo(self._ao_volts.get(self._galvo[0], 0.0), self._ao_volts.get(self._galvo[1], 0.0))

    def _generate(self, output, data: np.ndarray, rate_hz: float) -> None:
        """A finite sample-clocked AO waveform: the galvo follows it, counters on its clock latch per sample."""
        samples = data.shape[1]
        names = [channel.physical.lower() for channel in output.channels]
        axes = []
        for axis in self._galvo or ("", ""):
            if axis in names:
                axes.append(data[names.index(axis)])
            else:  # an axis the task does not drive holds its static output
                axes.append(np.full(samples, self._ao_volts.get(axis, 0.0)))
        clock = output.timing.samp_clk_term.lower()
        followers = [ci for ci in self._running("ci") if ci.clock_source() == clock and not ci.complete()]
        for ci in followers:
            ci.accrue()
        detectors = sorted({ci.detector() for ci in followers} - {None})
        counts = self.world.raster(axes[0], axes[1], rate_hz, detectors)
        for ci in followers:
            ci.latch_per_sample(counts.get(ci.detector(), np.zeros(samples, dtype=np.int64)))
        self._ao_volts.update({name: float(data[i, -1]) for i, name in enumerate(names)})

    def __repr__(self) -> str:
        return f"<SimulatedNidaqmx devices={sorted(self.devices)} open tasks={len(self._tasks)}>"
