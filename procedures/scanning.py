"""Scan images with whatever the bench offers, and finding a particle to park on."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import poisson

from .analysis.particles import find_particles

#: A hardware-timed image is rastered in blocks of rows at least this long (bench time), so a
#: viewer sees it fill in and a stop request is honoured within a block.
BLOCK_S = 0.25
#: Coarse-scan candidates the particle search checks with a fine scan, brightest first.
CANDIDATES = 3


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
    fine_pixels: int = 9,
    fine_dwell_s: float | None = None,
    longest_dwell_s: float | None = None,
    on_progress: Callable[[float], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> tuple[float, float, float]:
    """Find the brightest particle near ``centre_um`` and park the beam on it; returns (x, y, peak counts).

    A coarse scan over +-``search_um`` finds candidates; a fine scan around
    the brightest refines its position to a count-weighted centroid.  The
    caller sets a pump intensity well above threshold first, so that the
    particles light up within the coarse dwell.

    A candidate counts only if no pixel of that scan would reach its counts
    from the background alone (Poisson, 1 in 1000 per scan; see
    :func:`detection_level`), in the coarse scan and again in the fine one.
    An avalanche lights a particle only after about its rise time: when
    nothing is found, the dwells double (at most to ``longest_dwell_s``,
    default 8x ``coarse_dwell_s``) and the scan is taken again;
    ``on_retry(message)`` hears why.  The fine scan (``fine_dwell_s``,
    default the coarse dwell) rasters each row forward and back: the
    emission lags the beam by the rise, which shifts a one-way centroid
    along the fast axis (by about 35 nm at a dwell near the rise time).
    ``on_progress(fraction)`` follows the scans' rows, weighted by their
    scanning time.
    """
    cx, cy = centre_um
    half = min(search_um, scanner.range_um - abs(cx), scanner.range_um - abs(cy))
    x = np.linspace(cx - half, cx + half, coarse_pixels)
    y = np.linspace(cy - half, cy + half, coarse_pixels)
    fine_dwell = coarse_dwell_s if fine_dwell_s is None else fine_dwell_s
    longest = 8.0 * coarse_dwell_s if longest_dwell_s is None else longest_dwell_s
    stretch = 1.0
    while True:
        found = _search_once(scanner, counter, x, y, coarse_dwell_s * stretch, fine_um, fine_pixels,
                             fine_dwell * stretch, on_progress)
        if isinstance(found, tuple):
            return found
        dwell_ms = coarse_dwell_s * stretch * 1e3
        if 2 * dwell_ms > longest * 1e3 * (1 + 1e-9):
            raise RuntimeError(f"no particle found within {half:.1f} um of ({cx:.1f}, {cy:.1f}) um "
                               f"({found}, at a coarse dwell of up to {dwell_ms:.3g} ms)")
        if on_retry is not None:
            on_retry(f"particle search: {found} at a coarse dwell of {dwell_ms:.3g} ms; "
                     f"scanning again at {2 * dwell_ms:.3g} ms")
        stretch *= 2


def detection_level(background_counts: float, pixels: int, false_alarm: float = 1e-3) -> float:
    """Counts above which a pixel is a particle: a background-only scan of ``pixels`` pixels (Poisson,
    mean ``background_counts`` each) has a pixel above it with probability ``false_alarm``."""
    return float(poisson.isf(false_alarm / max(pixels, 1), max(background_counts, 1e-3)))


def _background(image: np.ndarray) -> float:
    """Mean background counts per pixel of a scan where particles fill few pixels: the mean of the pixels
    below the detection level, clipped again until it settles (a Poisson-clipped mean; the median of a
    few counts per pixel is an integer and can be off by half a count)."""
    values = np.asarray(image, dtype=float).ravel()
    mean = float(values.mean())
    for _ in range(20):
        kept = values[values <= detection_level(mean, values.size)]
        clipped = float(kept.mean()) if kept.size else mean
        if abs(clipped - mean) <= 1e-6 * max(mean, 1.0):
            break
        mean = clipped
    return mean


def _search_once(scanner, counter, x, y, coarse_dwell_s, fine_um, fine_pixels, fine_dwell_s, on_progress):
    """One coarse and fine scan: (x, y, peak counts), or why no particle was found."""
    coarse_s, fine_s = x.size * y.size * coarse_dwell_s, 2 * fine_pixels**2 * fine_dwell_s
    share = coarse_s / (coarse_s + fine_s)
    coarse = scan_image(scanner, counter, x, y, coarse_dwell_s, on_rows=_rows_done(on_progress, y.size, 0.0, share))
    background = _background(coarse)
    level = max(detection_level(background, coarse.size), 0.1 * float(coarse.max()))
    found = find_particles(coarse, x, y, min_separation_um=2 * (x[1] - x[0]), threshold=level)
    if found.empty:
        return f"no pixel above the background's {level:.0f} counts"
    fine_background = background * 2 * fine_dwell_s / coarse_dwell_s
    # The brightest candidates in turn: a particle the beam lit late glows on into the next coarse pixel,
    # which can put a candidate a pixel past it, outside the fine scan.
    for best in found.head(CANDIDATES).itertuples():
        fx = np.clip(np.linspace(best.x_um - fine_um / 2, best.x_um + fine_um / 2, fine_pixels),
                     -scanner.range_um, scanner.range_um)
        fy = np.clip(np.linspace(best.y_um - fine_um / 2, best.y_um + fine_um / 2, fine_pixels),
                     -scanner.range_um, scanner.range_um)
        forward = scan_image(scanner, counter, fx, fy, fine_dwell_s,
                             on_rows=_rows_done(on_progress, fine_pixels, share, (1 + share) / 2))
        back = scan_image(scanner, counter, fx[::-1], fy[::-1], fine_dwell_s,
                          on_rows=_rows_done(on_progress, fine_pixels, (1 + share) / 2, 1.0))[::-1, ::-1]
        fine = forward + back
        if fine.max() > detection_level(fine_background, fine.size):
            break
    else:
        return f"no candidate was there again in a fine scan ({min(len(found), CANDIDATES)} tried)"
    weights = np.clip(fine - fine_background, 0, None)
    weights = np.where(weights >= 0.5 * weights.max(), weights, 0.0)
    xx, yy = np.meshgrid(fx, fy)
    x0, y0 = float((weights * xx).sum() / weights.sum()), float((weights * yy).sum() / weights.sum())
    scanner.move_to(x0, y0)
    return x0, y0, float(fine.max())


def _rows_done(report: Callable[[float], None] | None, rows: int, start: float, end: float):
    """An on_rows callback for scan_image that reports the fraction from ``start`` to ``end`` as rows come in."""
    if report is None:
        return None
    return lambda first, block: report(start + (end - start) * min(1.0, (first + block.shape[0]) / rows))
