"""An analog output task: the galvo's x and y voltages, on demand or as a sample-clocked waveform."""

from __future__ import annotations

import numpy as np

from .constants import _MAX_AO_RATE_HZ, _ONBOARD, AUTO_START_UNSET, AcquisitionType
from .errors import DaqError, DAQmxErrors, DaqWriteError
from .task_kind import TaskKind


class AnalogOutput(TaskKind):
    """On demand a write is output at once; sample-clocked it fills the buffer, and start() generates it."""

    name = "ao"

    def __init__(self, task):
        super().__init__(task)
        self.buffer: np.ndarray | None = None
        self.done = False

    def verify(self) -> None:
        timing, task = self.timing, self.task
        if timing._timing_type != "sample_clock":
            return
        if timing.samp_clk_rate > _MAX_AO_RATE_HZ:
            raise DaqError(f"Requested sample rate is higher than the maximum sample rate of the device.\n"
                           f"Requested: {timing.samp_clk_rate:g}\nMaximum: {_MAX_AO_RATE_HZ:g}",
                           DAQmxErrors.SAMP_RATE_TOO_HIGH, task_name=task._name)
        if timing.samp_clk_src.lower() not in _ONBOARD:
            raise NotImplementedError("simulated nidaqmx: AO runs on its onboard sample clock only")
        if timing.samp_quant_samp_mode is not AcquisitionType.FINITE:
            raise NotImplementedError("simulated nidaqmx: only finite AO generation")
        if self.buffer is None:
            raise DaqError("Generation cannot be started, because the output buffer is empty.\n"
                           "Write data before starting a buffered generation.",
                           DAQmxErrors.OUTPUT_BUFFER_EMPTY, task_name=task._name)

    def resources(self) -> list[str]:
        resources = super().resources()
        if self.timing._timing_type == "sample_clock":
            resources.append(self.channels[0].physical.split("/")[0].lower() + "/ao timing engine")
        return resources

    def start(self) -> None:
        self.done = False
        timing = self.timing
        if timing._timing_type != "sample_clock":
            return
        samples = timing.samp_quant_samp_per_chan
        repeats = -(-samples // self.buffer.shape[1])  # regeneration: the buffer repeats to fill the count
        data = np.tile(self.buffer, repeats)[:, :samples]
        self.system._generate(self, data, timing.samp_clk_rate)
        self.done = True

    def is_done(self) -> bool:
        # On demand, every write has been output by the time it returns.
        return self.done or not self.running or self.timing._timing_type == "on_demand"

    def write(self, data, auto_start, timeout: float) -> int:
        task = self.task
        values = self._as_samples(data)
        samples = values.shape[1]
        if auto_start is AUTO_START_UNSET:
            auto_start = samples <= 1
        for channel, row in zip(self.channels, values):
            bad = (row < channel.ao_min) | (row > channel.ao_max) | ~np.isfinite(row)
            if bad.any():
                raise DaqWriteError(
                    "Attempted writing analog data that is too large or too small.\n"
                    f"Channel Name: {channel.name}\nRequested Value: {row[bad][0]:g}\n"
                    f"Minimum Value: {channel.ao_min:g}\nMaximum Value: {channel.ao_max:g}",
                    DAQmxErrors.INVALID_AO_DATA_WRITE, 0, task_name=task._name)
        if self.timing._timing_type == "on_demand":
            if not self.running and not auto_start:
                raise DaqError(
                    "Write cannot be performed when the auto start input to DAQmx Write is false, task is not "
                    "running, and timing for the task is not configured or Timing Type is set to On Demand.",
                    DAQmxErrors.CANNOT_WRITE_WHEN_AUTO_START_FALSE_AND_TASK_NOT_RUNNING, task_name=task._name)
            implicit = not self.running
            if implicit:
                task.start()
            try:
                self.system._set_ao({c.physical: float(row[-1]) for c, row in zip(self.channels, values)})
            finally:
                if implicit:
                    task.stop()
            return samples
        self.buffer = values.copy()
        if auto_start and not self.running:
            task.start()
        return samples

    def _as_samples(self, data) -> np.ndarray:
        """Data as (channels, samples), following nidaqmx's rules for scalars, lists and arrays."""
        channels = len(self.channels)
        mismatch = lambda given: DaqError(  # noqa: E731
            "Write cannot be performed, because the number of channels in the data does not match the number of "
            f"channels in the task.\n\nNumber of Channels in Task: {channels}\nNumber of Channels in Data: {given}",
            DAQmxErrors.WRITE_NUM_CHANS_MISMATCH, task_name=self.task._name)
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
