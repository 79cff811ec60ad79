"""Typed per-driver settings: what a bench file's ``settings`` may hold for each driver (qudi-style options).

Each driver's registry entry declares a :class:`DriverSettings` subclass:
names, types, units, ranges, defaults and meaning.  A bench file's
``settings`` mapping is validated against it with the bench file, before
anything opens: an unknown or misspelt key, a wrong type or an
out-of-range value is refused with the file, line and key (a misspelt
``max_output_w`` on a 20 W laser would otherwise double every power).

    class Settings(DriverSettings):
        max_output_w: float = setting(10.0, "rated output at 100 % current", unit="W", gt=0)

Settings that configure only the simulated instrument (a serial number, a
firmware string) are marked ``simulation_only``; a real instrument ignores
them.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class DriverSettings(BaseModel):
    """A driver's bench settings; subclasses declare the fields with :func:`setting`."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """A yes/no where a number belongs is a mistake, not 1 or 0 (YAML reads ``on``, ``no``, ``false`` as
        booleans, and pydantic's lax mode would take them as numbers)."""
        annotation = cls.model_fields[info.field_name].annotation
        if isinstance(value, bool) and bool not in (annotation, *get_args(annotation)):
            raise ValueError(f"a number or text is needed here, not the yes/no value {value}")
        return value

    def given(self, name: str) -> bool:
        """Whether the bench file set ``name`` (rather than leaving it to its default)."""
        return name in self.model_fields_set


def setting(default: Any = ..., description: str = "", *, unit: str | None = None, simulation_only: bool = False,
            **constraints) -> Any:
    """A settings field: default (``...``: required), meaning, unit, and pydantic constraints (gt, le, ...)."""
    extra = {"unit": unit} if unit else {}
    if simulation_only:
        extra["simulation_only"] = True
    return Field(default, description=description, json_schema_extra=extra or None, **constraints)


def describe(settings: type[DriverSettings]) -> list[dict]:
    """Each setting's name, type, unit, default and meaning, for documentation and ``--help``."""
    rows = []
    for name, field in settings.model_fields.items():
        extra = field.json_schema_extra or {}
        annotation = field.annotation
        rows.append({
            "name": name,
            "type": getattr(annotation, "__name__", str(annotation)).replace("typing.", ""),
            "unit": extra.get("unit"),
            "default": None if field.is_required() else field.default,
            "required": field.is_required(),
            "simulation_only": bool(extra.get("simulation_only")),
            "description": field.description or "",
        })
    return rows


class NoSettings(DriverSettings):
    """A driver with no bench settings: any key is a mistake."""
