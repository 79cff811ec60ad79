"""Photopatterning: write a pattern into an ANP film, read it back, score it, erase it.

Writing parks the beam on each pattern pixel (on a grid of spots within it
when the pixel is larger than the write spot) and exposes it to the write
laser for a dwell proportional to the pattern value (the laser's power is
set to zero while the galvo moves).  The dose every pixel received, from
the laser's measured output, is recorded (data table and dose map).  Read-out is a low-power imaging scan
with the pump; erasing is a high-intensity pump raster; a second read-out
shows what is left.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from anplab.instruments.errors import check_limit

from .analysis.pattern import score_pattern
from .base import BenchProcedure
from .patterns import read_pattern, resampling_note
from .scanning import scan_image


class Photopatterning(BenchProcedure):
    """Write a pattern into an ANP film, read it back, score fidelity and contrast, erase it."""

    NAME = "photopatterning"
    DEFAULT_BENCH = "simulated-film"

    pattern = Parameter("Pattern (cross, checkerboard, ring, square, or an image/.npy file)", default="cross")
    pattern_pixels = IntegerParameter("Pattern pixels per side", default=16, minimum=2, maximum=512)
    pixel = FloatParameter("Pattern pixel", units="um", default=0.5, minimum=0.01, maximum=100.0)
    write_laser = Parameter("Write laser", default="write_852")
    write_intensity = FloatParameter("Write intensity", units="kW/cm^2", default=20.0, minimum=1e-3, maximum=1e6)
    write_pitch = FloatParameter("Write spot pitch (0 for half the spot FWHM)", units="um", default=0.0, minimum=0.0,
                                 maximum=100.0)
    write_dwell = FloatParameter("Write dwell per spot at full dose", units="s", default=3e-4, minimum=1e-6,
                                 maximum=60.0)
    read_laser = Parameter("Read-out (pump) laser", default="pump_1064")
    read_intensity = FloatParameter("Read-out intensity", units="kW/cm^2", default=10.0, minimum=1e-3, maximum=1e6)
    read_pixels = IntegerParameter("Read-out pixels per side", default=48, minimum=4, maximum=1024)
    read_dwell = FloatParameter("Read-out dwell", units="s", default=0.05, minimum=1e-5, maximum=60.0)
    erase_intensity = FloatParameter("Erase intensity", units="kW/cm^2", default=500.0, minimum=1e-3, maximum=1e6)
    erase_dwell = FloatParameter("Erase dwell", units="s", default=0.2, minimum=1e-5, maximum=60.0)
    counter = Parameter("Photon counter", default="")
    scanner = Parameter("Scanner", default="")

    DATA_COLUMNS = ["row", "col", "x_um", "y_um", "target", "dwell_s", "spots", "beam_power_w", "dose_j", "time_s"]

    def __init__(self, bench=None, *, pattern_array=None, **kwargs):
        """``pattern_array``: a 2-D array (values 0..1) to write instead of ``pattern``, for scripts."""
        self.pattern_array = pattern_array
        if pattern_array is not None:
            kwargs["pattern"] = f"array {'x'.join(map(str, np.shape(pattern_array)))}"
        super().__init__(bench, **kwargs)

    @classmethod
    def from_run_folder(cls, folder, metadata: dict, bench=None) -> Photopatterning:
        """A pattern given as an array is not a parameter: a resumed run takes it from the stored target."""
        parameters = dict(metadata["parameters"])
        if str(parameters.get("pattern", "")).startswith("array "):
            from .run_folder import RunFolder

            target = RunFolder(folder).load_images().get("target")
            if target is None:
                raise ValueError(f"{folder}: the pattern array was never stored; start the run again")
            del parameters["pattern"]
            return cls(bench=bench, pattern_array=target["image"], **parameters)
        return cls(bench=bench, **parameters)

    def check_against_bench(self) -> None:
        self.target_pattern, source_shape = read_pattern(
            self.pattern if self.pattern_array is None else self.pattern_array, self.pattern_pixels)
        # Said in the summary and on the figure too: a 64x64 drawing written as 16x16 loses its detail.
        self.resampling = resampling_note(source_shape, self.pattern_pixels)
        self.writer = self.instrument("laser", self.write_laser)
        self.reader = self.instrument("laser", self.read_laser)
        self.detector = self.instrument("photon_counter", self.counter)
        self.galvo = self.instrument("scanner", self.scanner)
        check_limit(self.galvo.name, "pattern half-width", self.extent_um() / 2 + self.pixel, 0.0,
                    self.galvo.range_um, "um")
        self.check_intensities(self.writer, self.write_intensity)
        self.check_intensities(self.reader, self.read_intensity, self.erase_intensity)

    def extent_um(self) -> float:
        return self.pattern_pixels * self.pixel

    def pixel_centres(self) -> np.ndarray:
        return (np.arange(self.pattern_pixels) + 0.5) * self.pixel - self.extent_um() / 2

    def execute(self) -> None:
        for laser in (self.writer, self.reader):
            laser.set_power(0.0)
        centres = self.pixel_centres()
        self.point("target", lambda: self.store_image("target", self.target_pattern, x_um=centres, y_um=centres,
                                                                  units="1"))
        self.write()
        if self.should_stop():
            return
        self.phase("read-out", step=1.0)
        self.point("readout", lambda: self.read_out("readout"))
        self.phase("erasing")
        self.point("erase", self.erase)
        self.phase("read-out after erasing", step=1.0)
        self.point("readout_after_erase", lambda: self.read_out("readout_after_erase"))

    def spot_offsets(self) -> np.ndarray:
        """Where the write spot sits inside a pattern pixel (um from its centre), on a square grid.

        The grid pitch is at most ``write_pitch`` (0: half the write spot's
        FWHM), so that a pixel larger than the spot is written evenly instead
        of as a dot with unwritten gaps around it.
        """
        pitch = self.write_pitch or 0.5e-3 * self.bench.spot(self.writer.name).fwhm_nm
        per_side = max(1, int(np.ceil(self.pixel / pitch - 1e-9)))
        return (np.arange(per_side) + 0.5) * self.pixel / per_side - self.pixel / 2

    def write(self) -> None:
        """Points write-ROW-COL, one per written pattern pixel, then the dose map (point dose-map)."""
        centres = self.pixel_centres()
        dose_map = np.zeros_like(self.target_pattern)
        written = np.argwhere(self.target_pattern > 0)
        for k, (row, col) in enumerate(written):
            if self.should_stop():
                break
            self.phase("writing", k / len(written))
            (record,) = self.point(f"write-{row}-{col}", lambda: self.write_pixel(row, col))
            dose_map[row, col] = record["dose_j"]
            self.progress(0.6 * (k + 1) / len(written))
        self.writer.emission_off()
        if not self.should_stop():
            self.point("dose-map", lambda: self.store_image("dose_j", dose_map, x_um=centres, y_um=centres,
                                                            units="J", long_name="dose at the sample"))

    def write_pixel(self, row: int, col: int) -> dict:
        """Expose one pattern pixel, spot by spot; its row, with the dose it received."""
        centres = self.pixel_centres()
        offsets = self.spot_offsets()
        watts = self.bench.beam_power_for_intensity(self.writer.name, self.write_intensity)
        transmission = self.bench.config.instruments[self.writer.name].calibration.transmission
        self.writer.ensure_emission()
        value = float(self.target_pattern[row, col])
        dose = exposed = 0.0
        for dy in offsets:
            for dx in offsets:
                self.galvo.move_to(centres[col] + dx, centres[row] + dy)
                self.wait(self.galvo.settling_time_s)
                self.writer.set_power(watts)
                # The exposure follows the measured output, so every spot gets its dose even while the
                # laser drifts; the dose record is what the sample got.
                power = self.writer.power_w or watts
                dwell = value * self.write_dwell * watts / max(power, 1e-3 * watts)
                self.wait(dwell)
                self.writer.set_power(0.0)
                dose += power * transmission * dwell
                exposed += dwell
        return {"row": int(row), "col": int(col), "x_um": centres[col], "y_um": centres[row], "target": value,
                "dwell_s": exposed, "spots": offsets.size**2, "beam_power_w": dose / (transmission * exposed),
                "dose_j": dose, "time_s": self.clock.now()}

    def read_axes(self) -> np.ndarray:
        half = self.extent_um() / 2 + self.pixel
        return np.linspace(-half, half, self.read_pixels)

    def read_out(self, name: str) -> None:
        axis = self.read_axes()
        self.reader.set_power(self.bench.beam_power_for_intensity(self.reader.name, self.read_intensity))
        self.reader.ensure_emission()
        # One raster, not blocks: each block parks the beam on its first pixel for the lead-in, an
        # extra read dose that a photoswitchable film remembers.
        image = scan_image(self.galvo, self.detector, axis, axis, self.read_dwell, should_stop=self.should_stop,
                           on_rows=self.image_rows(name, (axis.size, axis.size), x_um=axis, y_um=axis), block_s=None)
        self.reader.set_power(0.0)
        self.store_image(name, image, units="counts", x_um=axis, y_um=axis, intensity_kw_cm2=self.read_intensity,
                         dwell_s=self.read_dwell)
        self.progress(0.8 if name == "readout" else 1.0)

    def erase(self) -> None:
        """A high-intensity pump raster over the written area (and its margin)."""
        half = self.extent_um() / 2 + self.pixel
        step = self.pixel / 2
        axis = np.arange(-half, half + step / 2, step)
        self.reader.set_power(self.bench.beam_power_for_intensity(self.reader.name, self.erase_intensity))
        self.reader.ensure_emission()
        self.galvo.raster(axis, axis, self.erase_dwell)
        self.reader.set_power(0.0)

    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        summary: dict = {"pixels_written": int(len(data)),
                         "total_dose_j": float(data.dose_j.sum()) if len(data) else 0.0}
        if getattr(self, "resampling", None):
            summary["pattern_resampled"] = self.resampling
        target = images.get("target", {}).get("image")
        if target is None:
            return summary
        for name, prefix in (("readout", ""), ("readout_after_erase", "after_erase_")):
            if name in images:
                score = score_pattern(self._written_area(images[name]), target)
                summary[f"{prefix}fidelity"] = score.fidelity
                summary[f"{prefix}contrast"] = score.contrast
        return summary

    def _written_area(self, entry: dict) -> np.ndarray:
        """The read-out cropped to the pattern area (the read scan has a one-pixel margin)."""
        image, axis = entry["image"], np.asarray(entry["x_um"])
        half = self.extent_um() / 2
        inside = np.flatnonzero(np.abs(axis) <= half)
        return image[np.ix_(inside, inside)]

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        from .figures import draw_image, subplots

        panels = {"target": ("target", "write dose (fraction of full)", "gray_r"),
                  "dose_j": ("dose delivered", "dose at the sample (nJ)", "viridis"),
                  "readout": ("read-out", "counts per pixel", "magma"),
                  "readout_after_erase": ("after erasing", "counts per pixel", "magma")}
        shown = [(name, images[name]) for name in panels if name in images]
        # Both read-outs on one colour scale, so an erased film looks as uniform as it is.
        readouts = [np.asarray(images[name]["image"]) for name in ("readout", "readout_after_erase") if name in images]
        scale = (min(r.min() for r in readouts), max(r.max() for r in readouts)) if readouts else (None, None)
        figure, axes = subplots(1, max(1, len(shown)), figsize=(4.4 * max(1, len(shown)), 4.3), squeeze=False)
        for axis, (name, entry) in zip(axes[0], shown):
            title, label, cmap = panels[name]
            limits = scale if name.startswith("readout") else (None, None)
            image = np.asarray(entry["image"], dtype=float) * (1e9 if name == "dose_j" else 1.0)
            draw_image(figure, axis, image, entry.get("x_um"), entry.get("y_um"), label=label, cmap=cmap,
                       vmin=limits[0], vmax=limits[1], bar_colour="black" if name == "target" else "white")
            axis.set_title(title + (" (both read-outs on one scale)" if name == "readout_after_erase" else ""),
                           fontsize=9)
        title = (f"Photopatterning: fidelity {summary.get('fidelity', float('nan')):.2f}, "
                 f"contrast {summary.get('contrast', float('nan')):.2f}; after erasing fidelity "
                 f"{summary.get('after_erase_fidelity', float('nan')):.2f}")
        figure.suptitle(title, fontsize=10)
        notes = ["x right, y up: the pattern's top-left is written at the film's top-left"]
        if summary.get("pattern_resampled"):
            notes.append("WARNING: " + summary["pattern_resampled"])
        figure.text(0.01, 0.01, "\n".join(notes), fontsize=8, color="0.3" if len(notes) == 1 else "#b00000")
        figure.tight_layout(rect=(0, 0.09, 1, 0.95))
        return {"photopattern": figure}
