"""Particle survey: find every particle in a field, then measure each in turn.

An overview (one image, or a grid of tiles) at a pump well above threshold
finds the particles; then, particle by particle, the beam is parked on it, its
threshold is homed in on with settled readings (:func:`.threshold_finder.home_in`),
an S-curve is read around that threshold, and rise and decay traces are taken
at a chosen multiple of it; with several temperatures, all three at each of
them in turn (the cryostat settled first).  Every step is a point, keyed by the
particle (and temperature), so a resumed survey continues at the next step of
the particle it was on; each particle ends with a ``result`` row.  The analysis
gives one row per particle and temperature (summary.json and particles.csv), a
map of the thresholds over the field, histograms and correlation plots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from .analysis.particles import find_particles
from .analysis.survey import (
    AIM,
    CANDIDATE,
    DARK,
    DECAY,
    LOCATE,
    QUANTITIES,
    RESULT,
    RISE,
    SCURVE,
    first_temperature,
    particle_table,
    survey_summary,
)
from .analysis.threshold import avalanche_threshold
from .hold_temperature import settle_at
from .particle_experiment import ParticleExperiment, parse_list, parse_xy, search_scans
from .rise_parameters import RiseParameters, with_default
from .rise_time import DECAY as TRACE_DECAY
from .rise_time import RiseTime
from .scanning import locate_particle, scan_image
from .threshold_finder import home_in

#: Candidates closer than this (um) are one particle seen twice (tiles overlap, or a double peak).
SAME_PARTICLE_UM = 0.6
#: Tiles overlap by this much (um), so a particle on a border is whole in at least one of them.
TILE_OVERLAP_UM = 0.6


SURVEY_DARK_RELATIVE_ERROR = 0.02


class ParticleSurvey(RiseParameters, ParticleExperiment):
    """Every particle of a field: threshold, S-curve and rise time of each, with their spread over the field."""

    NAME = "particle-survey"

    field_centre = Parameter("Field centre (x,y in um)", default="0,0")
    field_size = FloatParameter("Field side", units="um", default=20.0, minimum=0.5, maximum=10000.0)
    tiles = IntegerParameter("Tiles per side", default=1, minimum=1, maximum=50)
    overview_pixels = IntegerParameter("Overview pixels per tile side", default=80, minimum=8, maximum=2048)
    overview_dwell = FloatParameter("Overview dwell per pixel", units="s", default=0.02, minimum=1e-5, maximum=10.0)
    # Far above threshold: a particle the beam passes for a few pixels must avalanche within them (the
    # rise from dark takes ~15 ms at 30 kW/cm^2 and ~5 ms at 100 kW/cm^2 on the built-in bench).
    overview_intensity = FloatParameter("Overview intensity", units="kW/cm^2", default=60.0, minimum=0.01,
                                        maximum=1e5)
    max_particles = IntegerParameter("Most particles to measure (0 = all found)", default=0, minimum=0,
                                     maximum=100000)
    min_intensity = FloatParameter("Lowest search intensity", units="kW/cm^2", default=1.5, minimum=1e-3,
                                   maximum=1e5)
    max_intensity = FloatParameter("Highest search intensity", units="kW/cm^2", default=25.0, minimum=1e-3,
                                   maximum=1e5)
    survey_points = IntegerParameter("Threshold search survey points", default=8, minimum=4, maximum=200)
    search_points = IntegerParameter("Threshold search most points", default=18, minimum=5, maximum=1000)
    precision = FloatParameter("Threshold search precision (relative)", default=0.02, minimum=1e-4,
                               maximum=0.5)
    scurve_factors = Parameter("S-curve factors of the threshold", default="0.85,0.93,1.07,1.15,1.3,1.6")
    gate = FloatParameter("Counting gate", units="s", default=0.05, minimum=1e-4, maximum=60.0)
    rise_factor = FloatParameter("Rise time at this multiple of the threshold (0 = none)", default=1.5,
                                 minimum=0.0, maximum=100.0)
    temperatures = Parameter("Temperatures (K, comma-separated; each particle measured at each; empty = as it is)",
                             default="")
    cryostat = Parameter("Temperature controller", default="")
    stability_band = FloatParameter("Stability band", units="K", default=0.5, minimum=0.001, maximum=50.0)
    hold = FloatParameter("Hold within the band", units="s", default=10.0, minimum=0.0, maximum=3600.0)
    stability_timeout = FloatParameter("Longest wait for stability", units="s", default=1800.0, minimum=1.0,
                                       maximum=86400.0)
    # The rise-trace settings are the rise-time experiment's (RiseParameters); a survey's rises are fewer and shorter.
    target_counts = with_default(RiseParameters.target_counts, 5000, "Signal counts to collect per rise")
    max_repeats = with_default(RiseParameters.max_repeats, 4, "Most traces summed per rise")
    rise_duration = with_default(RiseParameters.rise_duration, 2.0)

    DATA_COLUMNS = ["particle", "kind", "x_um", "y_um", "intensity_kw_cm2", "temperature_k", "time_s", "counts",
                    "gate_s", "threshold_kw_cm2"]

    # The rise-time experiment's trace steps, used as they are (they read the parameters above).
    rise_and_decay = RiseTime.rise_and_decay
    trace_rows = RiseTime.trace_rows

    # -- checks before anything moves -----------------------------------------------------------
    def check_against_bench(self) -> None:
        self.resolve_instruments()
        if self.galvo is None:
            raise ValueError("a particle survey needs a scanner to image the field")
        if self.max_intensity <= self.min_intensity:
            raise ValueError(f"highest search intensity ({self.max_intensity}) must exceed the lowest "
                             f"({self.min_intensity})")
        factors = parse_list(self.scurve_factors, "S-curve factors")
        self.check_powers(self.search_intensity, self.overview_intensity, self.max_intensity,
                          self.max_intensity * max(factors + [self.rise_factor]))
        for x, y in self.tile_corners():
            self.galvo.check_reach(x, y)
        self.check_trace_bins(self.detector.limits.max_bins, self.detector.name)
        self.controller = None
        kelvins = self.kelvins()
        if kelvins:
            self.controller = self.instrument("temperature_controller", self.cryostat)
            limits = self.controller.limits
            for kelvin in kelvins:
                if not limits.min_k <= kelvin <= limits.max_k:
                    raise ValueError(f"{self.controller.name}: temperature {kelvin:g} K is outside its limits "
                                     f"{limits.min_k:g}..{limits.max_k:g} K")

    def kelvins(self) -> list[float]:
        return parse_list(self.temperatures, "temperatures") if self.temperatures.strip() else []

    def centre(self) -> tuple[float, float]:
        return parse_xy(self.field_centre, "field centre", ())

    def tile_grid(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The pixel axes (x, y in um) of every tile, row by row."""
        cx, cy = self.centre()
        side = self.field_size / self.tiles
        tiles = []
        for row in range(self.tiles):
            for col in range(self.tiles):
                x0 = cx - self.field_size / 2 + col * side - (TILE_OVERLAP_UM / 2 if self.tiles > 1 else 0.0)
                y0 = cy - self.field_size / 2 + row * side - (TILE_OVERLAP_UM / 2 if self.tiles > 1 else 0.0)
                width = side + (TILE_OVERLAP_UM if self.tiles > 1 else 0.0)
                pixel = width / self.overview_pixels
                axis = np.arange(self.overview_pixels) * pixel + pixel / 2
                tiles.append((x0 + axis, y0 + axis))
        return tiles

    def tile_corners(self) -> list[tuple[float, float]]:
        corners = []
        for x, y in self.tile_grid():
            corners += [(x[0], y[0]), (x[-1], y[-1])]
        return corners

    def reading_row(self, kind: str, intensity_kw_cm2: float, counts: int, seconds: float) -> dict:
        return self.row(-1, DARK if kind == "dark" else LOCATE, intensity_kw_cm2=intensity_kw_cm2, counts=counts,
                        gate_s=seconds)

    def row(self, particle: int, kind: int, **values) -> dict:
        row = {column: float("nan") for column in self.DATA_COLUMNS}
        row.update(particle=particle, kind=kind, time_s=self.clock.now(), counts=0, gate_s=0.0)
        row.update(values)
        return row

    # -- the run ---------------------------------------------------------------------------------
    def execute(self) -> None:
        # One dark reading is the background of every particle of the survey, so its error is common to all of
        # their fits (not averaged away over particles): counted to 2 % or for 10 s (3 % at 100 counts/s), not
        # the 5 % a single sweep needs.  At 5 % the 40 fitted shells of the default field all leaned one way
        # (1-sigma coverage 15/40); at this precision they cover at the stated rate (tests/fitting/test_coverage.py).
        background = self.dark_rate(self.gate, relative_error=SURVEY_DARK_RELATIVE_ERROR, max_s=10.0)
        candidates = self.find_candidates()
        if self.max_particles:
            candidates = candidates[: self.max_particles]
        self.log_info(f"{len(candidates)} particles to measure")
        kelvins = self.kelvins()
        for index, (x, y) in enumerate(candidates):
            if self.should_stop():
                return
            self.phase("particles", index / max(1, len(candidates)), detail=f"particle {index + 1} of "
                                                                              f"{len(candidates)}")
            self.measure_particle(index, x, y, background, kelvins)
            self.progress((index + 1) / len(candidates))

    def find_candidates(self) -> list[tuple[float, float]]:
        """Points overview-N: scan each tile at the search intensity; returns the particles, in raster order."""
        found: list[dict] = []
        tiles = self.tile_grid()
        for t, (x, y) in enumerate(tiles):
            if self.should_stop():
                break
            self.phase("overview", t / len(tiles), step=1.0 / len(tiles), detail=f"tile {t + 1} of {len(tiles)}")
            found += self.point(f"overview-{t}", lambda: self.scan_tile(t, x, y))
        kept: list[dict] = []
        for candidate in sorted(found, key=lambda r: -r["counts"]):  # the brightest sighting of each particle
            if all(np.hypot(candidate["x_um"] - k["x_um"], candidate["y_um"] - k["y_um"]) >= SAME_PARTICLE_UM
                   for k in kept):
                kept.append(candidate)
        kept.sort(key=lambda r: (round(r["y_um"], 3), r["x_um"]))
        return [(float(r["x_um"]), float(r["y_um"])) for r in kept]

    def scan_tile(self, t: int, x: np.ndarray, y: np.ndarray) -> list[dict]:
        self.pump_on(self.overview_intensity)
        image = scan_image(self.galvo, self.detector, x, y, self.overview_dwell, should_stop=self.should_stop,
                           on_rows=self.image_rows(f"overview_{t}", (y.size, x.size)))
        self.store_image(f"overview_{t}", image, x_um=x, y_um=y)
        peaks = find_particles(image, x, y, min_separation_um=SAME_PARTICLE_UM)
        return [self.row(-1, CANDIDATE, x_um=float(p.x_um), y_um=float(p.y_um), counts=int(p.peak),
                         gate_s=self.overview_dwell, intensity_kw_cm2=self.overview_intensity)
                for p in peaks.itertuples()]

    def measure_particle(self, index: int, x: float, y: float, background: float, kelvins: list[float]) -> None:
        prefix = f"p{index}"
        (aimed,) = self.point(f"{prefix}-aim", lambda: self.park(index, x, y))
        if self.completed(f"{prefix}-aim") and not self.restored:
            self.galvo.move_to(aimed["x_um"], aimed["y_um"])  # a real bench: back to where it was found
        px, py = aimed["x_um"], aimed["y_um"]
        thresholds = []
        for j, kelvin in enumerate(kelvins or [None]):
            if self.should_stop():
                return
            # At each temperature its own threshold search, S-curve and rise (the threshold moves with
            # temperature, and the rise is taken at a multiple of the threshold there).  Every step is a
            # point named for its temperature, p<i>-t<j>-..., so a resumed survey continues at the
            # temperature it was at; without temperatures the names are p<i>-locate-N as before.
            step = prefix if kelvin is None else f"{prefix}-t{j}"
            if kelvin is not None:
                # On the way to the next temperature the last one is no longer a condition to watch (watching
                # it through the ramp suspended the survey at its second temperature).
                self.watch_temperature(self.controller, None)
                self.point(f"{step}-hold", lambda: self.hold_at(kelvin))
                self.watch_temperature(self.controller, kelvin)
            thresholds.append(self.measure_at(index, step, px, py, background, kelvin))
        if kelvins:
            self.watch_temperature(self.controller, None)
        if self.should_stop() or not any(np.isfinite(thresholds)):
            return
        self.point(f"{prefix}-result", lambda: self.row(index, RESULT, x_um=px, y_um=py,
                                                        threshold_kw_cm2=thresholds[0]))

    def measure_at(self, index: int, step: str, x: float, y: float, background: float,
                   kelvin: float | None) -> float:
        """Threshold search, S-curve and rise of the parked particle at one temperature; returns the threshold."""
        threshold = self.search_threshold(index, x, y, background, step, kelvin)
        if self.should_stop() or not np.isfinite(threshold):
            return threshold
        for k, factor in enumerate(parse_list(self.scurve_factors, "S-curve factors")):
            if self.should_stop():
                return threshold
            self.point(f"{step}-scurve-{k}",
                       lambda: self.settled_row(index, SCURVE, x, y, threshold * factor, kelvin))
        if self.rise_factor > 0 and not self.should_stop():
            intensity = threshold * self.rise_factor
            self.check_powers(intensity)
            self.pump.ensure_emission()
            self.point(f"{step}-rise" if kelvin is not None else f"{step}-rise-0",
                       lambda: self.rise_rows(index, x, y, intensity, kelvin))
        return threshold

    def park(self, index: int, x: float, y: float) -> dict:
        """Find the particle seen at (x, y) in the overview again, finely, and park the beam on it."""
        self.pump_on(self.search_intensity)
        # A fine scan of 17 x 17 pixels 50 nm apart: a fit of the particle's shell is sensitive to the
        # intensity it saw at the 0.5 % level, and 9 x 9 pixels 100 nm apart left it 9 nm off centre (median
        # over 10 particles), where 17 x 17 leave 2.5 nm.
        px, py, peak = locate_particle(self.galvo, self.detector, centre_um=(x, y), search_um=0.4, coarse_pixels=9,
                                       fine_pixels=17, on_retry=self.log_info, **search_scans(self.search_intensity))
        return self.row(index, AIM, x_um=px, y_um=py, counts=int(peak), intensity_kw_cm2=self.search_intensity)

    def settled_row(self, index: int, kind: int, x: float, y: float, intensity: float,
                    kelvin: float | None = None) -> dict:
        self.pump.ensure_emission()
        reading = self.settled_reading(intensity, gate_s=self.gate)
        _, delivered = self.delivered(intensity)
        return self.row(index, kind, x_um=x, y_um=y, intensity_kw_cm2=delivered, counts=reading.counts,
                        gate_s=reading.gate_s, temperature_k=float("nan") if kelvin is None else kelvin)

    def search_threshold(self, index: int, x: float, y: float, background: float, step: str,
                         kelvin: float | None) -> float:
        """Points <step>-locate-N: the threshold homed in on with settled readings."""
        rows: list[dict] = []

        def measure(intensity: float) -> tuple[float, float]:
            (row,) = self.point(f"{step}-locate-{len(rows)}",
                                lambda: self.settled_row(index, LOCATE, x, y, intensity, kelvin))
            rows.append(row)
            return row["counts"] / row["gate_s"] - background, np.sqrt(max(row["counts"], 1)) / row["gate_s"]

        home_in(measure, self.min_intensity, self.max_intensity, survey_points=self.survey_points,
                precision=self.precision, max_points=self.search_points, should_stop=self.should_stop)
        if self.should_stop():
            return float("nan")
        table = pd.DataFrame(rows).assign(count_rate_s=lambda t: t.counts / t.gate_s)
        try:
            return avalanche_threshold(table, background=background, bootstrap=0).threshold_kw_cm2
        except ValueError as error:
            where = "" if kelvin is None else f" at {kelvin:g} K"
            self.log_info(f"particle {index} at ({x:.2f}, {y:.2f}) um{where}: no threshold ({error})")
            return float("nan")

    def hold_at(self, kelvin: float) -> None:
        self.pump.set_power(0.0)
        settle_at(self.controller, self.clock, kelvin, band_k=self.stability_band, hold_s=self.hold,
                  timeout_s=self.stability_timeout, poll_s=min(5.0, max(0.5, self.hold / 10)),
                  should_stop=self.should_stop)

    def trace_across_step(self, to_watts: float, bin_s: float, duration_s: float) -> np.ndarray:
        self._steps_up += to_watts > 0  # how many rise traces the summed one holds
        return RiseTime.trace_across_step(self, to_watts, bin_s, duration_s)

    def rise_rows(self, index: int, x: float, y: float, intensity: float, kelvin: float | None) -> list[dict]:
        """Summed rise and decay traces; ``gate_s`` of a rise row is its bin's counting time over every trace
        summed (a model's expected counts are rate x gate_s), a decay row's the bin width."""
        self.pump.set_power(0.0)
        self._steps_up = 0
        traces = self.rise_and_decay(intensity)
        temperature = float("nan") if kelvin is None else kelvin
        return [self.row(index, DECAY if r["phase"] == TRACE_DECAY else RISE, x_um=x, y_um=y,
                         intensity_kw_cm2=intensity, temperature_k=temperature, time_s=r["time_s"],
                         counts=r["counts"],
                         gate_s=r["gate_s"] * (self._steps_up if r["phase"] != TRACE_DECAY else 1))
                for r in traces]

    # -- after the run -----------------------------------------------------------------------
    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        table = particle_table(data)
        summary = survey_summary(table, candidates=self._candidate_count(data))
        summary["dark_count_rate_s"] = float(data.loc[data.kind == DARK, "counts"].sum()
                                             / max(data.loc[data.kind == DARK, "gate_s"].sum(), 1e-12))
        summary["particles"] = table.to_dict(orient="records")
        if self.sink is not None and len(table):
            table.drop(columns=["rises"]).to_csv(self.sink.path / "particles.csv", index=False)
        return summary

    def _candidate_count(self, data: pd.DataFrame) -> int:
        seen = data[data.kind == CANDIDATE]
        kept: list[tuple[float, float]] = []
        for r in seen.sort_values("counts", ascending=False).itertuples():
            if all(np.hypot(r.x_um - x, r.y_um - y) >= SAME_PARTICLE_UM for x, y in kept):
                kept.append((r.x_um, r.y_um))
        return len(kept)

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        from .survey_figures import correlation_figure, histogram_figure, threshold_map_figure

        # One row per particle: at several temperatures, the map and histograms are of the first one.
        table = first_temperature(pd.DataFrame(summary.get("particles", [])))
        if table.empty or "threshold_kw_cm2" not in table:
            return {}
        return {"threshold_map": threshold_map_figure(table, images),
                "histograms": histogram_figure(table, QUANTITIES),
                "correlations": correlation_figure(table, QUANTITIES, summary.get("correlations"))}
