"""A task's timing: on demand, an (external or onboard) sample clock, or implicit (counter output)."""

from __future__ import annotations

from .channels import _terminal
from .constants import AcquisitionType, Edge
from .errors import DaqError, DAQmxErrors


class _Timing:
    def __init__(self, task):
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
