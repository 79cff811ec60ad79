"""Lake Shore 335, 336 or 350 in the TemperatureController role.

The model is whatever answers *IDN? when the bench opens.  Bench settings:
``output`` (control output, default 1) and ``input`` (the sensor reported as
the temperature; default the output's control input).  For a simulated
bench, ``model`` (335, 336 or 350; default 336) picks the simulated model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from anplab.drivers.lakeshore_335_336_350 import (
    HeaterError,
    LakeShore350,
    LakeShoreHeaterOutput,
    LakeShoreTemperatureController,
    open_lakeshore,
)

from ..errors import InstrumentFault, reading
from ..registry import DriverEntry, visa_address_problem
from ..settings import DriverSettings, setting
from ..temperature_controller import TemperatureController, TemperatureLimits

#: Role heater ranges on the 350's five ranges; reading back, ranges 1 and 2 count as "low".
_RANGES_350 = {"off": 0, "low": 3, "medium": 4, "high": 5}
_ROLE_RANGE_350 = {0: "off", 1: "low", 2: "low", 3: "low", 4: "medium", 5: "high"}


class Settings(DriverSettings):
    output: int = setting(1, "the control output (heater) the role drives", ge=1, le=4)
    input: Literal["A", "B", "C", "D"] | None = setting(
        None, "the sensor input reported as the temperature (unset: the output's control input)")
    model: Literal["335", "336", "350"] = setting("336", "the simulated controller's model (a real one answers "
                                                          "*IDN?)", simulation_only=True)

    @field_validator("model", mode="before")
    @classmethod
    def _model_as_text(cls, value):
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class LakeShoreController(TemperatureController):
    """Setpoint, ramp and heater range of one control output; temperature of one input."""

    def __init__(self, name: str, spec, driver: LakeShoreTemperatureController):
        limits = spec.limits
        super().__init__(name, TemperatureLimits(limits.min_k, limits.max_k, limits.max_ramp_k_per_min))
        self.driver = driver
        self.output = getattr(driver, f"output_{spec.settings.output}")
        letter = spec.settings.input or self.output.mode[1] or "A"
        self.input = getattr(driver, f"input_{letter}")

    def _get_temperature_k(self) -> float:
        # The reading and its status travel together: a broken sensor reads as a number
        # (often 0 K), and only RDGST? says it is not a temperature.
        kelvin, status = self.input.reading()
        if status:
            raise InstrumentFault(self.name, f"input {self.input.id}: {status.describe()}")
        return kelvin

    def _get_setpoint_k(self) -> float:
        return reading(self.output.setpoint, "setpoint")

    def _set_setpoint_k(self, kelvin: float) -> None:
        self.output.setpoint = kelvin

    def _get_ramp_rate_k_per_min(self) -> float:
        enabled, rate = self.output.ramp
        return rate if enabled else 0.0

    def _set_ramp_rate_k_per_min(self, rate: float) -> None:
        if rate > 0:
            self.output.ramp = (True, rate)
        else:
            _, previous = self.output.ramp
            self.output.ramp = (False, previous)

    def _get_heater_range(self) -> str:
        value = self.output.range
        return _ROLE_RANGE_350[value] if isinstance(self.driver, LakeShore350) else value

    def _set_heater_range(self, value: str) -> None:
        self.output.range = _RANGES_350[value] if isinstance(self.driver, LakeShore350) else value

    def _get_heater_output_percent(self) -> float:
        if not isinstance(self.output, LakeShoreHeaterOutput):
            return reading(self.output.output, "output")
        percent, status = self.output.output_and_status()
        if status is not HeaterError.NO_ERROR:
            # The controller has switched the heater off; HTRST? reports it once.
            raise InstrumentFault(self.name, f"heater output {self.output.id}: {status.name.lower().replace('_', ' ')}")
        return percent

    def _identification(self) -> str:
        return f"Lake Shore {self.driver.model}: {self.driver.id}"


ENTRY = DriverEntry(
    key="lakeshore_335_336_350",
    role="temperature_controller",
    title="Lake Shore Model 335, 336 or 350 cryogenic temperature controller (USB / Ethernet / GPIB)",
    make_driver=lambda adapter, spec: open_lakeshore(adapter),
    make_role=LakeShoreController,
    check_address=visa_address_problem,
    settings=Settings,
)
