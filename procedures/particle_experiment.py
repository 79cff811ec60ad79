"""What experiments on one particle under the pump share: instruments, the dark rate, aiming, the threshold.

Every measurement here is a point (see :meth:`BenchProcedure.point`), so a
resumed run neither repeats nor skips any, and decides alike: the particle
parked on is remembered, and the threshold search replays its recorded
readings.  Each experiment turns a reading into a row of its own table with
:meth:`ParticleExperiment.reading_row`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, Parameter

from .analysis.threshold import avalanche_threshold
from .base import BenchProcedure
from .scanning import locate_particle
from .settling import read_when_settled
from .threshold_finder import home_in

#: Most values a list parameter may hold (each is a step of the run: thousands are a typo, or an attack).
MAX_LIST = 1000

#: Relative Poisson error of the dark rate (400 counts: 4 s at 100 dark counts/s).  The dark rate is
#: subtracted from every point, so its error is common to all of them; at this precision it equals one
#: point's own counting error (400 counts) where the emission is still at background, and is at most a
#: third of it from three times the dark rate up, where the S-curve's step is fitted (there it adds at
#: most 5 % in quadrature).  A 1000-count (3 %) dark point would cost 2.5x the bench time for less.
DARK_RELATIVE_ERROR = 0.05
#: How long a dark reading stays valid for reuse (bench time, s): within a run and across a sequence's runs.
DARK_MAX_AGE_S = 600.0
#: Exposure of the particle search (kW/cm^2 x s): its coarse dwell is this over the search intensity.  The
#: avalanche lights a particle only after about its rise time, which far above threshold falls as 1/intensity
#: (tm-1064 at 295 K: t90 17.5 ms at 30 kW/cm^2, 8.7 ms at 60).  On the default bench the shortest dwell at
#: which the search found a particle on each of six sample seeds was 15 ms at 30 kW/cm^2, 10 at 45, 7 at 60 and
#: 5-6 at 80: an exposure of 0.42-0.45; 0.5 leaves a margin, and a slower particle (another material or
#: temperature) is found by the search doubling its dwell (at most twice).
SEARCH_EXPOSURE_KW_S_CM2 = 0.5
SEARCH_DOUBLINGS = 2


def search_scans(intensity_kw_cm2: float) -> dict:
    """The dwells of :func:`.scanning.locate_particle` at a search intensity (see SEARCH_EXPOSURE_KW_S_CM2)."""
    dwell = SEARCH_EXPOSURE_KW_S_CM2 / intensity_kw_cm2
    return {"coarse_dwell_s": dwell, "fine_dwell_s": dwell, "longest_dwell_s": dwell * 2**SEARCH_DOUBLINGS}


def parse_list(text: str, what: str) -> list[float]:
    """Comma-separated positive numbers, e.g. '5, 6.5, 8' (at most MAX_LIST of them)."""
    text = str(text)
    if text.count(",") + text.count(";") >= MAX_LIST:
        raise ValueError(f"{what}: more than {MAX_LIST} values")
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers, not {text[:80]!r}") from None
    if not values or any(not np.isfinite(v) or v <= 0 for v in values):
        raise ValueError(f"{what} must be positive numbers, not {text[:80]!r}")
    return values


def parse_xy(text: str, what: str, words: tuple[str, ...]) -> tuple[float, float] | str:
    """One of ``words``, or a position ``x,y`` in um (ValueError naming ``what`` otherwise)."""
    text = text.strip().lower()
    if text in words:
        return text
    choices = "".join(f"'{word}' or " for word in words)
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{what} must be {choices}'x,y' in um, not {text[:80]!r}") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise ValueError(f"{what} must be {choices}'x,y' in um with finite numbers, not {text[:80]!r}")
    return x, y


def parse_target(text: str) -> tuple[float, float] | str:
    """``brightest``, ``here`` or ``x,y`` in um."""
    return parse_xy(text, "target", ("brightest", "here"))


class ParticleExperiment(BenchProcedure):
    """Shared parameters and steps of experiments on one particle under the pump laser."""

    laser = Parameter("Pump laser", default="")
    counter = Parameter("Photon counter", default="")
    power_meter = Parameter("Power meter", default="")
    scanner = Parameter("Scanner", default="")
    target = Parameter("Target (brightest, here, or x,y in um)", default="brightest")
    search_intensity = FloatParameter("Search intensity", units="kW/cm^2", default=60.0, minimum=0.01, maximum=1e5)

    def reading_row(self, kind: str, intensity_kw_cm2: float, counts: int, seconds: float) -> dict:
        """A data row for a dark reading (``kind`` "dark") or a threshold-search reading ("locate")."""
        raise NotImplementedError

    def resolve_instruments(self) -> None:
        self.pump = self.instrument("laser", self.laser)
        self.detector = self.instrument("photon_counter", self.counter)
        meters = self.bench.by_role("power_meter")
        self.meter = (self.instrument("power_meter", self.power_meter)
                      if (self.power_meter or len(meters) == 1) else None)
        scanners = self.bench.by_role("scanner")
        self.galvo = self.instrument("scanner", self.scanner) if (self.scanner or len(scanners) == 1) else None
        target = parse_target(self.target)
        if isinstance(target, tuple) and self.galvo is not None:
            self.galvo.check_reach(*target)  # before anything moves, not when the beam is sent there
        self.watched_pump = (self.pump, self.meter)

    def power_for(self, intensity_kw_cm2: float) -> float:
        return self.bench.beam_power_for_intensity(self.pump.name, intensity_kw_cm2)

    def check_powers(self, *intensities: float) -> None:
        """Refuse before anything moves if an intensity needs more pump power than the bench allows."""
        self.check_intensities(self.pump, *intensities)

    def pump_on(self, intensity_kw_cm2: float) -> None:
        self.pump.set_power(self.power_for(intensity_kw_cm2))
        self.pump.ensure_emission()

    def log_info(self, message: str) -> None:
        logging.getLogger(type(self).__module__).info(message)

    # -- points every particle experiment takes ---------------------------------------------------
    def dark_rate(self, gate_s: float, *, key: str = "dark", relative_error: float = DARK_RELATIVE_ERROR,
                  max_s: float = 10.0) -> float:
        """Point ``key``: counts with the pump off, the background of everything after; returns the rate.

        Counts until the rate's Poisson relative error is ``relative_error``
        (1 / relative_error**2 counts), or for ``max_s``, and at least ten
        gates.  A dark reading taken on this detector earlier in the run, or
        by the run before in a sequence, is reused while it is valid (see
        :meth:`reusable_dark`): the point then records that reading again.
        """
        target = int(np.ceil(1.0 / relative_error**2))

        def measure() -> dict:
            earlier = self.reusable_dark()
            if earlier is not None:
                self.log_info(f"dark rate reused: {earlier['counts']} counts in {earlier['seconds']:.3g} s, "
                              f"{self.clock.now() - earlier['at_s']:.0f} s old")
                return self.reading_row("dark", 0.0, earlier["counts"], earlier["seconds"])
            self.pump.emission_off()
            counts, counted = 0, 0.0
            self.phase("dark count")
            while (counts < target and counted < max_s) or counted < 10 * gate_s - 1e-12:
                counts += self.detector.count(gate_s)
                counted += gate_s
                # Done once enough counts (or time) and ten gates: the nearer of the two is how far along.
                self.phase("dark count", min(max(counts / max(target, 1), counted / max_s),
                                             counted / (10 * gate_s)))
            self.remember("dark_reading", {"counts": int(counts), "seconds": counted, "at_s": self.clock.now(),
                                           **self._dark_conditions()})
            return self.reading_row("dark", 0.0, counts, counted)

        (row,) = self.point(key, measure)
        return row["counts"] / row["gate_s"]

    def _dark_conditions(self) -> dict:
        """What a dark reading depends on besides time: the detector, and the temperature the run holds."""
        held = self.held_temperature
        return {"detector": self.detector.name, "kelvin": None if held is None else float(held[1])}

    def reusable_dark(self) -> dict | None:
        """The dark reading remembered (this run's, or inherited from the run before in a sequence), if valid.

        Valid while it was taken on the same detector at the same held
        temperature (none, or the same kelvin) and is at most
        ``DARK_MAX_AGE_S`` of bench time old: dark counts follow the
        detector's temperature and stray light, which may drift over a
        longer stretch.  A bench clock that went backwards (a new bench)
        makes it invalid.
        """
        earlier = self.recall("dark_reading")
        if not earlier or any(earlier.get(k) != v for k, v in self._dark_conditions().items()):
            return None
        age = self.clock.now() - float(earlier.get("at_s", -np.inf))
        return earlier if 0.0 <= age <= DARK_MAX_AGE_S else None

    def aim(self) -> None:
        """Point ``aim``: park the beam on the target particle (a resumed run finds it parked there)."""
        target = parse_target(self.target)
        if self.galvo is None or target == "here":
            return
        if self.completed("aim"):
            # Parked before the run was resumed.  A restored simulated bench has the beam where it was;
            # a real one may have drifted since (or lost its galvo voltages): find the particle again.
            if not self.restored and isinstance(target, str):
                self._park(target)
            elif not self.restored:
                self.galvo.move_to(*target)
            return
        self.point("aim", lambda: self._park(target))

    def _park(self, target) -> None:
        if isinstance(target, tuple):
            self.galvo.move_to(*target)
            self.remember("parked_um", list(target))
            return
        self.pump_on(self.search_intensity)
        parked = self.recall("parked_um")
        self.phase("particle search")

        def searched(fraction: float) -> None:
            self.phase("particle search", fraction)

        if parked is not None:
            # The particle found before (earlier in this run, or by the item before in a sequence): find it
            # again close by, since the stage may have drifted.
            x, y, _ = locate_particle(self.galvo, self.detector, centre_um=tuple(parked), search_um=0.4,
                                      coarse_pixels=9, on_progress=searched, on_retry=self.log_info,
                                      **search_scans(self.search_intensity))
            self.log_info(f"parked on the particle found before, now at ({x:.3f}, {y:.3f}) um")
        else:
            x, y, _ = locate_particle(self.galvo, self.detector, on_progress=searched, on_retry=self.log_info,
                                      **search_scans(self.search_intensity))
            self.log_info(f"parked on the brightest particle at ({x:.3f}, {y:.3f}) um")
        self.remember("parked_um", [x, y])

    def settled_reading(self, intensity_kw_cm2: float, *, gate_s: float = 0.05, min_counts: int = 200,
                        max_integration_s: float = 2.0):
        """Set the pump and read the emission once it has settled."""
        self.pump.set_power(self.power_for(intensity_kw_cm2))
        return read_when_settled(self.detector, self.clock, gate_s=gate_s, readings=3, max_wait_s=10.0,
                                 min_counts=min_counts, max_integration_s=max_integration_s,
                                 should_stop=self.should_stop)

    def locate_threshold(self, low: float, high: float, background: float, *, precision: float = 0.02,
                         gate_s: float = 0.05) -> tuple[float, list[dict]]:
        """The threshold of the particle under the beam, homed in on with settled readings (points locate-N).

        Returns the threshold and the rows recorded for it.
        """
        self.pump_on(low)
        rows: list[dict] = []
        most = 30  # readings home_in may take (it usually stops sooner): the phase's fraction is an upper bound
        self.phase("threshold location")

        def measure(intensity: float) -> tuple[float, float]:
            def read() -> dict:
                reading = self.settled_reading(intensity, gate_s=gate_s)
                return self.reading_row("locate", self.delivered(intensity)[1], reading.counts, reading.gate_s)

            (row,) = self.point(f"locate-{len(rows)}", read)
            rows.append(row)
            self.phase("threshold location", len(rows) / most)
            return row["counts"] / row["gate_s"] - background, np.sqrt(max(row["counts"], 1)) / row["gate_s"]

        home_in(measure, low, high, survey_points=10, precision=precision, max_points=most,
                should_stop=self.should_stop)
        if self.should_stop():
            return float("nan"), rows
        table = pd.DataFrame([{"intensity_kw_cm2": r["intensity_kw_cm2"], "counts": r["counts"],
                               "gate_s": r["gate_s"], "count_rate_s": r["counts"] / r["gate_s"]} for r in rows])
        threshold = avalanche_threshold(table, background=background).threshold_kw_cm2
        self.log_info(f"threshold located at {threshold:.4g} kW/cm^2 from {len(rows)} settled readings")
        return threshold, rows

    def delivered(self, intensity_kw_cm2: float) -> tuple[float, float]:
        """The beam power (W) and peak intensity (kW/cm^2) measured now with the pump set for ``intensity_kw_cm2``.

        What a reading's row records: the intensity the particle saw, not the one asked for.  The laser
        reaches a setpoint only in steps (coarse at low power) and within its calibration, and near the
        threshold the emission changes by the slope S (30-80) times the intensity's relative error: a 1 %
        error there is a factor of 2 in the emission, and the threshold would follow the setpoint's error.
        """
        beam = self.beam_power_now(self.power_for(intensity_kw_cm2))
        return beam, self.bench.peak_intensity_kw_cm2(self.pump.name, beam)

    def beam_power_now(self, setpoint_w: float) -> float:
        """Laser output from the pick-off power meter if there is one, else the laser's own reading.

        The reading is also the point's proof that the pump delivered its setpoint."""
        measured = self.meter.beam_power_w() if self.meter is not None else self.pump.power_w
        self.record_pump_reading(self.pump, measured, setpoint_w)
        return measured
