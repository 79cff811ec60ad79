"""Every experiment anplab runs, by the name used on the command line and in sequences."""

from __future__ import annotations

import math

from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from .base import BenchProcedure
from .hold_temperature import HoldTemperature
from .parameter_messages import refusal
from .particle_survey import ParticleSurvey
from .passi_scan import PassiScan
from .photopatterning import Photopatterning
from .power_sweep import PowerSweep
from .rise_time import RiseTime
from .thermometry import Thermometry
from .threshold_search import ThresholdSearch

PROCEDURES: dict[str, type[BenchProcedure]] = {
    cls.NAME: cls for cls in (PowerSweep, ThresholdSearch, RiseTime, Thermometry, Photopatterning, PassiScan,
                              HoldTemperature, ParticleSurvey)
}


def procedure_class(name: str) -> type[BenchProcedure]:
    try:
        return PROCEDURES[name]
    except KeyError:
        raise KeyError(f"unknown procedure {name!r}; procedures: {', '.join(PROCEDURES)}") from None


class ParameterProblem(ValueError):
    """A parameter a procedure does not have, or a value it does not accept; ``parameter`` names it."""

    def __init__(self, parameter: str | None, message: str):
        super().__init__(message)
        self.parameter = parameter


def configure(name: str, values: dict, bench=None) -> BenchProcedure:
    """Procedure ``name`` with ``values`` (name -> value, text or typed) checked by its own parameter declarations.

    Raises ParameterProblem naming the offending parameter (KeyError for an unknown procedure).
    """
    cls = procedure_class(name)
    parameters = cls().parameter_objects()
    checked = {}
    for key, value in values.items():
        if key not in parameters:
            raise ParameterProblem(key, f"{name} has no parameter {key!r}; parameters: {', '.join(sorted(parameters))}")
        parameter = parameters[key]
        if value is None:  # 'points:' left empty in a file
            raise ParameterProblem(key, f"{key}: needs a value")
        if isinstance(value, bool) and isinstance(parameter, (FloatParameter, IntegerParameter)):
            raise ParameterProblem(key, f"{key}: expected a number, not {value}")  # pymeasure takes 'yes' as 1
        if type(parameter) is Parameter:  # free text (a name, a list, 'auto'): numbers are fine as text
            value = _as_text(key, value)
        try:
            parameter.value = value
        except (ValueError, TypeError, OverflowError) as error:
            raise ParameterProblem(key, refusal(key, parameter, value) or f"{key}: {error}") from None
        if isinstance(parameter.value, float) and not math.isfinite(parameter.value):  # pymeasure lets NaN through
            raise ParameterProblem(key, f"{key}: must be a number, not {parameter.value}")
        checked[key] = parameter.value
    return cls(bench=bench, **checked)


def _as_text(key: str, value) -> str:
    if isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return ",".join(f"{v:g}" for v in value)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ParameterProblem(key, f"{key}: expected text or a number, not {value!r}")
    return f"{value:g}" if isinstance(value, float) else str(value)
