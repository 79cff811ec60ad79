"""Live plots fed with records as a run emits them (pytest-qt, offscreen)."""

import numpy as np
import pytest

from anplab.gui import main
from anplab.widgets.live_plots import LiveView


@pytest.fixture
def view(qtbot, request):
    view = LiveView(request.param)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.stop()


@pytest.mark.parametrize("view", ["power-sweep"], indirect=True)
def test_a_long_sweep_is_held_whole_and_drawn_decimated(view):
    intensity = np.geomspace(1, 60, 100_000)
    rate = 100 + 1e4 * (intensity / 7) ** 20 / (1 + (intensity / 7) ** 18)
    view.add("batch results", [{"intensity_kw_cm2": 0.0, "count_rate_s": 100.0}])
    for chunk in np.array_split(np.arange(intensity.size), 50):
        view.add("batch results", [{"intensity_kw_cm2": i, "count_rate_s": r} for i, r in
                                   zip(intensity[chunk], rate[chunk])])
    view.redraw()
    panel = view.panels["scurve"]
    assert view.rows == 100_001 and len(panel.data) == 100_000
    shown_x, _ = panel.points.getData()
    assert 0 < shown_x.size < 20_000  # pyqtgraph draws a peak-preserving subset, not every point
    slope_x, slope_y = panel.slope.getOriginalDataset()
    assert 10 < slope_y.max() < 25  # the binned local slope still finds the steep part


@pytest.mark.parametrize("view", ["rise-time"], indirect=True)
def test_rise_traces_are_drawn_as_the_figure_draws_them_the_latest_per_intensity(view):
    times = np.arange(-0.05, 1, 0.01) + 0.005
    rng = np.random.default_rng(3)
    for intensity in (6.7, 13.4):
        for tau in (0.1, 0.2, 0.3):  # the latest repeat is shown
            counts = rng.poisson(5 + 300 * (1 - np.exp(-np.clip(times, 0, None) / tau)) * (times > 0))
            view.add("batch results", [{"intensity_kw_cm2": intensity, "phase": 1, "time_s": t, "counts": int(c),
                                        "gate_s": 0.01} for t, c in zip(times, counts)])
            view.add("batch results", [{"intensity_kw_cm2": intensity, "phase": -1, "time_s": t, "counts": 7,
                                        "gate_s": 2e-4} for t in times[:20]])  # decays: not in the figure
    view.add("results", {"intensity_kw_cm2": 7.0, "phase": 0, "time_s": 1.0, "counts": 50, "gate_s": 0.1})
    view.redraw()
    traces = view.panels["traces"]
    assert set(traces.curves) == {(6.7, 1), (13.4, 1)}
    x, y = traces.curves[(13.4, 1)].getOriginalDataset()  # the last trace added
    # The figure's convention: (counts - mean before the step) / (mean of the last fifth - that baseline).
    baseline, plateau = counts[times < 0].mean(), counts[-len(counts) // 5:].mean()
    assert np.allclose(x, times) and np.allclose(y, (counts - baseline) / (plateau - baseline))
    assert abs(np.interp(0.3, x, y) - (1 - np.exp(-1))) < 0.1  # the slowest repeat, the last one added
    assert len(view.panels["scurve"].data) == 1  # the locating reading goes to the S-curve


@pytest.mark.parametrize("view", ["hold-temperature"], indirect=True)
def test_temperature_is_drawn_against_bench_time_with_its_setpoint(view):
    view.add("batch results", [{"time_s": t, "temperature_k": 295 - t / 10, "setpoint_k": 280.0} for t in range(100)])
    view.redraw()
    x, y = view.panels["temperature"].reading.getOriginalDataset()
    assert x[-1] == 99 and y[-1] == pytest.approx(285.1)
    view.reset()
    view.redraw()
    assert len(view.panels["temperature"].data) == 0


@pytest.mark.parametrize("view", ["photopatterning"], indirect=True)
def test_photopatterning_shows_the_dose_map_as_it_is_written(view):
    for row, col in [(0, 0), (0, 2), (3, 1)]:
        view.add("results", {"row": row, "col": col, "dose_j": 1e-6 * (row + col + 1), "time_s": 1.0})
    view.redraw()
    image = view.panels["image"].images["dose_j (live)"]
    assert image.shape == (4, 3) and image[3, 1] == pytest.approx(5e-6) and np.isnan(image[1, 1])


def test_a_bench_file_with_a_mistake_is_one_line_and_status_2(tmp_path, capsys):
    bad = tmp_path / "bench.yaml"
    bad.write_text("instruments: {}\n")
    with pytest.raises(SystemExit) as exit_:
        main(["--bench", str(bad)])
    assert exit_.value.code == 2
    assert "bench.yaml" in capsys.readouterr().err


@pytest.mark.parametrize("view", ["power-sweep"], indirect=True)
def test_readings_at_or_below_dark_are_drawn_at_their_noise_not_dropped(view):
    rng = np.random.default_rng(11)
    intensity = np.geomspace(1, 60, 30)
    gate = 0.1
    expected = 100 + np.where(intensity > 7, 1e4 * (intensity / 7) ** 3, 0.0)
    counts = rng.poisson(expected * gate)
    view.add("batch results", [{"intensity_kw_cm2": 0.0, "count_rate_s": 100.0, "counts": 10, "gate_s": 0.1}])
    view.add("batch results", [{"intensity_kw_cm2": i, "count_rate_s": c / gate, "counts": int(c), "gate_s": gate}
                               for i, c in zip(intensity, counts)])
    view.redraw()
    panel = view.panels["scurve"]
    net = counts / gate - 100.0
    above_x, above_y = panel.points.getOriginalDataset()
    below_x, below_y = panel.limits.getOriginalDataset()
    assert (net <= 0).any() and above_x.size + below_x.size == intensity.size  # every reading drawn
    np.testing.assert_allclose(above_y, net[net > 0])  # dark-subtracted, as the files
    np.testing.assert_allclose(below_y, np.sqrt(np.maximum(counts[net <= 0], 1)) / gate)
    _, slope_y = panel.slope.getOriginalDataset()
    assert panel.slope_bars.opts["height"].size > 0 and np.all(np.isfinite(slope_y))
