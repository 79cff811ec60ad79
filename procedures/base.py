"""The base of every anplab experiment: a pymeasure Procedure that runs on a bench.

The same procedure runs from the GUI, ``anplab run``, an overnight sequence
and pytest: whoever runs it may hand it an open bench; otherwise it opens the
bench named by its ``bench_file`` parameter (empty: the built-in simulated
bench) at startup.  ``shutdown`` always puts the bench in its safe state.
Procedures talk only to roles, never to vendor commands.

Parameter names and units are plain ASCII ("kW/cm^2", "um"): pymeasure
writes non-ASCII header values escaped and then cannot read its own data
file back.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from pymeasure.experiment import Parameter, Procedure

from anplab.instruments.bench import Bench
from anplab.instruments.errors import IntensityOutOfReach, InterlockOpen, check_limit

from .records import batch
from .suspenders import ConditionAbort, Suspenders, Trip

log = logging.getLogger(__name__)


class StopRequested(Exception):
    """A stop was asked for while a point could not be finished truthfully: the run ends as stopped."""

#: Built-in benches by name (files in anplab.instruments).
BUILT_IN_BENCHES = {"simulated": "default_bench.yaml", "simulated-film": "film_bench.yaml"}


def open_bench(name_or_path: str | None, *, realtime: bool | None = None, seed: int | None = None) -> Bench:
    """Open a built-in bench by name, or a bench file by path.

    ``realtime`` overrides a simulated bench's clock (the GUI runs simulated benches in real time);
    ``seed`` its simulation's random seed (ValueError for real hardware).
    """
    from anplab.instruments.bench_file import load_bench, parse_bench

    if not name_or_path or name_or_path in BUILT_IN_BENCHES:
        filename = BUILT_IN_BENCHES[name_or_path or "simulated"]
        text = resources.files("anplab.instruments").joinpath(filename).read_text(encoding="utf-8")
        config = parse_bench(text, f"built-in bench {name_or_path or 'simulated'}").with_seed(seed)
        bench = Bench.open(config, realtime=realtime)
        bench.source = f"built-in:{name_or_path or 'simulated'}"
        return bench
    if seed is None:
        return Bench.open(name_or_path, realtime=realtime)
    config = load_bench(name_or_path).with_seed(seed)
    bench = Bench.open(config, realtime=realtime)
    bench.source = str(Path(name_or_path).resolve())  # as Bench.open records a file it reads itself
    return bench


class BenchProcedure(Procedure):
    """A pymeasure procedure bound to a bench, with a safe state on every way out."""

    #: The built-in bench this experiment runs on when none is given.
    DEFAULT_BENCH = "simulated"
    #: Short name used on the command line and in run folders.
    NAME = "procedure"

    bench_file = Parameter("Bench (file or built-in name)", default="")

    def __init__(self, bench: Bench | None = None, **kwargs):
        self.bench = bench
        self._owns_bench = False
        self.sink = None  # the run folder, when a runner attaches one
        self.safe_state_problems: list[str] = []
        self._replay: dict[str, list[dict]] = {}  # points completed before a resume, with their rows
        self._memory: dict = {}  # decisions a resumed run must repeat
        self._checkpoint: bytes | None = None  # the simulated world at the last commit, for a resume
        self._bench_time_s: float | None = None  # the bench clock at the last commit, for a resume
        #: The session of the run this procedure measures in (1, then one more per resume).
        self.session = 1
        #: Whether the bench was put back as it was at the last commit (a resumed run on a simulated bench).
        self.restored = False
        self.suspensions: list[dict] = []  # every time a watched condition suspended the run
        #: Every point measured in vain (its pump was not as asked, a condition tripped): never committed.
        self.discarded: list[dict] = []
        #: Pump readings taken during the current point: (laser, measured W, setpoint W).
        self.pump_readings: list[tuple[object, float, float]] = []
        #: What the watched conditions check (set by procedures): (laser, power meter or None) ...
        self.watched_pump = None
        #: ... and (controller, kelvin) while the run holds the cryostat at a temperature.
        self.held_temperature = None
        self._watch: Suspenders | None = None  # made at the first point, forgetting what came before the run
        self._phase: tuple[str, float, float, str] | None = None  # (name, fraction, step, detail) of phase()
        super().__init__(**kwargs)

    @classmethod
    def from_run_folder(cls, folder, metadata: dict, bench: Bench | None = None) -> BenchProcedure:
        """The procedure as it was set up for the run in ``folder`` (override for what parameters cannot hold)."""
        return cls(bench=bench, **metadata["parameters"])

    # -- lifecycle -------------------------------------------------------------------------
    def startup(self) -> None:
        if self.bench is None:
            self.bench = open_bench(self.bench_file or self.DEFAULT_BENCH)
            self._owns_bench = True
        self.check_against_bench()

    def shutdown(self) -> None:
        if self.bench is None:
            return
        self.safe_state_problems = self.bench.safe_state()
        for problem in self.safe_state_problems:
            log.error("safe state: %s", problem)
        if self._owns_bench:
            self.bench.close()

    def check_against_bench(self) -> None:
        """Refuse parameters the bench cannot honour, before any instrument moves (override)."""

    def check_intensities(self, laser, *intensities_kw_cm2: float) -> None:
        """Refuse peak intensities that would need more power from ``laser`` than its bench limit."""
        limit_w = laser.limits.max_power_w
        for intensity in intensities_kw_cm2:
            power_w = self.bench.beam_power_for_intensity(laser.name, intensity)
            if math.isfinite(power_w) and power_w > limit_w:  # say what can be reached, in the experiment's terms
                raise IntensityOutOfReach(laser.name, intensity, power_w, limit_w,
                                          self.bench.peak_intensity_kw_cm2(laser.name, limit_w))
            check_limit(laser.name, f"power for {intensity:g} kW/cm^2", power_w, 0.0, limit_w, "W")

    # -- helpers for execute() ------------------------------------------------------------
    def instrument(self, role: str, name: str):
        """The bench instrument of ``role`` called ``name`` (empty: the only one of that role)."""
        return self.bench._one(role, name or None)

    @property
    def clock(self):
        return self.bench.clock

    def wait(self, seconds: float, *, poll_s: float = 0.25) -> None:
        """Let bench time pass; in real time, wake up regularly to honour a stop request."""
        if not getattr(self.clock, "realtime", False):
            self.clock.sleep(seconds)
            return
        remaining = seconds
        while remaining > 0 and not self.should_stop():
            step = min(poll_s, remaining)
            self.clock.sleep(step)
            remaining -= step

    # -- points: the unit of work that is committed, and skipped when a run resumes ------------
    def point(self, key: str, measure: Callable[[], list[dict] | dict | None]) -> list[dict]:
        """Measure one point, prove it, record its rows and commit it; returns the rows.

        ``measure`` returns the point's data rows (a dict, a list of dicts, or
        None for a step that records nothing but must not be repeated); rows
        it emits itself as it goes (``self.emit("results", row)``, for live
        plots of a long point) belong to the point too.  When it is done the
        point must prove that it measured what it claims (see
        :class:`~anplab.procedures.suspenders.Suspenders`): every laser the run
        wants on still emitting, its measured power (the readings the point
        took) at the setpoint, no watched condition tripped.  A point that
        cannot prove it is discarded, rows and all, and measured again after
        the condition is ridden out (or the run ends, by the bench's policy).
        The rows reach the disk, then the point is committed, so a run killed
        mid-point resumes at this point with nothing of it on disk.  A point
        committed before a resume is not measured again: its rows are
        returned as read back from disk, so adaptive procedures replay the
        same decisions.  Keys must be unique within a run and the same from
        one session to the next.
        """
        if key in self._replay:
            return self._replay[key]
        watch = self._suspenders()
        first_trip_s: dict[str, float] = {}  # per condition: when this point first failed it
        while True:
            self.pump_readings = []
            try:
                rows = measure()
            except InterlockOpen as refused:  # the door was open before the pump could come on: wait for it
                if watch is None:
                    raise
                rows, trip = None, watch.interlock_trip(f"{refused}")
            else:
                trip = watch.check(self, key) if watch is not None else None
            if trip is None:
                break
            self._discard(key, trip)
            if self.should_stop():
                raise StopRequested(f"stopped while point {key} was being measured again: {trip.message}")
            self._ride_out(watch, trip, key, first_trip_s.setdefault(trip.condition, self.clock.now()))
        rows = [] if rows is None else [rows] if isinstance(rows, dict) else list(rows)
        if rows:
            self.emit("batch results", batch(rows))  # pymeasure's form: its Worker records it too
        self._commit(key)
        return rows

    def _suspenders(self) -> Suspenders | None:
        if self._watch is None and self.bench is not None:
            self._watch = Suspenders(self.bench)
            self._watch.forget_before(self)
        return self._watch

    def _discard(self, key: str, trip: Trip) -> None:
        """Forget a point measured in vain: its rows and images leave the run folder, the record says why."""
        dropped = self.sink.discard_pending() if self.sink is not None else 0
        record = {"point": key, "condition": trip.condition, "reason": trip.message, "at_s": self.clock.now(),
                  "rows_dropped": dropped}
        self.discarded.append(record)
        log.warning("point %s discarded: %s", key, trip.message)
        self.emit("point discarded", record)

    def _commit(self, key: str) -> None:
        """Commit point ``key``: the simulated world's checkpoint first, then the ledger entry."""
        if self.sink is None:
            return
        entries = self.sink.entries + 1
        blob = self.bench.checkpoint() if self.bench is not None else None
        if blob is not None:
            self.sink.write_checkpoint(entries, blob)
        self.sink.commit_point(key, session=self.session, bench_s=self.clock.now())
        if blob is not None:
            self.sink.forget_checkpoints_before(entries)

    def record_pump_reading(self, laser, measured_w: float, setpoint_w: float) -> None:
        """A reading of ``laser``'s output taken during the current point: the proof that the pump was as set."""
        self.pump_readings.append((laser, float(measured_w), float(setpoint_w)))

    def _ride_out(self, watch: Suspenders, trip: Trip | None, key: str, first_trip_s: float) -> None:
        """Handle a tripped condition: abort, or suspend in the safe state until it clears.

        ``first_trip_s``: when point ``key`` first failed this condition.  One judged only by measuring
        again gets ``max_wait_s`` from then, over all the point's measurements (suspenders module).
        """
        if trip is None:
            return
        record = {"condition": trip.condition, "message": trip.message, "action": trip.action, "point": key,
                  "at_s": self.clock.now()}
        self.suspensions.append(record)
        if trip.action == "abort":
            record["outcome"] = "aborted"
            raise ConditionAbort(trip.message)
        failing_s = self.clock.now() - first_trip_s
        if watch.judged_by_measuring(trip) and failing_s >= trip.max_wait_s:
            record["outcome"] = "gave up"
            attempts = sum(1 for earlier in self.suspensions
                           if earlier["point"] == key and earlier["condition"] == trip.condition)
            raise ConditionAbort(f"{trip.message}; not cleared after {trip.max_wait_s:g} s (point {key} measured "
                                 f"{attempts} times over {failing_s:.0f} s)")
        log.warning("suspended at point %s: %s", key, trip.message)
        lasers = [(laser, laser.power_setpoint_w, laser.emission_wanted) for laser in self.bench.lasers.values()]
        self.bench.safe_state()
        deadline = self.clock.now() + trip.max_wait_s
        while not watch.cleared(trip, self):
            if self.clock.now() >= deadline or self.should_stop():
                record["outcome"] = "gave up" if not self.should_stop() else "stopped"
                raise ConditionAbort(f"{trip.message}; not cleared after {trip.max_wait_s:g} s")
            self.wait(watch.spec.poll_s)
        for laser, setpoint, emitting in lasers:
            laser.set_power(setpoint)
            if emitting:
                laser.emission_on()
        record.update(outcome="resumed", resumed_at_s=self.clock.now())
        log.info("resumed at point %s after %.1f s", key, record["resumed_at_s"] - record["at_s"])

    def watch_temperature(self, controller, kelvin: float | None) -> None:
        """From now on, a reading of ``controller`` outside the watch band around ``kelvin`` is a
        suspending condition (None: stop watching).  Readings from before, while the cryostat was
        still on its way, do not count."""
        if kelvin is None:
            self.held_temperature = None
            return
        controller.reading_range()
        self.held_temperature = (controller, kelvin)

    def completed(self, key: str) -> bool:
        """Whether point ``key`` was committed in an earlier session of this run."""
        return key in self._replay

    def remember(self, name: str, value) -> None:
        """Keep a decision (JSON-able) so that a resumed run makes the same one."""
        self._memory[name] = value
        if self.sink is not None:
            self.sink.write_state(self._memory)

    def recall(self, name: str, default=None):
        return self._memory.get(name, default)

    def inherit(self, memory: dict) -> None:
        """Start from decisions made by an earlier run (the particle a sequence works on)."""
        self._memory.update(memory)

    def resume_with(self, replay: dict[str, list[dict]], memory: dict, *, checkpoint: bytes | None = None,
                    bench_time_s: float | None = None) -> None:
        """Before execute(): the points already on disk (with their rows), the decisions made, the simulated
        world as it was at the last commit, and the bench time then."""
        self._replay = dict(replay)
        self._memory = dict(memory)
        self._checkpoint = checkpoint
        self._bench_time_s = bench_time_s

    def continue_bench_time(self) -> float:
        """Once the bench is open: carry on where the run left off (the simulated world as it was at the last
        commit; on real hardware, the bench clock continuing from then); returns the bench time now."""
        if self._checkpoint is not None and self.bench.simulation is not None:
            try:
                self.bench.restore(self._checkpoint)
                self.restored = True
            except ValueError as error:  # not made here, altered or unreadable: carry on as a real bench would
                log.warning("resuming without the simulated world's checkpoint: %s", error)
        if not self.restored and self._bench_time_s is not None:
            self.bench.clock.continue_from(self._bench_time_s)
        self._checkpoint = None
        return self.clock.now()

    def progress(self, fraction: float) -> None:
        self.emit("progress", max(0.0, min(100.0, 100.0 * fraction)))

    # -- phases: what the run is doing now, for progress displays ----------------------------------
    def phase(self, name: str, fraction: float = 0.0, *, step: float = 0.0, detail: str = "") -> None:
        """Say which phase of the run this is (``name``) and how far through it (``fraction``, 0..1).

        Emitted as a ``phase`` record ``{"name", "fraction", "detail"}``; a phase lasts until one with
        another name is reported, and a display can time it for an ETA; ``detail`` says where in the
        phase the run is ("250 K, 2 of 4") without starting a new one.  ``progress`` is the run's main loop,
        phases are every stretch of it, including those before the main loop (dark count, particle
        search, threshold location).  ``step``: the share of the phase the step now starting takes;
        images scanned during it (:meth:`image_rows`) move the fraction on as their rows come in.
        Phases are for displays only: nothing is recorded, and a runner that does not know the topic
        ignores it.
        """
        fraction = float(min(1.0, max(0.0, fraction))) if np.isfinite(fraction) else 0.0
        self._phase = (str(name), fraction, max(0.0, float(step)), str(detail))
        self.emit("phase", {"name": str(name), "fraction": fraction, "detail": str(detail)})

    def _phase_within(self, done: float) -> None:
        """The step begun by the last :meth:`phase` call is ``done`` (0..1) through."""
        if self._phase is not None and self._phase[2] > 0:
            name, fraction, step, detail = self._phase
            self.emit("phase", {"name": name, "fraction": min(1.0, fraction + step * min(1.0, max(0.0, done))),
                                "detail": detail})

    def store_image(self, name: str, image, **attributes) -> None:
        """Save an image (and its axes/metadata) with the run; live viewers get it too."""
        if self.sink is not None:
            self.sink.store_image(name, image, **attributes)
        self.emit("image", {"name": name, "image": image, **attributes})

    def image_rows(self, name: str, shape: tuple[int, int], **attributes) -> Callable[[int, np.ndarray], None]:
        """A callback for scan_image that shows live viewers image ``name`` filling in (nothing is stored)."""
        def show(first: int, rows: np.ndarray) -> None:
            self.emit("image rows", {"name": name, "shape": shape, "first_row": first, "rows": rows, **attributes})
            self._phase_within((first + rows.shape[0]) / max(1, shape[0]))
        return show

    # -- after the run ----------------------------------------------------------------------
    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        """The numbers the researcher is after, from the recorded data (override)."""
        return {}

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        """Matplotlib figures worth looking at, by file stem (override)."""
        return {}
