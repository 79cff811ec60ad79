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

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from anplab.instruments.errors import check_limit

from .analysis.particles import find_particles, particle_widths
from .analysis.slope import local_slope
from .analysis.threshold import avalanche_threshold
from .figures import image_figure, subplots
from .particle_experiment import ParticleExperiment, parse_list, parse_xy
from .scanning import scan_image

DARK, IMAGE, SCURVE = -1, 0, 1


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

    DATA_COLUMNS = ["kind", "intensity_kw_cm2", "counts", "gate_s", "count_rate_s", "time_s"]

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

    def axes(self, cx: float, cy: float) -> tuple[np.ndarray, np.ndarray]:
        half = self.width / 2
        return np.linspace(cx - half, cx + half, self.pixels), np.linspace(cy - half, cy + half, self.pixels)

    def reading_row(self, kind: str, intensity_kw_cm2: float, counts: int, seconds: float) -> dict:
        return {"kind": DARK if kind == "dark" else SCURVE, "intensity_kw_cm2": intensity_kw_cm2, "counts": counts,
                "gate_s": seconds, "count_rate_s": counts / seconds, "time_s": self.clock.now()}

    def execute(self) -> None:
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

    def image(self, name: str, intensity: float, x: np.ndarray, y: np.ndarray) -> dict:
        """One scan image at ``intensity``, stored with its axes; its summary row."""
        spot = self.bench.spot(self.pump.name)
        self.pump.set_power(self.power_for(intensity))
        image = scan_image(self.galvo, self.detector, x, y, self.dwell, should_stop=self.should_stop,
                           on_rows=self.image_rows(name, (y.size, x.size), x_um=x, y_um=y, intensity_kw_cm2=intensity))
        self.store_image(name, image, units="counts", x_um=x, y_um=y, intensity_kw_cm2=intensity, dwell_s=self.dwell,
                         wavelength_nm=spot.wavelength_nm, numerical_aperture=spot.numerical_aperture)
        return {"kind": IMAGE, "intensity_kw_cm2": intensity, "counts": int(image.sum()),
                "gate_s": self.dwell * image.size, "count_rate_s": image.sum() / (self.dwell * image.size),
                "time_s": self.clock.now()}

    def measure_s_curve(self, background: float) -> float:
        """Home in on the threshold, then sample S(I) over the imaging range (points s-curve-N); the threshold."""
        threshold, _ = self.locate_threshold(self.search_intensity / 30.0, self.search_intensity, background)
        if self.should_stop():
            return threshold
        highest = min(3.0 * threshold, self.bench.peak_intensity_kw_cm2(self.pump.name, self.pump.limits.max_power_w))
        for n, intensity in enumerate(np.geomspace(0.7 * threshold, highest, self.sweep_points)):
            self.phase("S-curve", n / self.sweep_points)

            def read() -> dict:
                reading = self.settled_reading(float(intensity))
                return self.reading_row("locate", float(intensity), reading.counts, reading.gate_s)

            self.point(f"s-curve-{n}", read)
        return threshold

    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        return analyse_passi(data, images)

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        out = {}
        for name, entry in sorted(images.items()):
            intensity = float(entry.get("intensity_kw_cm2", float("nan")))
            out[name] = image_figure(entry["image"], np.asarray(entry["x_um"]), np.asarray(entry["y_um"]),
                                     f"PASSI at {intensity:.3g} kW/cm²")
        table = pd.DataFrame(summary.get("widths", []))
        if not table.empty:
            figure, axis = subplots(figsize=(5.4, 4.2))
            axis.errorbar(table.intensity_kw_cm2, table.fwhm_nm, yerr=table.fwhm_spread_nm, fmt="o-", label="measured")
            axis.plot(table.intensity_kw_cm2, table.power_law_fwhm_nm, "s--", label="λ / (2 NA √S)")
            axis.set_xlabel("peak intensity (kW/cm²)")
            axis.set_ylabel("image FWHM (nm)")
            axis.legend()
            axis.set_title("Resolution against pump intensity")
            figure.tight_layout()
            out["fwhm_vs_intensity"] = figure
        return out


def analyse_passi(data: pd.DataFrame, images: dict) -> dict:
    """Particles, their image widths per intensity, and the power-law estimate from the S-curve."""
    summary: dict = {}
    dark = data[data.kind == DARK]
    background = float(dark.count_rate_s.mean()) if len(dark) else 0.0
    curve = data[data.kind == SCURVE]
    slopes = None
    if len(curve) >= 4:
        summary.update(avalanche_threshold(curve, background=background).as_dict())
        slopes = local_slope(curve, background=background).dropna(subset=["slope"])
    passi = {name: entry for name, entry in images.items() if name.startswith("passi_")}
    if not passi:
        return summary
    # Particles are found in the image with the most signal, then measured in every image.
    reference = max(passi.values(), key=lambda entry: float(np.asarray(entry["image"]).sum()))
    x, y = np.asarray(reference["x_um"]), np.asarray(reference["y_um"])
    found = find_particles(reference["image"], x, y, min_separation_um=0.6)
    summary["particles_found"] = int(len(found))
    rows = []
    for name, entry in sorted(passi.items(), key=lambda item: float(item[1]["intensity_kw_cm2"])):
        intensity = float(entry["intensity_kw_cm2"])
        widths = particle_widths(entry["image"], x, y, found)
        widths = widths[(widths.fwhm_nm > 5) & (widths.fwhm_nm < 2000)] if len(widths) else widths
        row = {"intensity_kw_cm2": intensity, "particles": int(len(widths)),
               "fwhm_nm": float(widths.fwhm_nm.median()) if len(widths) else float("nan"),
               "fwhm_spread_nm": float(widths.fwhm_nm.std()) if len(widths) > 1 else 0.0}
        if slopes is not None and len(slopes):
            slope = float(np.interp(np.log(intensity), np.log(slopes.intensity_kw_cm2), slopes.slope))
            row["slope"] = slope
            wavelength = float(entry.get("wavelength_nm", 1064.0))
            aperture = float(entry.get("numerical_aperture", 1.4))
            row["power_law_fwhm_nm"] = wavelength / (2 * aperture * np.sqrt(max(slope, 1e-6)))
        rows.append(row)
    summary["widths"] = rows
    summary["fwhm_nm"] = {f"{r['intensity_kw_cm2']:.4g}": r["fwhm_nm"] for r in rows}
    measured = [r["fwhm_nm"] for r in rows if np.isfinite(r["fwhm_nm"])]
    if measured:
        summary["best_fwhm_nm"] = float(min(measured))
    return summary
