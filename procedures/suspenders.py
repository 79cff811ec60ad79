"""Conditions checked at the end of every point of a run, that suspend it or abort it (Bluesky's suspenders).

Every point must prove, before it is committed, that it measured what it
claims:

- **interlock**: every laser the run wants on is still emitting at the end
  of the point.  An interlock that opened for a moment between two checks
  (a door opened and shut) leaves a laser's emission off, so the check is
  edge-triggered by the laser itself: emission lost is seen however short
  the trip was;
- **temperature**: the cryostat has strayed from the temperature the run holds;
- **saturation**: a photon counter saw a count rate near its maximum (a SPAD's damage threshold);
- **pump drift**: the readings of the pump's power the point took (the power
  meter on the pick-off) are not at the setpoint: 0 W against a 0.5 W
  setpoint as much as a sagging diode.

The checks use the readings the point already took and one emission query
per laser in use; nothing else goes on the wire.  Each condition is
configured in the bench file's ``watch`` section.  A point whose
measurement overlapped a trip is discarded, never recorded.  With the
watch disabled, the proof of the pump still holds: a point that cannot
prove it ends the run.  *suspend*: the bench goes
to its safe state (lasers off), the run waits until the condition clears
(checking every ``poll_s``), puts the lasers back as they were, and measures
the point again; if the condition has not cleared within ``max_wait_s``,
the run is aborted.  A condition judged only by measuring again (saturation,
pump drift) has cleared when a measurement passes: it has ``max_wait_s``
from the point's first trip, over all its measurements, so a pump that stays
off its setpoint ends the run instead of measuring the point forever.
*abort*: the run ends at once, in the safe state, with the reason in its
record.
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

    def check(self, procedure, point: str = "") -> Trip | None:
        """The first condition the point just measured fails, or None (the point may be committed)."""
        for condition in ("interlock", "pump_drift", "temperature", "saturation"):
            message = getattr(self, f"_{condition}")(procedure, point)
            if message:
                spec = getattr(self.spec, condition)
                if not self.spec.enabled:  # nothing to ride out with, but never a point that lies
                    return Trip(condition, message, "abort", spec.max_wait_s)
                return Trip(condition, message, spec.action, spec.max_wait_s)
        return None

    def interlock_trip(self, message: str) -> Trip:
        """The interlock condition, for a laser that refused to come on."""
        spec = self.spec.interlock
        return Trip("interlock", message, spec.action if self.spec.enabled else "abort", spec.max_wait_s)

    @staticmethod
    def judged_by_measuring(trip: Trip) -> bool:
        """Whether the condition can only be judged with the light back on, by measuring the point again
        (saturation, pump drift), rather than watched clearing with the lasers off (interlock, temperature)."""
        return trip.condition not in ("interlock", "temperature")

    def cleared(self, trip: Trip, procedure) -> bool:
        """Whether a suspended run may carry on (with the lasers still off)."""
        if self.judged_by_measuring(trip):
            return True  # only measuring the point again can tell
        if trip.condition == "interlock":
            return all(laser.interlock_ok for laser in self.bench.lasers.values())
        return not self._temperature(procedure, "")

    # -- the conditions ---------------------------------------------------------------------------
    def _interlock(self, procedure, point: str) -> str | None:
        lost = []
        for name, laser in self.bench.lasers.items():
            if laser.emission_wanted and not laser.emission:
                why = "interlock open" if not laser.interlock_ok else "interlock tripped and closed again, or a fault"
                lost.append(f"{name} ({why})")
        if lost:
            where = f" during point {point}" if point else ""
            return f"emission lost{where}: {', '.join(lost)}"
        return None

    def _temperature(self, procedure, point: str) -> str | None:
        if not self.spec.enabled:
            return None
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

    def _saturation(self, procedure, point: str) -> str | None:
        if not self.spec.enabled:
            return None
        fraction = self.spec.saturation.fraction
        for name, counter in self.bench.by_role("photon_counter").items():
            peak = counter.peak_rate_s()
            if peak > fraction * counter.limits.max_count_rate_s:
                return (f"{name} counted {peak:.3g} /s, over {fraction:.0%} of its "
                        f"{counter.limits.max_count_rate_s:.3g} /s maximum")
        return None

    def _pump_drift(self, procedure, point: str) -> str | None:
        fraction = self.spec.pump_drift.fraction
        for laser, measured, setpoint in getattr(procedure, "pump_readings", ()):
            if setpoint > 0 and abs(measured / setpoint - 1.0) > fraction:
                return (f"{laser.name} delivered {measured:.4g} W for a {setpoint:.4g} W setpoint, "
                        f"more than {fraction:.0%} off")
        return None
