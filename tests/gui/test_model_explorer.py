"""The model explorer window (pytest-qt, offscreen)."""

from pathlib import Path

import numpy as np
import pytest

from anplab.simulated.physics.characteristics import avalanche_threshold
from anplab.simulated.physics.materials import get_material
from anplab.widgets.model_explorer import ModelExplorer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def window(qtbot):
    explorer = ModelExplorer()
    qtbot.addWidget(explorer)
    explorer.resize(1100, 800)
    explorer.show()
    qtbot.waitExposed(explorer)
    return explorer


def test_opens_on_the_default_material_with_its_s_curve(window):
    explorer = window
    x, y = explorer.slope.xData, explorer.slope.yData
    peak = x[np.argmax(y)]
    assert 5.0 <= peak <= 8.0 and y.max() > 26
    t, e = explorer.rise.xData, explorer.rise.yData
    assert t[-1] == pytest.approx(2.0) and e[-1] > e[1]
    ARTIFACTS.mkdir(exist_ok=True)
    window.grab().save(str(ARTIFACTS / "model_explorer.png"))


def test_changing_material_and_temperature_recomputes(window, qtbot):
    explorer = window
    explorer.material_box.setCurrentText("pryb-852")
    assert explorer.band_box.currentText() == "482nm"
    x, y = explorer.slope.xData, explorer.slope.yData
    assert 200 <= x[np.argmax(y)] <= 400
    explorer.temperature_box.setValue(150.0)
    explorer.temperature_box.editingFinished.emit()
    x, y = explorer.slope.xData, explorer.slope.yData
    expected = float(avalanche_threshold(get_material("pryb-852"), 150.0).intensity_kw_cm2)
    assert x[np.argmax(y)] == pytest.approx(expected, rel=0.05)


def test_rise_follows_the_chosen_intensity(window):
    explorer = window
    explorer.intensity_box.setValue(20.0)
    explorer.update_rise()
    fast = explorer.rise.yData
    explorer.intensity_box.setValue(6.7)
    explorer.update_rise()
    slow = explorer.rise.yData
    # Critical slowing down: at threshold the trace is still rising late on.
    assert slow[200] / slow[-1] < fast[200] / fast[-1]
