"""Scan images with whatever the bench offers, and finding a particle to park on."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .analysis.particles import find_particles

#: A hardware-timed image is rastered in blocks of rows at least this long (bench time), so a
#: viewer sees it fill in and a stop request is honoured within a block.
BLOCK_S = 0.25


def scan_image(scanner, counter, x_um, y_um, dwell_s: float, *, should_stop=lambda: False,
               on_rows: Callable[[int, np.ndarray], None] | None = None, block_s: float | None = BLOCK_S
               ) -> np.ndarray:
    """Counts per pixel, shape (len(y_um), len(x_um)).

    Hardware-timed and pixel-synchronous when the counter can follow the
    scanner's pixel clock (in blocks of rows of at least ``block_s``; None: the
    whole image in one raster); otherwise point by point (move, count a gate).
    ``on_rows(first_row, rows)`` gets each block (or row) as soon as it is
    counted.
    """
    x = np.asarray(x_um, dtype=float)
    y = np.asarray(y_um, dtype=float)
    image = np.zeros((y.size, x.size), dtype=np.int64)  # counts
    if counter.can_follow(scanner.pixel_clock):
        per_block = y.size if block_s is None else max(1, int(np.ceil(block_s / (dwell_s * x.size))))
        for first in range(0, y.size, per_block):
            if should_stop():
                break
            rows = scanner.raster(x, y[first:first + per_block], dwell_s, counter=counter)
            image[first:first + rows.shape[0]] = rows
            if on_rows is not None:
                on_rows(first, rows)
        return image
    scanner.move_to(x[0], y[0])
    counter.count(scanner.LEAD_IN_S)  # uncounted: the mirrors' jump and any afterglow of where the beam was
    for row, yy in enumerate(y):
        for col, xx in enumerate(x):
            if should_stop():
                return image
            scanner.move_to(xx, yy)
            image[row, col] = counter.count(dwell_s)
        if on_rows is not None:
            on_rows(row, image[row:row + 1])
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
    on_progress: Callable[[float], None] | None = None,
) -> tuple[float, float, float]:
    """Find the brightest particle near ``centre_um`` and park the beam on it; returns (x, y, peak counts).

    A coarse scan over +-``search_um`` finds candidates; a fine scan around
    the brightest refines its position to a count-weighted centroid.  The
    caller sets a pump intensity well above threshold first, so that the
    particles light up within the coarse dwell.  ``on_progress(fraction)``
    follows the two scans' rows, weighted by their scanning time.
    """
    cx, cy = centre_um
    half = min(search_um, scanner.range_um - abs(cx), scanner.range_um - abs(cy))
    x = np.linspace(cx - half, cx + half, coarse_pixels)
    y = np.linspace(cy - half, cy + half, coarse_pixels)
    coarse_s, fine_s = coarse_pixels**2 * coarse_dwell_s, fine_pixels**2 * fine_dwell_s
    coarse = scan_image(scanner, counter, x, y, coarse_dwell_s,
                        on_rows=_rows_done(on_progress, coarse_pixels, 0.0, coarse_s / (coarse_s + fine_s)))
    found = find_particles(coarse, x, y, min_separation_um=2 * (x[1] - x[0]))
    if found.empty:
        raise RuntimeError(f"no particle found within {half:.1f} um of ({cx:.1f}, {cy:.1f}) um")
    best = found.iloc[0]
    fx = np.linspace(best.x_um - fine_um / 2, best.x_um + fine_um / 2, fine_pixels)
    fy = np.linspace(best.y_um - fine_um / 2, best.y_um + fine_um / 2, fine_pixels)
    fx = np.clip(fx, -scanner.range_um, scanner.range_um)
    fy = np.clip(fy, -scanner.range_um, scanner.range_um)
    fine = scan_image(scanner, counter, fx, fy, fine_dwell_s,
                      on_rows=_rows_done(on_progress, fine_pixels, coarse_s / (coarse_s + fine_s), 1.0))
    weights = np.clip(fine - np.median(fine), 0, None)
    weights = np.where(weights >= 0.5 * weights.max(), weights, 0.0)
    if weights.sum() == 0:
        x0, y0 = float(best.x_um), float(best.y_um)
    else:
        xx, yy = np.meshgrid(fx, fy)
        x0, y0 = float((weights * xx).sum() / weights.sum()), float((weights * yy).sum() / weights.sum())
    scanner.move_to(x0, y0)
    return x0, y0, float(fine.max())


def _rows_done(report: Callable[[float], None] | None, rows: int, start: float, end: float):
    """An on_rows callback for scan_image that reports the fraction from ``start`` to ``end`` as rows come in."""
    if report is None:
        return None
    return lambda first, block: report(start + (end - start) * min(1.0, (first + block.shape[0]) / rows))
