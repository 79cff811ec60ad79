"""The figures a run writes, inspected artist by artist: error bars, kept points, labels, colourbars, order.

Synthetic S-curves (random seeds, thresholds and grids) try to break the promises of
``procedures.figures``; small runs on the simulated bench check what each experiment draws.
"""

import logging
import re

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from matplotlib.colorbar import Colorbar
from matplotlib.container import ErrorbarContainer
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from anplab.procedures.analysis.threshold import avalanche_threshold, fitted_step
from anplab.procedures.base import open_bench
from anplab.procedures.figures import UPPER_LIMIT_MARKER, image_figure, nice_length, s_curve_figure, with_uncertainty
from anplab.procedures.patterns import load_pattern
from anplab.procedures.photopatterning import Photopatterning
from anplab.procedures.power_sweep import PowerSweep
from anplab.procedures.runner import load_data, run_procedure
from anplab.procedures.survey_figures import correlation_figure, threshold_map_figure
from anplab.procedures.thermometry import Thermometry
from anplab.procedures.threshold_search import ThresholdSearch

BACKGROUND = 100.0


def s_curve(seed: int, *, below: float, points: int = 36, shuffle: bool = False) -> pd.DataFrame:
    """A Poisson-noisy S-curve: ``below`` scales the emission under threshold (0: under the dark counts)."""
    rng = np.random.default_rng(seed)
    threshold = rng.uniform(4, 12)
    intensity = np.geomspace(threshold / 3, threshold * 5, points) * np.exp(rng.uniform(-0.02, 0.02, points))
    emission = below * intensity**2 * (1 + 300 / (1 + np.exp(-np.log(intensity / threshold) / 0.06)))
    emission += (below == 0) * 3e4 / (1 + np.exp(-np.log(intensity / threshold) / 0.06))
    gate = rng.choice([0.05, 0.1, 0.2], points)
    counts = rng.poisson((emission + BACKGROUND) * gate)
    table = pd.DataFrame({"intensity_kw_cm2": intensity, "counts": counts, "gate_s": gate,
                          "count_rate_s": counts / gate})
    return table.sample(frac=1.0, random_state=seed).reset_index(drop=True) if shuffle else table


def summary_of(table: pd.DataFrame) -> dict:
    return {"dark_count_rate_s": BACKGROUND, **avalanche_threshold(table, background=BACKGROUND).as_dict()}


def drawn_points(axis) -> tuple[list[ErrorbarContainer], list[Line2D]]:
    bars = [c for c in axis.containers if isinstance(c, ErrorbarContainer)]
    limits = [line for line in axis.lines if line.get_marker() == UPPER_LIMIT_MARKER]
    return bars, limits


def texts(figure) -> str:
    return "\n".join(t.get_text() for axis in figure.axes for t in axis.texts) + "\n" + \
        "\n".join(t.get_text() for t in figure.texts)


@pytest.mark.parametrize("seed", [1, 7, 23])
@pytest.mark.parametrize("below", [0.0, 30.0])
def test_every_reading_is_drawn_with_its_poisson_bar_and_sub_dark_ones_as_upper_limits(seed, below):
    table = s_curve(seed, below=below)
    figure = s_curve_figure({"up": table}, BACKGROUND, "t", summary_of(table))
    top, bottom = figure.axes[:2]
    bars, limits = drawn_points(top)
    assert len(bars) == 1
    x_bar, y_bar = bars[0].lines[0].get_data()
    x_lim = np.concatenate([line.get_xdata() for line in limits]) if limits else np.array([])
    assert len(x_bar) + len(x_lim) == len(table)  # nothing dropped
    net = table.count_rate_s - BACKGROUND
    sigma = np.sqrt(np.maximum(table.counts, 1)) / table.gate_s
    order = np.argsort(table.intensity_kw_cm2.to_numpy())
    np.testing.assert_allclose(y_bar, net.to_numpy()[order][net.to_numpy()[order] > 0])
    # The bar is the Poisson error of each reading: its top end is net + sqrt(N)/gate.
    (upper_caps,) = [seg for seg in bars[0].lines[2]][:1]
    tops = np.array([path[1, 1] for path in upper_caps.get_segments()])
    np.testing.assert_allclose(tops, (net + sigma).to_numpy()[order][net.to_numpy()[order] > 0])
    if (net <= 0).any():
        np.testing.assert_allclose(np.concatenate([line.get_ydata() for line in limits]), sigma[net <= 0].sort_index()
                                   .to_numpy()[np.argsort(table.intensity_kw_cm2[net <= 0].to_numpy())])
        assert any("at or below dark" in t.get_text() for t in top.get_legend().get_texts())
    # S has its error bars too.
    assert any(isinstance(c, ErrorbarContainer) for c in bottom.containers)


@pytest.mark.parametrize("seed", [2, 5, 11])
def test_threshold_and_s_max_are_written_with_their_uncertainty_or_as_a_bound(seed):
    for below in (0.0, 30.0):
        table = s_curve(seed, below=below)
        summary = summary_of(table)
        words = texts(s_curve_figure({"up": table}, BACKGROUND, "t", summary))
        error = summary["threshold_uncertainty_kw_cm2"]
        assert with_uncertainty(summary["threshold_kw_cm2"], error, "kW/cm²") in words
        assert "±" in words and summary["threshold_estimator"] in words
        if summary.get("s_max_is_lower_limit"):
            assert f"S_max ≥ {summary['s_max']:.3g}" in words
        else:
            assert f"S_max = {with_uncertainty(summary['s_max'], summary['s_max_uncertainty'])}" in words


def test_with_uncertainty_rounds_to_two_significant_digits_of_the_error():
    assert with_uncertainty(6.74174, 0.35735, "kW/cm²") == "6.74 ± 0.36 kW/cm²"
    assert with_uncertainty(2658.35, 547.5) == "2658 ± 548"
    assert with_uncertainty(1.0, float("nan")) == "1"


@pytest.mark.parametrize("seed", [3, 8])
def test_the_fitted_step_is_drawn_as_a_smooth_curve_in_intensity_order(seed):
    table = s_curve(seed, below=30.0, shuffle=True)
    summary = summary_of(table)
    assert summary["threshold_estimator"] == "smoothed-step fit"
    step = fitted_step(table, background=BACKGROUND)
    figure = s_curve_figure({"up": table}, BACKGROUND, "t", summary)
    fits = [line for line in figure.axes[0].lines if line.get_label().endswith("step fit")]
    assert len(fits) == 1
    x, y = fits[0].get_data()
    assert len(x) >= 300 and np.all(np.diff(x) > 0)
    np.testing.assert_allclose(y, step.emission(x))
    # Its slope peaks at the threshold the summary gives.
    slope_lines = [line for line in figure.axes[1].lines if len(line.get_xdata()) >= 300]
    sx, sy = slope_lines[0].get_data()
    assert sx[np.argmax(sy)] == pytest.approx(summary["threshold_kw_cm2"], rel=0.02)


def test_no_line_zig_zags_and_the_search_order_is_numbered():
    table = s_curve(4, below=0.0, points=20, shuffle=True)  # acquisition order, as a search takes them
    figure = s_curve_figure({"adaptive": table}, BACKGROUND, "t", summary_of(table), order_numbers=True)
    for axis in figure.axes:
        for line in axis.lines:
            x = np.asarray(line.get_xdata(), dtype=float)
            if x.size > 1 and np.ptp(x) > 0:
                assert np.all(np.diff(x) >= 0), line.get_label()
    numbers = sorted(int(t.get_text()) for t in figure.axes[0].texts if t.get_text().isdigit())
    assert numbers == list(range(1, len(table) + 1))
    first = next(t for t in figure.axes[0].texts if t.get_text() == "1")
    assert first.xy[0] == pytest.approx(table.intensity_kw_cm2.iloc[0])  # 1 is the first reading taken


def test_an_image_has_a_colourbar_with_units_a_scale_bar_and_y_up():
    rng = np.random.default_rng(5)
    image = rng.poisson(50, (12, 20)).astype(float)
    x, y = np.linspace(-3, 3, 20), np.linspace(-1.5, 1.5, 12)
    figure = image_figure(image, x, y, "scan", label="counts per pixel")
    axis = figure.axes[0]
    (shown,) = [a for a in axis.get_children() if isinstance(a, AxesImage)]
    assert shown.origin == "lower" and shown.colorbar is not None
    assert shown.colorbar.ax.get_ylabel() == "counts per pixel"
    left, right, bottom, top = shown.get_extent()
    assert (left, right) == pytest.approx((-3 - 3 / 19, 3 + 3 / 19)) and bottom < top
    assert any(child.get_gid() == "scale bar" for child in axis.get_children())
    assert "y up" in texts(figure)


@pytest.mark.parametrize("span, length", [(6.3, 1.0), (0.8, 0.1), (40, 5), (2.2, 0.2)])
def test_scale_bar_lengths_are_round(span, length):
    assert nice_length(span) == pytest.approx(length)


def test_a_user_picture_keeps_its_orientation(tmp_path):
    drawing = np.zeros((20, 20))
    drawing[1:4, 1:4] = 1.0  # a block at the picture's top-left only
    path = tmp_path / "corner.png"
    matplotlib.image.imsave(path, drawing, cmap="gray")
    pattern = load_pattern(str(path), 20)
    # Row k of a pattern is written at the k-th lowest y: the picture's top rows are the pattern's last.
    np.testing.assert_allclose(pattern, np.flipud(drawing), atol=1e-6)
    assert pattern[16:19, 1:4].min() == pytest.approx(1.0) and pattern[1:4, 1:4].max() == 0.0


def test_photopatterning_warns_of_resampling_and_every_panel_has_a_colourbar(run_on_bench, tmp_path, caplog):
    drawing = np.zeros((32, 32))
    drawing[0:20, 0:8] = drawing[0:8, 0:26] = 1.0  # a Γ: from the picture's top-left corner
    path = tmp_path / "gamma.png"
    matplotlib.image.imsave(path, drawing, cmap="gray")
    with caplog.at_level(logging.WARNING):
        run = run_on_bench(Photopatterning, pattern=str(path), pattern_pixels=8, read_pixels=12)
    assert "32x32 to 8x8" in run.summary["pattern_resampled"]
    assert any("32x32 to 8x8" in record.getMessage() for record in caplog.records)
    target = run.images()["target"]["image"]
    assert target[-1, 0] > 0.5 and target[0, -1] < 0.5  # top-left written at high y, low x
    procedure = Photopatterning(bench=run.bench, pattern=str(path), pattern_pixels=8, read_pixels=12)
    procedure.resampling = run.summary["pattern_resampled"]
    figure = procedure.figures(run.data(), run.summary, run.images())["photopattern"]
    panels = [a for a in figure.axes if any(isinstance(c, AxesImage) for c in a.get_children())]
    assert len(panels) == 4
    assert all(next(c for c in a.get_children() if isinstance(c, AxesImage)).colorbar is not None for a in panels)
    assert "WARNING: pattern resampled from 32x32 to 8x8" in texts(figure)


def test_a_pattern_drawn_at_its_size_is_not_said_to_be_resampled(run_on_bench):
    run = run_on_bench(Photopatterning, pattern_array=np.eye(6)[::-1], pattern_pixels=6, read_pixels=8)
    assert "pattern_resampled" not in run.summary


@pytest.mark.parametrize("cls, stem, extra", [(PowerSweep, "s_curve", dict(points=12)),
                                              (ThresholdSearch, "threshold_search", dict(points=5, max_points=8))])
def test_an_s_curve_title_names_the_particle_temperature_and_bench(tmp_path, cls, stem, extra):
    bench = open_bench("simulated", seed=4)
    try:
        procedure = cls(bench=bench, min_intensity=2.0, max_intensity=40.0, **extra)
        outcome = run_procedure(procedure, tmp_path)
        assert (outcome.folder / "figures" / f"{stem}.png").is_file()
        figure = procedure.figures(load_data(outcome.folder), outcome.summary, {})[stem]
        title = figure.axes[0].get_title()
        x, y = procedure.recall("parked_um")
        assert f"particle at ({x:.2f}, {y:.2f}) µm" in title
        assert re.search(r"\d+\.\d K", title) and bench.config.name in title and procedure.pump.name in title
        bars, _ = drawn_points(figure.axes[0])
        assert bars and "I_th = " in texts(figure)
    finally:
        bench.close()


def test_thermometry_calibration_fit_is_smooth_and_its_legend_clear_of_the_data(run_on_bench):
    run = run_on_bench(Thermometry, temperatures="295,285,275,265", hold=1.0, repeats=2, sweep_points=8)
    procedure = Thermometry(bench=run.bench, temperatures="295,285,275,265")
    figure = procedure.figures(run.data(), run.summary, {})["calibration"]
    calibration = figure.axes[0]
    fits = [line for line in calibration.lines if len(line.get_xdata()) >= 100]
    assert len(fits) == 1 and np.all(np.diff(fits[0].get_xdata()) > 0)
    table = pd.DataFrame(run.summary["calibration"])
    # The smooth curve passes through the calibration's fitted values.
    np.testing.assert_allclose(np.interp(table.temperature_k, *fits[0].get_data()), table.fit, rtol=2e-3)
    assert any(isinstance(c, ErrorbarContainer) for c in calibration.containers)
    figure.canvas.draw()
    legend = calibration.get_legend().get_window_extent()
    frame = calibration.get_window_extent()
    assert legend.y1 <= frame.y0 + 1  # below the axes: it covers no data
    threshold_panel = figure.axes[1] if len(figure.axes) > 2 else None
    if threshold_panel is not None and run.summary.get("threshold_kw_cm2"):
        assert any(isinstance(c, ErrorbarContainer) for c in threshold_panel.containers)
        x = next(c for c in threshold_panel.containers if isinstance(c, ErrorbarContainer)).lines[0].get_xdata()
        assert np.all(np.diff(x) > 0)


def survey_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 9
    lower = rng.random(n) < 0.4
    return pd.DataFrame({
        "particle": np.arange(n), "x_um": rng.uniform(-5, 5, n), "y_um": rng.uniform(-5, 5, n),
        "threshold_kw_cm2": rng.uniform(5, 9, n), "threshold_uncertainty_kw_cm2": rng.uniform(0.1, 0.5, n),
        "s_max": rng.uniform(10, 40, n), "s_max_uncertainty": np.where(lower, np.nan, 3.0),
        "s_max_is_lower_limit": np.where(lower, True, np.nan), "t90_s": rng.uniform(0.1, 0.5, n),
        "t90_uncertainty_s": rng.uniform(0.01, 0.03, n)})


@pytest.mark.parametrize("seed", [1, 4])
def test_survey_correlations_have_error_bars_and_show_lower_bounds_apart(seed):
    table = survey_table(seed)
    figure = correlation_figure(table, ("threshold_kw_cm2", "s_max", "t90_s"))
    assert len(figure.axes) == 3
    bound = table.s_max_is_lower_limit.eq(True).to_numpy()
    for axis in figure.axes:
        containers = [c for c in axis.containers if isinstance(c, ErrorbarContainer)]
        drawn = sum(len(c.lines[0].get_xdata()) for c in containers)
        assert drawn == len(table)
        involves_s_max = "S_max" in axis.get_xlabel() + axis.get_ylabel()
        marked = [c for c in containers if c.lines[0].get_marker() in ("^", ">")]
        assert (len(marked) == 1 and len(marked[0].lines[0].get_xdata()) == bound.sum()) == (involves_s_max
                                                                                                and bound.any())


def test_survey_map_has_a_colourbar_and_a_scale_bar():
    table = survey_table(2)
    overview = {"overview_0": {"image": np.random.default_rng(0).random((16, 16)), "x_um": np.linspace(-6, 6, 16),
                               "y_um": np.linspace(-6, 6, 16)}}
    figure = threshold_map_figure(table, overview)
    axis = figure.axes[0]
    assert any(isinstance(getattr(a, "_colorbar", None), Colorbar) for a in figure.axes[1:]) or len(figure.axes) == 2
    assert any(child.get_gid() == "scale bar" for child in axis.get_children())
    assert "of 9 particles" in axis.get_title()


@pytest.mark.parametrize("counts", [0, 380, 401, 2000])  # none, below, at and above the dark counts
def test_an_s_curve_of_a_run_stopped_after_one_reading_draws_without_warnings(counts, recwarn):
    # A run stopped after its first reading has no intensity range of its own (nor one without any reading).
    table = pd.DataFrame({"intensity_kw_cm2": [4.95], "counts": [counts], "gate_s": [4.06]}).head(int(counts > 0))
    table["count_rate_s"] = table.counts / table.gate_s
    figure = s_curve_figure({"up": table}, 92.19, "power sweep, stopped",
                            {"threshold_error": "too few points with a measurable slope to locate a threshold"})
    figure.canvas.draw()
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]
    low, high = figure.axes[0].get_xlim()
    assert 0 < low < high
