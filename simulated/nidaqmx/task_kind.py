"""What a task does depends on its kind; this is a task with no channel yet (and the defaults every kind keeps)."""

from __future__ import annotations

from .constants import WAIT_INFINITELY
from .errors import DaqError, DAQmxErrors


class TaskKind:
    """A task's behaviour; subclasses override what their kind does differently."""

    #: The kind's short name, as the channels and timing know it ("ao", "ci", "co"); None: no channel yet.
    name: str | None = None

    def __init__(self, task):
        self.task = task

    @property
    def timing(self):
        return self.task.timing

    @property
    def channels(self) -> list:
        return self.task._channels

    @property
    def system(self):
        return self.task._system

    @property
    def running(self) -> bool:
        return self.task._running

    def verify(self) -> None:
        """Refuse a start the device would refuse (before resources are reserved)."""

    def resources(self) -> list[str]:
        return [channel.physical.lower() for channel in self.channels]

    def start(self) -> None:
        """Run the generation or arm the acquisition (the task is running and holds its resources)."""

    def stop(self) -> None:
        """Before the task releases its resources."""

    def is_done(self) -> bool:
        return not self.running

    def wait_until_done(self, timeout: float) -> None:
        if not self.running or self.is_done():
            return
        if timeout != WAIT_INFINITELY:
            self.task._sleep(timeout)
        raise DaqError("Wait Until Done did not indicate all samples were acquired or generated within the "
                       f"timeout.\nTimeout: {timeout}", DAQmxErrors.WAIT_UNTIL_DONE_DOES_NOT_INDICATE_DONE,
                       task_name=self.task._name)

    def read(self, number_of_samples_per_channel, timeout: float):
        raise DaqError("Read failed, because there are no channels in this task from which data can be read.",
                       DAQmxErrors.READ_NO_INPUT_CHANS_IN_TASK, task_name=self.task._name)

    def write(self, data, auto_start, timeout: float) -> int:
        raise DaqError("Write failed, because there are no output channels in this task to which data can be "
                       "written.", DAQmxErrors.WRITE_NO_OUTPUT_CHANS_IN_TASK, task_name=self.task._name)
