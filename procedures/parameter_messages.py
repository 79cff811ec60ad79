"""Why a procedure parameter refused a value, in the user's terms: its name, its bounds, what was given.

pymeasure's parameters refuse a value with messages about themselves
("IntegerParameter given non-integer value of type '<class 'str'>'",
"FloatParameter value is above the maximum"): class names, no bounds, not
the value.  These say it as the procedure declares the parameter.
"""

from __future__ import annotations

import math

from pymeasure.experiment import BooleanParameter, FloatParameter, IntegerParameter, ListParameter, Parameter


def refusal(key: str, parameter: Parameter, value) -> str:
    """The one-line reason ``parameter`` (called ``key``) refuses ``value``, without pymeasure's wording.

    Returns "" for a parameter of a kind it does not know (the caller keeps its own error).
    """
    given = _given(value)
    title = f"{key} ({parameter.name})" if parameter.name and parameter.name != key else key
    units = f" {parameter.units}" if getattr(parameter, "units", None) else ""
    if isinstance(parameter, (IntegerParameter, FloatParameter)):
        whole = isinstance(parameter, IntegerParameter)
        kind = "a whole number" if whole else "a number"
        bounds = f"from {_number(parameter.minimum)} to {_number(parameter.maximum)}{units}"
        number = _as_number(value, parameter.units, whole)
        if number is None:
            return f"{title}: expected {kind} {bounds}, got {given}"
        if number < parameter.minimum:
            return f"{title}: {_number(number)}{units} is below the lowest allowed ({bounds})"
        if number > parameter.maximum:
            return f"{title}: {_number(number)}{units} is above the highest allowed ({bounds})"
        return f"{title}: expected {kind} {bounds}, got {given}"
    if isinstance(parameter, BooleanParameter):
        return f"{title}: expected true or false, got {given}"
    if isinstance(parameter, ListParameter):
        return f"{title}: expected one of {', '.join(map(str, parameter.choices or ()))}, got {given}"
    return ""


def _as_number(value, units: str | None, whole: bool) -> float | None:
    """``value`` as the parameter reads it (a trailing unit must be its own), or None when it is no number."""
    if isinstance(value, str):
        text, _, unit = value.strip().partition(" ")
        if unit and unit != units:
            return None
        value = text
    try:
        number = int(value) if whole else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if not isinstance(number, float) or math.isfinite(number) else None


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _given(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
