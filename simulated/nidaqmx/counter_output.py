"""A counter output task: a pulse train on a counter's internal output, the bin clock of counter inputs."""

from __future__ import annotations

from .task_kind import TaskKind


class CounterOutput(TaskKind):
    """Its start arms the counter inputs waiting on its output; its stop ends their remaining edges."""

    name = "co"

    @property
    def internal_output(self) -> str:
        return self.channels[0].internal_output.lower()

    @property
    def period_s(self) -> float:
        return 1.0 / self.channels[0].co_pulse_freq

    def start(self) -> None:
        for counter in self.system._running("ci"):
            if counter.clock_source() == self.internal_output and counter.schedule is None \
                    and not counter.complete():
                counter.arm_on_clock(self.period_s)

    def stop(self) -> None:
        for counter in self.system._running("ci"):
            if counter.schedule is not None and counter.clock_source() == self.internal_output:
                counter.cancel_schedule()  # the clock stops: its remaining edges never come

    def write(self, data, auto_start, timeout: float) -> int:
        raise NotImplementedError("simulated nidaqmx: no counter output writes")
