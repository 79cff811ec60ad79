"""PASSI scan imaging: confocal images of a particle field at several pump intensities.

Photon-avalanche single-beam super-resolution imaging (Lee et al. 2021): the
avalanche's steep E(I) narrows each particle's image far below the focal
spot.  Images are hardware-timed and pixel-synchronous where the counter can
follow the scanner's pixel clock.  An S-curve on the brightest particle
gives S(I) for the textbook estimate lambda / (2 NA sqrt(S)) reported beside
the measured widths.  Near threshold the avalanche needs ~0.1-1 s to build
from dark, so the pixel dwell must be long enough for it to settle.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from anplab.instruments.errors import check_limit

from .analysis.particles import find_particles, particle_widths
from .analysis.rise import Baseline, counted_baseline, rise_times
from .analysis.slope import local_slope
from .analysis.threshold import avalanche_threshold, dark_background
from .figures import image_figure, subplots
from .particle_experiment import ParticleExperiment, parse_list, parse_xy
from .scanning import scan_image

DARK, IMAGE, SCURVE, RISE = -1, 0, 1, 2
#: Particles closer than this are one particle to the overview analysis (the spot is ~0.4 um wide).
SEPARATION_UM = 0.6


class PassiScan(ParticleExperiment):
    """Confocal images of a particle field at several intensities; particle image widths against S."""

    NAME = "passi-scan"

    intensities = Parameter("Peak intensities (kW/cm^2, comma-separated, or auto)", default="auto")
    auto_factors = Parameter("Factors of the threshold for auto", default="1.2,1.5,2.0")
    centre = Parameter("Field centre (particle, or x,y in um)", default="particle")
    width = FloatParameter("Field of view", units="um", default=2.0, minimum=0.01, maximum=1e4)
    pixels = IntegerParameter("Pixels per side", default=64, minimum=4, maximum=2048)
    dwell = FloatParameter("Pixel dwell", units="s", default=0.05, minimum=1e-6, maximum=60.0)
    sweep_points = IntegerParameter("S-curve points from 0.7x to 3x threshold", default=20, minimum=4, maximum=500)
    roi_factors = Parameter("Factors of the threshold for the region-of-interest images (or none)",
                            default="1.03")
    roi_size = FloatParameter("Region of interest around each particle", units="um", default=0.4, minimum=0.05,
                              maximum=10.0)
    roi_pixels = IntegerParameter("Region-of-interest pixels per side", default=21, minimum=5, maximum=512)
    dwell_factor = FloatParameter("Region-of-interest dwell in units of the measured rise time t90", default=1.5,
                                  minimum=0.01, maximum=100.0)
    max_rois = IntegerParameter("Particles imaged in regions of interest (brightest first)", default=3, minimum=1,
                                maximum=100)
    rise_duration = FloatParameter("Rise trace after the pump step", units="s", default=4.0, minimum=0.05,
                                   maximum=60.0)
    rise_bin = FloatParameter("Rise trace bin", units="s", default=0.01, minimum=1e-5, maximum=1.0)
    rise_counts = IntegerParameter("Rise trace signal counts to collect (traces are summed)", default=2000,
                                   minimum=10, maximum=10**8)
    max_traces = IntegerParameter("Rise traces at most per intensity", default=30, minimum=1, maximum=1000)

    #: ``traces``: how many rise traces a RISE row sums (the dark reading is scaled by it to be their baseline).
    DATA_COLUMNS = ["kind", "intensity_kw_cm2", "counts", "gate_s", "count_rate_s", "time_s", "traces"]
    DARK_WAIT_S = 0.3  # before a rise trace: the particle relaxes to dark in ~50 ms
    PRE_TRIGGER_S = 0.05  # baseline bins before the pump step

    def field_centre(self) -> tuple[float, float] | None:
        """The requested centre, or None for the particle aimed at."""
        centre = parse_xy(self.centre, "centre", ("particle",))
        return None if centre == "particle" else centre

    def check_field(self, cx: float, cy: float) -> None:
        half = self.width / 2
        for edge in (cx - half, cx + half, cy - half, cy + half):
            check_limit(self.galvo.name, "field edge", edge, -self.galvo.range_um, self.galvo.range_um, "um")

    def check_against_bench(self) -> None:
        self.resolve_instruments()
        if self.galvo is None:
            raise ValueError("a PASSI scan needs a scanner on the bench")
        centre = self.field_centre()
        if centre is not None:
            self.check_field(*centre)
        self.check_powers(self.search_intensity)
        if self.intensities.strip().lower() != "auto":
            self.check_powers(*parse_list(self.intensities, "intensities"))
        else:
            parse_list(self.auto_factors, "auto factors")
        self.roi_plan_factors()

    def roi_plan_factors(self) -> list[float]:
        text = (self.roi_factors or "").strip()
        return [] if text.lower() in ("", "none") else parse_list(text, "ROI factors")

    def axes(self, cx: float, cy: float) -> tuple[np.ndarray, np.ndarray]:
        half = self.width / 2
        return np.linspace(cx - half, cx + half, self.pixels), np.linspace(cy - half, cy + half, self.pixels)

    def reading_row(self, kind: str, intensity_kw_cm2: float, counts: int, seconds: float) -> dict:
        return {"kind": DARK if kind == "dark" else SCURVE, "intensity_kw_cm2": intensity_kw_cm2, "counts": counts,
                "gate_s": seconds, "count_rate_s": counts / seconds, "time_s": self.clock.now()}

    def execute(self) -> None:
        self._overview: dict = {}
        background = self.dark_rate(0.1)
        self.aim()
        # Where the beam was parked, as it was then: a resumed run finds the galvo wherever the last image left it.
        centre = self.recall("field_centre") or self.field_centre() or self.galvo.position_um
        self.remember("field_centre", [float(v) for v in centre])
        self.check_field(*centre)
        threshold = self.measure_s_curve(background)
        if self.should_stop():
            return
        if self.intensities.strip().lower() == "auto":
            plan = [threshold * f for f in parse_list(self.auto_factors, "auto factors")]
            self.check_powers(*plan)
        else:
            plan = parse_list(self.intensities, "intensities")
        x, y = self.axes(*centre)
        for k, intensity in enumerate(plan):
            if self.should_stop():
                break
            self.phase("images", k / len(plan), step=1 / len(plan),
                       detail=f"{intensity:.3g} kW/cm^2, {k + 1} of {len(plan)}")
            self.point(f"image-{k}", lambda: self.image(f"passi_{k}", intensity, x, y))
            self.progress((k + 1) / len(plan))
        if self.roi_plan_factors() and not self.should_stop():
            self.regions_of_interest(threshold)

    def regions_of_interest(self, threshold: float) -> None:
        """Rise time, then small long-dwell images around the particles found, at each ROI intensity."""
        particles = self.recall("roi_particles")
        if particles is None:  # found once: a resumed run images the same particles
            particles = self.overview_particles()
            self.remember("roi_particles", particles)
        if not particles:
            self.log_info("no particle found in the overview: no region-of-interest images")
            return
        plan = [threshold * f for f in self.roi_plan_factors()]
        self.check_powers(*plan)
        rise_at = self.recall("parked_um") or particles[0]
        for k, intensity in enumerate(plan):
            if self.should_stop():
                return
            self.phase("rise trace", k / len(plan), detail=f"{intensity:.3g} kW/cm^2")
            rows = self.point(f"rise-{k}", lambda: self.rise_trace(intensity, rise_at))
            earlier = self.recall("dark_reading") or {}
            t90 = rise_t90(pd.DataFrame(rows), Baseline(earlier.get("counts", 0.0), earlier.get("seconds", 0.0)))
            dwell = self.dwell_factor * t90 if np.isfinite(t90) else self.rise_duration
            if not dwell >= t90:
                self.log_warning(dwell_warning(intensity, dwell, t90))
            for p, (px, py) in enumerate(particles):
                if self.should_stop():
                    return
                self.phase("regions of interest", (k * len(particles) + p) / (len(plan) * len(particles)),
                           step=1 / (len(plan) * len(particles)),
                           detail=f"particle {p + 1} of {len(particles)} at {intensity:.3g} kW/cm^2")
                x, y = self.roi_axes(px, py)
                self.point(f"roi-{k}-{p}", lambda: self.image(f"roi_{k}_{p}", intensity, x, y, dwell=dwell,
                                                              rise_t90_s=t90, particle=p))

    def overview_particles(self) -> list[list[float]]:
        """The particles of the brightest overview image, brightest first, at most ``max_rois``."""
        # The run folder has every image, also those taken before a resume; without one, this run's own.
        stored = self.sink.load_images() if self.sink is not None else self._overview
        images = [(name, entry) for name, entry in stored.items() if name.startswith("passi_")]
        if not images:
            return []
        _, entry = max(images, key=lambda item: float(np.asarray(item[1]["image"]).sum()))
        found = find_particles(entry["image"], entry["x_um"], entry["y_um"], min_separation_um=SEPARATION_UM)
        return [[float(r.x_um), float(r.y_um)] for r in found.head(self.max_rois).itertuples()]

    def roi_axes(self, px: float, py: float) -> tuple[np.ndarray, np.ndarray]:
        half, reach = self.roi_size / 2, self.galvo.range_um
        return (np.linspace(max(px - half, -reach), min(px + half, reach), self.roi_pixels),
                np.linspace(max(py - half, -reach), min(py + half, reach), self.roi_pixels))

    def rise_trace(self, intensity: float, at_um) -> list[dict]:
        """Binned counts across pump steps from dark to ``intensity`` on the particle at ``at_um``, summed."""
        self.galvo.move_to(*at_um)
        watts = self.power_for(intensity)
        bins = int(round((self.PRE_TRIGGER_S + self.rise_duration) / self.rise_bin))
        base = int(round(self.PRE_TRIGGER_S / self.rise_bin))
        total = None
        for traces in range(1, self.max_traces + 1):
            self.pump.set_power(0.0)
            self.wait(self.DARK_WAIT_S)
            self.detector.start_trace(self.rise_bin, bins)
            self.wait(self.PRE_TRIGGER_S)
            self.pump.set_power(watts)
            trace = np.asarray(self.detector.read_trace(), dtype=np.int64)
            total = trace if total is None else total + trace
            late = total[bins // 2:]
            if late.sum() - total[:base].mean() * late.size >= self.rise_counts or self.should_stop():
                break
        times = (np.arange(bins) + 0.5) * self.rise_bin - self.PRE_TRIGGER_S
        return [{"kind": RISE, "intensity_kw_cm2": intensity, "counts": int(c), "gate_s": self.rise_bin,
                 "count_rate_s": c / self.rise_bin, "time_s": float(t), "traces": traces}
                for t, c in zip(times, total)]

    def log_warning(self, message: str) -> None:
        logging.getLogger(type(self).__module__).warning(message)

    def image(self, name: str, intensity: float, x: np.ndarray, y: np.ndarray, *, dwell: float | None = None,
              **attributes) -> dict:
        """One scan image at ``intensity``, stored with its axes; its summary row."""
        dwell = self.dwell if dwell is None else float(dwell)
        spot = self.bench.spot(self.pump.name)
        self.pump.set_power(self.power_for(intensity))
        image = scan_image(self.galvo, self.detector, x, y, dwell, should_stop=self.should_stop,
                           on_rows=self.image_rows(name, (y.size, x.size), x_um=x, y_um=y, intensity_kw_cm2=intensity))
        self.store_image(name, image, units="counts", x_um=x, y_um=y, intensity_kw_cm2=intensity, dwell_s=dwell,
                         wavelength_nm=spot.wavelength_nm, numerical_aperture=spot.numerical_aperture, **attributes)
        self._overview[name] = {"image": image, "x_um": x, "y_um": y}
        return {"kind": IMAGE, "intensity_kw_cm2": intensity, "counts": int(image.sum()),
                "gate_s": dwell * image.size, "count_rate_s": image.sum() / (dwell * image.size),
                "time_s": self.clock.now()}

    def measure_s_curve(self, background: float) -> float:
        """Home in on the threshold, then sample S(I) over the imaging range (points s-curve-N); the threshold.

        The threshold returned, which places the images, is estimated from every point, the located and
        the sampled ones: the located one alone may sit a few per cent off, and the best resolution is
        only a few per cent above the threshold.
        """
        threshold, rows = self.locate_threshold(self.search_intensity / 30.0, self.search_intensity, background)
        if self.should_stop():
            return threshold
        highest = min(3.0 * threshold, self.bench.peak_intensity_kw_cm2(self.pump.name, self.pump.limits.max_power_w))
        for n, intensity in enumerate(np.geomspace(0.7 * threshold, highest, self.sweep_points)):
            self.phase("S-curve", n / self.sweep_points)

            def read() -> dict:
                reading = self.settled_reading(float(intensity))
                return self.reading_row("locate", self.delivered(float(intensity))[1], reading.counts,
                                        reading.gate_s)

            rows += self.point(f"s-curve-{n}", read)
        if self.should_stop():
            return threshold
        curve = pd.DataFrame(rows)
        return avalanche_threshold(curve, background=background).threshold_kw_cm2

    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        return analyse_passi(data, images)

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        out = {}
        for name, entry in sorted(images.items()):
            intensity = float(entry.get("intensity_kw_cm2", float("nan")))
            image = np.asarray(entry["image"])
            # Each image has its own count scale (the ROIs count ~20x longer per pixel): the title says its dwell.
            out[name] = image_figure(image, np.asarray(entry["x_um"]), np.asarray(entry["y_um"]),
                                     f"PASSI at {intensity:.3g} kW/cm², dwell {float(entry.get('dwell_s', 0)):.3g} s")
        table = pd.DataFrame(summary.get("widths", []))
        if not table.empty:
            figure, axis = subplots(figsize=(5.4, 4.2))
            axis.errorbar(table.intensity_kw_cm2, table.fwhm_nm, yerr=table.fwhm_spread_nm, fmt="o-", label="measured")
            if "power_law_fwhm_nm" in table:
                axis.plot(table.intensity_kw_cm2, table.power_law_fwhm_nm, "s--", label="λ / (2 NA √S)")
            rois = pd.DataFrame(summary.get("roi_widths", []))
            if not rois.empty:
                axis.plot(rois.intensity_kw_cm2, rois.fwhm_nm, "D", label="regions of interest")
            axis.set_xlabel("peak intensity (kW/cm²)")
            axis.set_ylabel("image FWHM (nm)")
            axis.legend()
            axis.set_title("Resolution against pump intensity")
            figure.tight_layout()
            out["fwhm_vs_intensity"] = figure
        best = summary.get("best_roi")
        if best is not None and best.get("image") in images:
            out["best_profile"] = profile_figure(images[best["image"]], best)
        return out


def profile_figure(entry: dict, fit: dict):
    """The line through the best particle's fitted centre along x: counts and the fitted Gaussian, with its FWHM."""
    image = np.asarray(entry["image"], dtype=float)
    x, y = np.asarray(entry["x_um"], dtype=float), np.asarray(entry["y_um"], dtype=float)
    row = int(np.argmin(np.abs(y - fit["y_um"])))
    sigma_x = fit["fwhm_x_nm"] / (2.0 * np.sqrt(2.0 * np.log(2.0)) * 1e3)
    sigma_y = fit["fwhm_y_nm"] / (2.0 * np.sqrt(2.0 * np.log(2.0)) * 1e3)
    fine = np.linspace(x[0], x[-1], 400)
    across = np.exp(-0.5 * ((y[row] - fit["y_um"]) / sigma_y) ** 2)  # the row's offset from the fitted centre
    model = fit["background"] + fit["amplitude"] * across * np.exp(-0.5 * ((fine - fit["x_um"]) / sigma_x) ** 2)
    figure, axis = subplots(figsize=(5.4, 4.2))
    axis.plot((x - fit["x_um"]) * 1e3, image[row], "o", label="counts")
    axis.plot((fine - fit["x_um"]) * 1e3, model, "-", label=f"2-D Gaussian fit, FWHM {fit['fwhm_nm']:.0f} nm")
    axis.set_xlabel("x from the particle centre (nm)")
    axis.set_ylabel(f"counts per pixel ({float(entry.get('dwell_s', 0)):.3g} s dwell)")
    axis.set_title(f"Best particle at {fit['intensity_kw_cm2']:.3g} kW/cm²: "
                   f"λ / (2 NA √S) = {fit.get('power_law_fwhm_nm', float('nan')):.0f} nm")
    axis.legend()
    figure.tight_layout()
    return figure


def rise_t90(trace: pd.DataFrame, dark: Baseline | None = None) -> float:
    """t90 of one summed rise trace (rows of kind RISE), NaN if it cannot be timed.

    Its baseline is the run's dark reading (``dark``) pooled with the trace's own 50 ms pre-trigger, where
    the two agree (:meth:`.Baseline.serves`) and the rows say how many traces they sum: the pre-trigger alone,
    scaled to the trace, has several times the trace's own noise and drags a faint rise's fit early.
    """
    if trace.empty:
        return float("nan")
    traces = trace.traces.iloc[0] if "traces" in trace else float("nan")
    pooled = {"baseline": dark, "traces": int(traces)} if dark is not None and np.isfinite(traces) else {}
    try:
        return float(rise_times(trace, "time_s", "counts", step_at_s=0.0, **pooled).t90_s)
    except (ValueError, RuntimeError):
        return float("nan")


def dwell_warning(intensity: float, dwell_s: float, t90_s: float) -> str:
    if not np.isfinite(t90_s):
        return (f"the rise at {intensity:.4g} kW/cm^2 could not be timed: the region-of-interest images use a "
                f"{dwell_s:.3g} s dwell (the rise trace's length), which may be shorter than the rise")
    return (f"pixel dwell {dwell_s:.3g} s at {intensity:.4g} kW/cm^2 is shorter than the rise time t90 "
            f"{t90_s:.3g} s there: the image lags the beam and is wider than the physics allows")


def analyse_passi(data: pd.DataFrame, images: dict) -> dict:
    """Particles, their image widths per intensity, and the power-law estimate from the S-curve."""
    summary: dict = {}
    background, background_error = dark_background(data[data.kind == DARK])
    curve = data[data.kind == SCURVE]
    slopes = None
    if len(curve) >= 4:
        summary.update(avalanche_threshold(curve, background=background, background_error=background_error).as_dict())
        slopes = local_slope(curve, background=background).dropna(subset=["slope"])
    passi = {name: entry for name, entry in images.items() if name.startswith("passi_")}
    if not passi:
        return summary
    # Particles are found in the image with the most signal, then measured in every image.
    reference = max(passi.values(), key=lambda entry: float(np.asarray(entry["image"]).sum()))
    x, y = np.asarray(reference["x_um"]), np.asarray(reference["y_um"])
    found = find_particles(reference["image"], x, y, min_separation_um=SEPARATION_UM)
    summary["particles_found"] = int(len(found))
    rows = []
    for name, entry in sorted(passi.items(), key=lambda item: float(item[1]["intensity_kw_cm2"])):
        intensity = float(entry["intensity_kw_cm2"])
        widths = particle_widths(entry["image"], x, y, found)
        widths = widths[(widths.fwhm_nm > 5) & (widths.fwhm_nm < 2000)] if len(widths) else widths
        row = {"intensity_kw_cm2": intensity, "particles": int(len(widths)),
               "fwhm_nm": float(widths.fwhm_nm.median()) if len(widths) else float("nan"),
               "fwhm_spread_nm": float(widths.fwhm_nm.std()) if len(widths) > 1 else 0.0}
        rows.append(row | power_law_row(entry, intensity, slopes))
    summary["widths"] = rows
    summary["fwhm_nm"] = {f"{r['intensity_kw_cm2']:.4g}": r["fwhm_nm"] for r in rows}
    summary.update(analyse_rois(data, images, slopes))
    measured = [r["fwhm_nm"] for r in rows + summary.get("roi_widths", []) if np.isfinite(r["fwhm_nm"])]
    if measured:
        summary["best_fwhm_nm"] = float(min(measured))
    return summary


def power_law_row(entry: dict, intensity: float, slopes: pd.DataFrame | None) -> dict:
    """The local slope S at ``intensity`` (from the S-curve) and lambda / (2 NA sqrt(S)) for this image."""
    if slopes is None or not len(slopes):
        return {}
    slope = float(np.interp(np.log(intensity), np.log(slopes.intensity_kw_cm2), slopes.slope))
    wavelength = float(entry.get("wavelength_nm", 1064.0))
    aperture = float(entry.get("numerical_aperture", 1.4))
    return {"slope": slope, "power_law_fwhm_nm": wavelength / (2 * aperture * np.sqrt(max(slope, 1e-6)))}


def analyse_rois(data: pd.DataFrame, images: dict, slopes: pd.DataFrame | None) -> dict:
    """Rise times, dwells and each region-of-interest particle's width beside lambda / (2 NA sqrt(S))."""
    out: dict = {}
    rise = data[data.kind == RISE]
    baseline = counted_baseline(rise.iloc[:0], data[data.kind == DARK])  # the dark reading's counts alone
    t90 = {float(i): rise_t90(trace, baseline) for i, trace in rise.groupby("intensity_kw_cm2")}
    if t90:
        out["rise_t90_s"] = {f"{i:.4g}": t for i, t in t90.items()}
    rows, warned = [], {}
    for name, entry in sorted((n, e) for n, e in images.items() if n.startswith("roi_")):
        intensity, dwell = float(entry["intensity_kw_cm2"]), float(entry["dwell_s"])
        t = t90.get(intensity, float(entry.get("rise_t90_s", float("nan"))))
        if not dwell >= t:
            warned[f"{intensity:.4g}"] = dwell_warning(intensity, dwell, t)
        x, y = np.asarray(entry["x_um"]), np.asarray(entry["y_um"])
        # The ROI is centred on one particle: its brightest peak, fitted over the whole ROI.
        found = find_particles(entry["image"], x, y, min_separation_um=float(x[-1] - x[0]) + 1.0)
        widths = particle_widths(entry["image"], x, y, found.head(1), window_um=2.0 * float(x[-1] - x[0]))
        if widths.empty or not 5 < widths.fwhm_nm[0] < 2000:
            continue
        fit = widths.iloc[0]
        rows.append({"image": name, "particle": int(entry.get("particle", -1)), "intensity_kw_cm2": intensity,
                     "dwell_s": dwell, "rise_t90_s": t, "x_um": float(fit.x_um), "y_um": float(fit.y_um),
                     "fwhm_nm": float(fit.fwhm_nm), "fwhm_uncertainty_nm": float(fit.fwhm_uncertainty_nm),
                     "fwhm_x_nm": float(fit.fwhm_x_nm), "fwhm_y_nm": float(fit.fwhm_y_nm),
                     "amplitude": float(fit.amplitude), "background": float(fit.background),
                     **power_law_row(entry, intensity, slopes)})
    if warned:
        out["dwell_warnings"] = list(warned.values())
    if rows:
        out["roi_widths"] = rows
        out["best_roi"] = min(rows, key=lambda r: r["fwhm_nm"])
    return out
