"""Temperature curves of the simulated Lake Shore controllers: sensor units <-> kelvin.

A Lake Shore input converts what it measures (volts for a diode, ohms for a
resistor) to kelvin through a curve: a standard curve (1-20) stored in the
instrument, or a user curve (21-59) loaded point by point with CRVPT.  The
simulated controller works the other way round as well: the world gives the
sensor's temperature, the curve gives the sensor units it would measure
(SRDG?), and a temperature outside the curve's span is what sets the
temperature under/overrange status bits.

The standard curves carried here are the ones a lab plugs in most:

* ``DT-470`` (curve 1): silicon diode, volts against kelvin.  The simulator
  does not hold Lake Shore's full curve table; it uses a monotone (PCHIP)
  interpolation through the three DT-470 SoftCal points Lake Shore's own
  driver uses (4.2 K 1.62622 V, 77.35 K 1.02032 V, 305 K 0.50691 V) and a
  few more points that follow the curve's published shape.  Readings are
  therefore close to, not identical with, a real DT-470's.
* ``PT-100`` and ``PT-1000`` (curves 6 and 7): platinum resistors, from the
  IEC 60751 Callendar-Van Dusen equation (R0 = 100 or 1000 ohm), over the
  equation's span of 73.15 K to 800 K.

Other standard curve numbers answer CRVHDR? with an empty header
(the simulator does not know their data), and no input can use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import PchipInterpolator

#: Curve data formats of CRVHDR: 1 mV/K, 2 V/K, 3 ohm/K, 4 log ohm/K.
MV_PER_K, V_PER_K, OHM_PER_K, LOG_OHM_PER_K = 1, 2, 3, 4
NEGATIVE, POSITIVE = 1, 2  # temperature coefficients

# (kelvin, volts) through the DT-470 SoftCal points and the curve's shape (see the module docstring).
_DT470 = np.array([
    (1.4, 1.6981), (4.2, 1.62622), (10.0, 1.4206), (20.0, 1.2144), (30.0, 1.1040), (40.0, 1.0850),
    (50.0, 1.0730), (77.35, 1.02032), (100.0, 0.9755), (150.0, 0.8690), (200.0, 0.7555),
    (250.0, 0.6360), (305.0, 0.50691), (350.0, 0.4070), (400.0, 0.2894), (475.0, 0.0906),
])


def _callendar_van_dusen(r0: float, kelvin: np.ndarray) -> np.ndarray:
    """IEC 60751 platinum resistance at ``kelvin`` (valid 73.15 K to 1123 K)."""
    a, b, c = 3.9083e-3, -5.775e-7, -4.183e-12
    t = np.asarray(kelvin, dtype=float) - 273.15
    cold = np.where(t < 0, c * (t - 100.0) * t ** 3, 0.0)
    return r0 * (1.0 + a * t + b * t ** 2 + cold)


@dataclass
class Curve:
    """One curve: its header and its points, (sensor units, kelvin) in the order CRVPT numbers them."""

    name: str
    serial: str
    data_format: int
    limit_k: float
    coefficient: int
    points: list[tuple[float, float]] = field(default_factory=list)

    def __post_init__(self):
        self._rebuild()

    def _rebuild(self) -> None:
        defined = sorted((kelvin, units) for units, kelvin in self.points if (units, kelvin) != (0.0, 0.0))
        self._kelvin = np.array([kelvin for kelvin, _ in defined])
        units = np.array([units for _, units in defined])
        self._to_units = PchipInterpolator(self._kelvin, units) if len(defined) >= 2 else None

    @property
    def usable(self) -> bool:
        """Whether the curve has enough points to convert readings."""
        return self._to_units is not None

    @property
    def span_k(self) -> tuple[float, float]:
        return float(self._kelvin[0]), float(self._kelvin[-1])

    def sensor_units(self, kelvin: float) -> float:
        """What the sensor measures at ``kelvin`` (clamped to the curve's span)."""
        low, high = self.span_k
        return float(self._to_units(min(max(kelvin, low), high)))

    def set_point(self, index: int, units: float, kelvin: float) -> None:
        """CRVPT: point ``index`` (1-200) of a user curve; a point of 0,0 ends the curve there."""
        while len(self.points) < index:
            self.points.append((0.0, 0.0))
        self.points[index - 1] = (units, kelvin)
        self._rebuild()

    def point(self, index: int) -> tuple[float, float]:
        """CRVPT?: (sensor units, kelvin) of point ``index``; 0,0 past the last one."""
        return self.points[index - 1] if index <= len(self.points) else (0.0, 0.0)


def standard_curves() -> dict[int, Curve]:
    """The standard curves a simulated controller holds (fresh objects: each controller owns its own)."""
    pt = np.linspace(73.15, 800.0, 60)
    return {
        1: Curve("DT-470", "STANDARD", V_PER_K, 475.0, NEGATIVE, [(v, k) for k, v in _DT470]),
        6: Curve("PT-100", "STANDARD", OHM_PER_K, 800.0, POSITIVE,
                 [(float(r), float(k)) for k, r in zip(pt, _callendar_van_dusen(100.0, pt))]),
        7: Curve("PT-1000", "STANDARD", OHM_PER_K, 800.0, POSITIVE,
                 [(float(r), float(k)) for k, r in zip(pt, _callendar_van_dusen(1000.0, pt))]),
    }


def empty_curve() -> Curve:
    """A curve slot with nothing in it."""
    return Curve("", "", 0, 0.0, 0)


#: Which curve data formats each sensor type (INTYPE) can use: diode V/K (or mV/K), resistors ohm/K.
FORMATS_FOR_TYPE = {1: (MV_PER_K, V_PER_K), 2: (OHM_PER_K, LOG_OHM_PER_K), 3: (OHM_PER_K, LOG_OHM_PER_K)}
