"""Every experiment anplab runs, by the name used on the command line and in sequences."""

from __future__ import annotations

from .base import BenchProcedure
from .hold_temperature import HoldTemperature
from .passi_scan import PassiScan
from .photopatterning import Photopatterning
from .power_sweep import PowerSweep
from .rise_time import RiseTime
from .thermometry import Thermometry
from .threshold_search import ThresholdSearch

PROCEDURES: dict[str, type[BenchProcedure]] = {
    cls.NAME: cls for cls in (PowerSweep, ThresholdSearch, RiseTime, Thermometry, Photopatterning, PassiScan,
                              HoldTemperature)
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
        try:
            parameter.value = value
        except (ValueError, TypeError) as error:
            raise ParameterProblem(key, f"{key}: {error}") from None
        checked[key] = parameter.value
    return cls(bench=bench, **checked)
