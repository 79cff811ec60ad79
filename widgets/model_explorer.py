"""The model explorer: the steady-state S-curve with its local slope, and the rise after a pump step.

Pick a material, temperature, shell and band; click the S-curve to choose the
intensity of the rise.  This is where a researcher lays a measurement beside
theory.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.simulated.physics.characteristics import avalanche_threshold
from anplab.simulated.physics.errors import ModelInputError
from anplab.simulated.physics.materials import DEFAULT_MATERIAL, MATERIALS, get_material
from anplab.simulated.physics.pump_waveforms import Step
from anplab.simulated.physics.steady_state import steady_state
from anplab.simulated.physics.transient import transient

_CURVE_POINTS = 300
_SPAN = 30.0  # the S-curve spans threshold / 30 .. threshold x 30


class ModelExplorer(QtWidgets.QWidget):
    """S-curve, local slope and rise trace of a material, recomputed whenever a setting changes."""

    def __init__(self, material: str = DEFAULT_MATERIAL, parent=None):
        super().__init__(parent)
        self.material_box = QtWidgets.QComboBox()
        self.material_box.addItems(sorted(MATERIALS))
        self.material_box.setCurrentText(material)
        self.temperature_box = _spin(4.0, 450.0, 300.0, " K", 1)
        self.shell_box = _spin(0.0, 20.0, get_material(material).shell_nm, " nm", 2)
        self.band_box = QtWidgets.QComboBox()
        self.intensity_box = _spin(1e-3, 1e5, 1.0, " kW/cm²", 3)
        self.status = QtWidgets.QLabel()

        form = QtWidgets.QFormLayout()
        form.addRow("Material", self.material_box)
        form.addRow("Temperature", self.temperature_box)
        form.addRow("Shell", self.shell_box)
        form.addRow("Band", self.band_box)
        form.addRow("Rise at", self.intensity_box)
        form.addRow(self.status)
        controls = QtWidgets.QWidget()
        controls.setLayout(form)
        controls.setMaximumWidth(320)

        self.curve_plot = pg.PlotWidget(title="Steady-state emission")
        self.curve_plot.setLogMode(x=True, y=True)
        self.curve_plot.setLabel("bottom", "Peak intensity (kW/cm²)")
        self.curve_plot.setLabel("left", "Emission (photons/s per particle)")
        self.curve = self.curve_plot.plot(pen=pg.mkPen("#1f77b4", width=2))
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen("#d62728", style=QtCore.Qt.PenStyle.DashLine))
        self.curve_plot.addItem(self.marker)
        self.slope_plot = pg.PlotWidget(title="Local slope S = dlnI_em / dlnI")
        self.slope_plot.setLogMode(x=True, y=False)
        self.slope_plot.setXLink(self.curve_plot)
        self.slope_plot.setLabel("bottom", "Peak intensity (kW/cm²)")
        self.slope = self.slope_plot.plot(pen=pg.mkPen("#2ca02c", width=2))
        self.rise_plot = pg.PlotWidget(title="Rise after the pump steps on")
        self.rise_plot.setLabel("bottom", "Time (s)")
        self.rise_plot.setLabel("left", "Emission (photons/s per particle)")
        self.rise = self.rise_plot.plot(pen=pg.mkPen("#9467bd", width=2))

        plots = QtWidgets.QVBoxLayout()
        for plot in (self.curve_plot, self.slope_plot, self.rise_plot):
            plots.addWidget(plot)
        layout = QtWidgets.QHBoxLayout(self)
        layout.addWidget(controls)
        layout.addLayout(plots, stretch=1)

        self.material_box.currentTextChanged.connect(self._material_changed)
        for box in (self.temperature_box, self.shell_box):
            box.editingFinished.connect(self.update_curves)
        self.band_box.currentTextChanged.connect(self.update_curves)
        self.intensity_box.editingFinished.connect(self.update_rise)
        self.curve_plot.scene().sigMouseClicked.connect(self._curve_clicked)
        self._material_changed(material)

    # -- recomputation ----------------------------------------------------------
    def _material(self):
        return get_material(self.material_box.currentText()).with_changes(shell_nm=self.shell_box.value())

    def _material_changed(self, key: str) -> None:
        material = get_material(key)
        self.band_box.blockSignals(True)
        self.band_box.clear()
        self.band_box.addItems(material.band_names)
        self.band_box.blockSignals(False)
        self.shell_box.setValue(material.shell_nm)
        self.update_curves(reset_intensity=True)

    def update_curves(self, reset_intensity: bool = False) -> None:
        try:
            material = self._material()
            temperature = self.temperature_box.value()
            band = self.band_box.currentText() or None
            threshold = avalanche_threshold(material, temperature, band=band)
            i_th = float(threshold.intensity_kw_cm2)
            intensity = np.geomspace(i_th / _SPAN, i_th * _SPAN, _CURVE_POINTS)
            ss = steady_state(material, intensity, temperature)
        except ModelInputError as error:
            self.status.setText(f"⚠ {error}")
            return
        self.curve.setData(intensity, ss.emission(band))
        self.slope.setData(intensity, ss.slope(band))
        self.status.setText(f"threshold {i_th:.3g} kW/cm²,  S_max {float(threshold.s_max):.1f}")
        if reset_intensity is True:
            self.intensity_box.setValue(i_th)
        self.update_rise()

    def update_rise(self) -> None:
        material = self._material()
        intensity = self.intensity_box.value()
        self.marker.setValue(np.log10(intensity))
        band = self.band_box.currentText() or None
        times = np.linspace(0.0, 2.0, 801)
        trace = transient(material, Step(intensity), times, self.temperature_box.value())
        self.rise.setData(times, trace.emission(band))
        self.rise_plot.setTitle(f"Rise after the pump steps on at {intensity:.3g} kW/cm²")

    def _curve_clicked(self, event) -> None:
        point = self.curve_plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.intensity_box.setValue(float(10 ** point.x()))
        self.update_rise()


def _spin(low: float, high: float, value: float, suffix: str, decimals: int) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    return box
