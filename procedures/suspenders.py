"""Conditions watched at every point of a run, that suspend it or abort it (Bluesky's suspenders).

- **interlock**: a laser's interlock circuit is open (a door, a key);
- **temperature**: the cryostat has strayed from the temperature the run holds;
- **saturation**: a photon counter saw a count rate near its maximum (a SPAD's damage threshold);
- **pump drift**: the pump's measured power has drifted from its setpoint.

Each is configured in the bench file's ``watch`` section.  A point whose
measurement overlapped a trip is not recorded.  *suspend*: the bench goes
to its safe state (lasers off), the run waits until the condition clears
(checking every ``poll_s``), puts the lasers back as they were, and measures
the point again; if the condition has not cleared within ``max_wait_s``,
the run is aborted.  *abort*: the run ends at once, in the safe state, with
the reason in its record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


class ConditionAbort(RuntimeError):
    """A watched condition ended the run."""


@dataclass(frozen=True)
class Trip:
    condition: str  # interlock | temperature | saturation | pump_drift
    message: str
    action: str  # suspend | abort
    max_wait_s: float


class Suspenders:
    """The bench's watched conditions, evaluated against what a procedure is doing."""

    def __init__(self, bench):
        self.bench = bench
        self.spec = bench.config.watch

    def forget_before(self, procedure) -> None:
        """Start watching now: count peaks from before the run (the last run's brightest gate) are not this run's."""
        for counter in self.bench.by_role("photon_counter").values():
            counter.peak_rate_s()

    def check(self, procedure) -> Trip | None:
        """The first condition that has tripped, or None."""
        if not self.spec.enabled:
            return None
        for condition in ("interlock", "temperature", "saturation", "pump_drift"):
            message = getattr(self, f"_{condition}")(procedure)
            if message:
                spec = getattr(self.spec, condition)
                return Trip(condition, message, spec.action, spec.max_wait_s)
        return None

    def cleared(self, trip: Trip, procedure) -> bool:
        """Whether a suspended run may carry on (with the lasers still off)."""
        if trip.condition == "interlock":
            return not self._interlock(procedure)
        if trip.condition == "temperature":
            return not self._temperature(procedure)
        return True  # saturation and drift can only be judged with the light back on: measure again

    # -- the conditions ---------------------------------------------------------------------------
    def _interlock(self, procedure) -> str | None:
        open_ = [name for name, laser in self.bench.lasers.items() if not laser.interlock_ok]
        return f"interlock open on {', '.join(open_)}" if open_ else None

    def _temperature(self, procedure) -> str | None:
        held = getattr(procedure, "held_temperature", None)
        if held is None:
            return None
        controller, kelvin = held
        seen = controller.reading_range()  # every reading taken during the point, not only the last
        now = controller.temperature_k
        worst = max((now, *(seen or ())), key=lambda reading: abs(reading - kelvin))
        band = self.spec.temperature.band_k
        if abs(worst - kelvin) > band:
            return f"{controller.name} read {worst:.3f} K, more than {band:g} K from the {kelvin:g} K the run holds"
        return None

    def _saturation(self, procedure) -> str | None:
        fraction = self.spec.saturation.fraction
        for name, counter in self.bench.by_role("photon_counter").items():
            peak = counter.peak_rate_s()
            if peak > fraction * counter.limits.max_count_rate_s:
                return (f"{name} counted {peak:.3g} /s, over {fraction:.0%} of its "
                        f"{counter.limits.max_count_rate_s:.3g} /s maximum")
        return None

    def _pump_drift(self, procedure) -> str | None:
        watched = getattr(procedure, "watched_pump", None)
        if watched is None:
            return None
        laser, meter = watched
        if not laser.emission:
            return None
        setpoint = laser.power_setpoint_w
        if setpoint <= 0:
            return None
        measured = meter.beam_power_w() if meter is not None else laser.power_w
        fraction = self.spec.pump_drift.fraction
        if abs(measured / setpoint - 1.0) > fraction:
            return (f"{laser.name} delivers {measured:.4g} W for a {setpoint:.4g} W setpoint, "
                    f"more than {fraction:.0%} off")
        return None
