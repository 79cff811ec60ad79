"""Scan images with whatever the bench offers, and finding a particle to park on."""

from __future__ import annotations

import numpy as np

from .analysis.particles import find_particles


def scan_image(scanner, counter, x_um, y_um, dwell_s: float, *, should_stop=lambda: False) -> np.ndarray:
    """Counts per pixel, shape (len(y_um), len(x_um)).

    Hardware-timed and pixel-synchronous when the counter can follow the
    scanner's pixel clock; otherwise point by point (move, count a gate).
    """
    x = np.asarray(x_um, dtype=float)
    y = np.asarray(y_um, dtype=float)
    if counter.can_follow(scanner.pixel_clock):
        return scanner.raster(x, y, dwell_s, counter=counter)
    scanner.move_to(x[0], y[0])
    counter.count(scanner.LEAD_IN_S)  # uncounted: the mirrors' jump and any afterglow of where the beam was
    image = np.zeros((y.size, x.size))
    for row, yy in enumerate(y):
        for col, xx in enumerate(x):
            if should_stop():
                return image
            scanner.move_to(xx, yy)
            image[row, col] = counter.count(dwell_s)
    return image


def locate_particle(
    scanner,
    counter,
    *,
    centre_um: tuple[float, float] = (0.0, 0.0),
    search_um: float = 10.0,
    coarse_pixels: int = 32,
    coarse_dwell_s: float = 0.02,
    fine_um: float = 0.8,
    fine_pixels: int = 17,
    fine_dwell_s: float = 0.05,
) -> tuple[float, float, float]:
    """Find the brightest particle near ``centre_um`` and park the beam on it; returns (x, y, peak counts).

    A coarse scan over +-``search_um`` finds candidates; a fine scan around
    the brightest refines its position to a count-weighted centroid.  The
    caller sets a pump intensity well above threshold first, so that the
    particles light up within the coarse dwell.
    """
    cx, cy = centre_um
    half = min(search_um, scanner.range_um - abs(cx), scanner.range_um - abs(cy))
    x = np.linspace(cx - half, cx + half, coarse_pixels)
    y = np.linspace(cy - half, cy + half, coarse_pixels)
    coarse = scan_image(scanner, counter, x, y, coarse_dwell_s)
    found = find_particles(coarse, x, y, min_separation_um=2 * (x[1] - x[0]))
    if found.empty:
        raise RuntimeError(f"no particle found within {half:.1f} um of ({cx:.1f}, {cy:.1f}) um")
    best = found.iloc[0]
    fx = np.linspace(best.x_um - fine_um / 2, best.x_um + fine_um / 2, fine_pixels)
    fy = np.linspace(best.y_um - fine_um / 2, best.y_um + fine_um / 2, fine_pixels)
    fx = np.clip(fx, -scanner.range_um, scanner.range_um)
    fy = np.clip(fy, -scanner.range_um, scanner.range_um)
    fine = scan_image(scanner, counter, fx, fy, fine_dwell_s)
    weights = np.clip(fine - np.median(fine), 0, None)
    weights = np.where(weights >= 0.5 * weights.max(), weights, 0.0)
    if weights.sum() == 0:
        x0, y0 = float(best.x_um), float(best.y_um)
    else:
        xx, yy = np.meshgrid(fx, fy)
        x0, y0 = float((weights * xx).sum() / weights.sum()), float((weights * yy).sum() / weights.sum())
    scanner.move_to(x0, y0)
    return x0, y0, float(fine.max())
