"""The bench file: which instruments fill which roles, where they are, their limits and calibrations.

A bench file is YAML.  It is validated completely, with the file, line and
field of every problem, before any instrument is opened.  ``simulation``
present means a simulated bench: its sample, clock and faults configure the
virtual world, and ``address: sim`` instruments are simulated devices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .yaml_lines import BenchFileError, load_with_lines

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- per-role limits and calibrations ----------------------------------------------------
class LaserLimitsSpec(_Strict):
    max_power_w: PositiveFloat


class LaserCalibration(_Strict):
    transmission: Fraction = 1.0
    pickoff_ratio: Fraction = 0.0


class PowerMeterLimitsSpec(_Strict):
    min_wavelength_nm: PositiveFloat = 400.0
    max_wavelength_nm: PositiveFloat = 1800.0
    max_averages: Annotated[int, Field(ge=1)] = 10000


class PowerMeterCalibration(_Strict):
    pickoff_ratio: Annotated[float, Field(gt=0, le=1)] = 0.01
    sensor: Literal["photodiode", "thermal"] = "photodiode"


class ScannerLimitsSpec(_Strict):
    max_volts: PositiveFloat = 10.0
    max_sample_rate_hz: PositiveFloat = 250_000.0


class ScannerCalibration(_Strict):
    um_per_volt: PositiveFloat
    #: Time to come within 1 % of a small step (the data-sheet figure).
    settling_time_s: PositiveFloat = 150e-6


class PhotonCounterLimitsSpec(_Strict):
    max_count_rate_s: PositiveFloat = 1e7
    min_gate_s: PositiveFloat = 1e-6
    max_gate_s: PositiveFloat = 100.0


class PhotonCounterCalibration(_Strict):
    collection_efficiency: Fraction = 0.05
    quantum_efficiency: Fraction = 0.65
    dark_count_rate_s: NonNegative = 100.0
    dead_time_s: NonNegative = 22e-9


class TemperatureLimitsSpec(_Strict):
    min_k: PositiveFloat = 4.0
    max_k: PositiveFloat = 400.0
    max_ramp_k_per_min: PositiveFloat = 20.0

    @model_validator(mode="after")
    def _ordered(self):
        if self.min_k >= self.max_k:
            raise ValueError(f"min_k ({self.min_k}) must be below max_k ({self.max_k})")
        return self


# -- instruments ---------------------------------------------------------------------------
class _Instrument(_Strict):
    driver: str
    address: str
    #: The driver's typed settings (see instruments.settings): a mapping in the file, validated against the
    #: driver's declared schema.
    settings: Any = Field(default_factory=dict, validate_default=True)

    @field_validator("driver")
    @classmethod
    def _driver(cls, value: str) -> str:
        from .registry import DRIVERS, driver_entry

        entry = driver_entry(value)
        if entry is None:
            raise ValueError(f"unknown driver {value!r}; known: {', '.join(sorted(DRIVERS))}")
        role = cls.model_fields["role"].annotation.__args__[0]
        if entry.role != role:
            raise ValueError(f"{value} is a {entry.role} driver, not a {role}")
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str, info: ValidationInfo) -> str:
        from .registry import driver_entry

        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        entry = driver_entry(info.data.get("driver", ""))
        if entry is not None:
            problem = entry.check_address(value, bool((info.context or {}).get("simulated_bench")))
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("settings", mode="before")
    @classmethod
    def _settings(cls, value, info: ValidationInfo):
        from .registry import driver_entry

        entry = driver_entry(info.data.get("driver", ""))
        if entry is None:
            return value  # the driver itself is reported
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ValueError(f"must be a mapping of {entry.key}'s settings")
        try:
            return entry.settings.model_validate(value)
        except ValidationError as error:
            problems = []
            for item in error.errors():
                message = item["msg"].removeprefix("Value error, ")
                if item["type"] == "extra_forbidden":
                    known = ", ".join(entry.settings.model_fields) or "none"
                    message = f"is not a setting of {entry.key} (its settings: {known})"
                elif item["type"] == "missing":
                    message = f"is required by {entry.key}"
                problems.append(((*item["loc"],), message))
            raise _PathError(problems) from None

    @property
    def simulated(self) -> bool:
        return self.address == "sim"


class LaserSpec(_Instrument):
    role: Literal["laser"]
    wavelength_nm: PositiveFloat
    limits: LaserLimitsSpec
    calibration: LaserCalibration = LaserCalibration()

    @model_validator(mode="after")
    def _within_rating(self):
        from .registry import driver_entry

        entry = driver_entry(self.driver)
        if entry is not None and entry.rated_power_w is not None and not isinstance(self.settings, dict):
            rated = entry.rated_power_w(self)
            if self.limits.max_power_w > rated:
                raise _PathError([(("limits", "max_power_w"),
                                   f"{self.limits.max_power_w:g} W is above what the laser can give "
                                   f"({rated:g} W from its settings); the limit must not exceed the rating")])
        return self


class PowerMeterSpec(_Instrument):
    role: Literal["power_meter"]
    limits: PowerMeterLimitsSpec = PowerMeterLimitsSpec()
    calibration: PowerMeterCalibration = PowerMeterCalibration()


class ScannerSpec(_Instrument):
    role: Literal["scanner"]
    limits: ScannerLimitsSpec = ScannerLimitsSpec()
    calibration: ScannerCalibration


class PhotonCounterSpec(_Instrument):
    role: Literal["photon_counter"]
    band: str
    limits: PhotonCounterLimitsSpec = PhotonCounterLimitsSpec()
    calibration: PhotonCounterCalibration = PhotonCounterCalibration()


class TemperatureControllerSpec(_Instrument):
    role: Literal["temperature_controller"]
    limits: TemperatureLimitsSpec = TemperatureLimitsSpec()


InstrumentSpec = Annotated[
    Union[LaserSpec, PowerMeterSpec, ScannerSpec, PhotonCounterSpec, TemperatureControllerSpec],
    Field(discriminator="role"),
]


# -- optics and simulation -------------------------------------------------------------------
class OpticsSpec(_Strict):
    numerical_aperture: Annotated[float, Field(gt=0, le=1.7)] = 1.4
    spot: Literal["airy", "gaussian"] = "airy"


class SampleSpec(_Strict):
    kind: Literal["particle_field", "film"] = "particle_field"
    material: str = "tm-1064"
    particles: Annotated[int, Field(ge=0, le=10000)] = 40
    extent_um: tuple[PositiveFloat, PositiveFloat] = (20.0, 20.0)
    min_separation_um: NonNegative = 1.0
    shell_sd_nm: NonNegative = 0.3
    cell_nm: PositiveFloat = 20.0
    particles_per_um2: PositiveFloat = 400.0

    @field_validator("material")
    @classmethod
    def _known_material(cls, value: str) -> str:
        from anplab.simulated.physics.materials import MATERIALS

        if value not in MATERIALS:
            raise ValueError(f"unknown material {value!r}; choose from {', '.join(MATERIALS)}")
        return value


class CryostatSpec(_Strict):
    base_temperature_k: PositiveFloat = 4.0
    start_temperature_k: PositiveFloat = 295.0
    #: The simulated controller starts holding the start temperature (else its heater starts off).
    hold_at_start: bool = True
    heat_capacity_j_per_k: PositiveFloat = 0.6
    conductance_w_per_k: PositiveFloat = 0.012
    sample_lag_s: PositiveFloat = 4.0


class DeviceFaultSpec(_Strict):
    timeout_rate: Fraction = 0.0
    garble_rate: Fraction = 0.0
    truncate_rate: Fraction = 0.0
    disconnect_rate: Fraction = 0.0


class InterlockTripSpec(_Strict):
    at_s: NonNegative
    laser: str | None = None
    #: The interlock closes again after this long (None: it stays open).
    duration_s: PositiveFloat | None = None


class LaserSagSpec(_Strict):
    """A laser's output falls to ``factor`` of its setpoint for a while (a failing diode, a fibre bend)."""

    at_s: NonNegative
    laser: str
    factor: Annotated[float, Field(ge=0, le=1)] = 0.8
    duration_s: PositiveFloat = 60.0


class CryostatKickSpec(_Strict):
    """A heat pulse: the cold plate jumps by ``kelvin`` at ``at_s`` and the controller pulls it back."""

    at_s: NonNegative
    kelvin: float = 5.0


class FaultsSpec(_Strict):
    devices: dict[str, DeviceFaultSpec] = {}
    interlock_trips: list[InterlockTripSpec] = []
    refuse_emission: list[str] = []
    laser_sags: list[LaserSagSpec] = []
    cryostat_kicks: list[CryostatKickSpec] = []


class SimulationSpec(_Strict):
    clock: Literal["virtual", "realtime"] = "virtual"
    seed: int = 0
    sample: SampleSpec = SampleSpec()
    cryostat: CryostatSpec = CryostatSpec()
    faults: FaultsSpec = FaultsSpec()


class WatchedCondition(_Strict):
    action: Literal["suspend", "abort"] = "suspend"
    #: How long a suspended run waits for the condition to clear before it gives up.
    max_wait_s: PositiveFloat = 600.0


class TemperatureWatch(WatchedCondition):
    #: While a run holds the cryostat at a temperature: how far it may stray.
    band_k: PositiveFloat = 1.0
    max_wait_s: PositiveFloat = 1800.0


class SaturationWatch(WatchedCondition):
    #: Of the counter's maximum count rate (a SPAD's damage threshold or a PMT's linear range).
    fraction: Annotated[float, Field(gt=0, le=1)] = 0.9
    action: Literal["suspend", "abort"] = "abort"


class PumpDriftWatch(WatchedCondition):
    #: Relative distance between the measured pump power and its setpoint.
    fraction: Annotated[float, Field(gt=0, le=1)] = 0.05
    max_wait_s: PositiveFloat = 300.0


class WatchSpec(_Strict):
    """Conditions checked at every point of a run; each suspends the run (safe state, then carry on
    once it clears) or aborts it."""

    enabled: bool = True
    poll_s: PositiveFloat = 2.0
    interlock: WatchedCondition = WatchedCondition()
    temperature: TemperatureWatch = TemperatureWatch()
    saturation: SaturationWatch = SaturationWatch()
    pump_drift: PumpDriftWatch = PumpDriftWatch()


class RetrySpec(_Strict):
    """Retries of an instrument exchange that failed on the line (timeout, garbled reply, disconnect)."""

    attempts: Annotated[int, Field(ge=1, le=20)] = 4
    first_wait_s: NonNegative = 0.05
    factor: Annotated[float, Field(ge=1.0, le=10.0)] = 4.0


class BenchConfig(_Strict):
    name: str = "bench"
    optics: OpticsSpec = OpticsSpec()
    retry: RetrySpec = RetrySpec()
    watch: WatchSpec = WatchSpec()
    simulation: SimulationSpec | None = None
    instruments: dict[str, InstrumentSpec]
    #: Which instrument an experiment uses for a role when it does not name one (role -> instrument).
    defaults: dict[str, str] = {}

    @field_validator("instruments")
    @classmethod
    def _not_empty(cls, value):
        if not value:
            raise ValueError("a bench needs at least one instrument")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        problems = []
        for role, name in self.defaults.items():
            if role not in _ROLE_TAGS:
                problems.append((("defaults", role), f"role must be one of {', '.join(_ROLE_TAGS)}"))
            elif name not in self.instruments:
                problems.append((("defaults", role), f"no instrument named {name!r}"))
            elif self.instruments[name].role != role:
                problems.append((("defaults", role), f"{name} is a {self.instruments[name].role}, not a {role}"))
        if self.simulation is not None:
            from anplab.simulated.physics.materials import get_material

            controllers = list(self.by_role("temperature_controller"))
            for name in controllers[1:]:
                problems.append(((name, "role"), f"a simulated bench has one cryostat; {controllers[0]!r} "
                                                 "already controls it"))

            lasers = set(self.by_role("laser"))
            faults = self.simulation.faults
            named = [(("simulation", "faults", "refuse_emission", k), name)
                     for k, name in enumerate(faults.refuse_emission)]
            named += [(("simulation", "faults", "laser_sags", k, "laser"), sag.laser)
                      for k, sag in enumerate(faults.laser_sags)]
            named += [(("simulation", "faults", "interlock_trips", k, "laser"), trip.laser)
                      for k, trip in enumerate(faults.interlock_trips) if trip.laser is not None]
            for path, name in named:
                if name not in lasers:
                    problems.append((path, f"no laser named {name!r}; lasers: {', '.join(sorted(lasers))}"))

            material = get_material(self.simulation.sample.material)
            for name, spec in self.by_role("photon_counter").items():
                if spec.band not in material.band_names:
                    problems.append(((name, "band"), f"{spec.band!r} is not a band of {material.key}; "
                                                     f"choose from {', '.join(material.band_names)}"))
        if problems:
            raise _PathError(problems)
        return self

    @property
    def simulated(self) -> bool:
        return self.simulation is not None

    def with_seed(self, seed: int | None) -> BenchConfig:
        """This bench with its simulation's random seed replaced (itself when ``seed`` is None).

        Raises ValueError for a bench of real hardware, which has no seed to set.
        """
        if seed is None:
            return self
        if self.simulation is None:
            raise ValueError(f"{self.name} is real hardware: a seed applies to simulated benches only")
        return self.model_copy(update={"simulation": self.simulation.model_copy(update={"seed": int(seed)})})

    def by_role(self, role: str) -> dict[str, Any]:
        return {name: spec for name, spec in self.instruments.items() if spec.role == role}


_ROLE_TAGS = ("laser", "power_meter", "scanner", "photon_counter", "temperature_controller")


class _PathError(ValueError):
    """Problems found by a model validator, each with its own path inside ``instruments``."""

    def __init__(self, problems):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def load_bench(path: str | Path) -> BenchConfig:
    """Read and validate a bench file; raises BenchFileError naming file, line and field."""
    from .input_files import read_text

    return parse_bench(read_text(path, "bench file"), str(path))


def parse_bench(text: str, source: str = "<bench>") -> BenchConfig:
    data, lines = load_with_lines(text, source)
    if not isinstance(data, dict):
        raise BenchFileError(source, 1, None, "a bench file must be a mapping with an 'instruments' section")
    # Whether 'address: sim' is allowed depends on the file as a whole.
    context = {"simulated_bench": data.get("simulation") is not None}
    try:
        return BenchConfig.model_validate(data, context=context)
    except ValidationError as error:
        raise _as_bench_error(error, lines, source) from None


def _as_bench_error(error: ValidationError, lines: dict, source: str) -> BenchFileError:
    messages = []
    for item in error.errors():
        path = tuple(item["loc"])
        if len(path) >= 3 and path[0] == "instruments" and path[2] in _ROLE_TAGS:
            path = path[:2] + path[3:]  # drop pydantic's union-member marker
        ctx_error = item.get("ctx", {}).get("error")
        if isinstance(ctx_error, _PathError):
            for sub_path, message in ctx_error.problems:
                if path:  # raised by an instrument's own validators: relative to where pydantic was
                    full = path + tuple(sub_path)
                else:  # the bench's own checks name instruments by name, or a top-level section
                    full = sub_path if sub_path[0] in ("defaults", "simulation") else ("instruments",) + sub_path
                messages.append((_line(lines, full), ".".join(map(str, full)), message))
            continue
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "is not a known setting here"
        elif item["type"] == "missing":
            message = "is required"
        elif item["type"] == "union_tag_invalid":
            message = f"role must be one of {', '.join(_ROLE_TAGS)}"
            path = path + ("role",)
        messages.append((_line(lines, path), ".".join(map(str, path)) or None, message))
    line, field, message = messages[0]
    more = [f"{source}:{n}: {f}: {m}" if n else f"{source}: {f}: {m}" for n, f, m in messages[1:]]
    return BenchFileError(source, line, field, message, more=more)


def _line(lines: dict, path: tuple) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
