"""One DAQmx task as nidaqmx shows it; what it does is its kind's (analog output, counter input or output).

A nidaqmx task is created empty and gets its kind from its first channel, so
:class:`Task` holds what every task has (name, channels, timing, the
start/stop/close life cycle, resource reservation) and hands everything that
depends on the kind to a :class:`~.task_kind.TaskKind` made when the first
channel is added: :class:`~.analog_output.AnalogOutput` (the galvo),
:class:`~.counter_input.CounterInput` (the SPCM's counts),
:class:`~.counter_output.CounterOutput` (a bin clock).
"""

from __future__ import annotations

import warnings

from .channels import _AOChannels, _CIChannels, _COChannels
from .constants import AUTO_START_UNSET, NUM_SAMPLES_UNSET
from .errors import DaqError, DAQmxErrors
from .task_kind import TaskKind
from .timing import _Timing


class Task:
    """A DAQmx task of the simulated device (see the package docstring)."""

    def __init__(self, system, name: str):
        self._system = system
        self._name = name
        self._closed = False
        self._channels: list = []
        self._running = False
        #: What the task does, once its first channel says which kind it is.
        self.kind: TaskKind = TaskKind(self)
        self.ao_channels = _AOChannels(self, "ao")
        self.ci_channels = _CIChannels(self, "ci")
        self.co_channels = _COChannels(self, "co")
        self.timing = _Timing(self)

    @property
    def _kind(self) -> str | None:
        return self.kind.name

    def _become(self, kind: str) -> None:
        """The first channel fixes the task's kind."""
        if self.kind.name is None:
            from .kinds import KINDS

            self.kind = KINDS[kind](self)

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
        self.kind.verify()
        self._system._reserve(self, self.kind.resources())
        self._running = True
        try:
            self.kind.start()
        except BaseException:
            self._running = False
            self._system._release(self)
            raise

    def stop(self) -> None:
        self._check_open()
        if not self._running:
            return
        self.kind.stop()
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
        return self.kind.is_done()

    def wait_until_done(self, timeout: float = 10.0) -> None:
        self._check_open()
        self.kind.wait_until_done(timeout)

    def read(self, number_of_samples_per_channel=NUM_SAMPLES_UNSET, timeout: float = 10.0):
        """Counter values (floats, as nidaqmx returns count-edges data): a scalar unless a count is given."""
        self._check_open()
        return self.kind.read(number_of_samples_per_channel, timeout)

    def write(self, data, auto_start=AUTO_START_UNSET, timeout: float = 10.0) -> int:
        """Write AO samples: on demand they are output at once, sample-clocked they fill the buffer."""
        self._check_open()
        return self.kind.write(data, auto_start, timeout)

    def __enter__(self) -> Task:
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

    # -- the bench clock ----------------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        self._system.world.clock.sleep(seconds)

    def _clock_now(self) -> float:
        return self._system.world.now()
