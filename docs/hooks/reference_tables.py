"""MkDocs hook: the documentation's reference tables, generated from the code at build time.

A page asks for a table with a marker on a line of its own, e.g.

    <!-- anplab:settings ipg_ylr -->        a driver's bench ``settings`` (its DriverSettings class)
    <!-- anplab:instrument ipg_ylr -->      role, transport, address forms, terminations, simulated device
    <!-- anplab:role-fields laser -->       the bench-file fields of a role: wavelength, limits, calibration
    <!-- anplab:model anplab.instruments.bench_file:WatchSpec -->   any pydantic model of the bench file
    <!-- anplab:parameters power-sweep -->  an experiment's pymeasure Parameters with bounds and defaults
    <!-- anplab:docstring anplab.procedures.run_folder -->      a docstring, as the page's text
    <!-- anplab:drivers -->  /  <!-- anplab:experiments -->         the index tables

so the tables cannot drift from the code they describe.  An unknown marker, a driver in the registry
without its page or an experiment in the catalog without its page fails the build.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import re
from typing import Any

from mkdocs.exceptions import PluginError

MARKER = re.compile(r"^<!-- anplab:(?P<kind>[\w-]+)(?: (?P<arg>[\w.:-]+))? -->$", re.MULTILINE)

#: Pages each registry driver and catalog experiment must have (relative to docs/).
INSTRUMENT_PAGE = "instruments/{key}.md"
EXPERIMENT_PAGE = "experiments/{name}.md"

#: Fields of every instrument entry that the role tables leave to the instrument page's own prose.
_COMMON_FIELDS = {"role", "driver", "address", "settings"}


# -- MkDocs events ---------------------------------------------------------------------------
def on_files(files, config):
    """Every driver and every experiment has its page."""
    from anplab.instruments.registry import DRIVERS
    from anplab.procedures.catalog import PROCEDURES

    present = {file.src_uri for file in files}
    wanted = [INSTRUMENT_PAGE.format(key=key) for key in DRIVERS]
    wanted += [EXPERIMENT_PAGE.format(name=name) for name in PROCEDURES]
    missing = [page for page in wanted if page not in present]
    if missing:
        raise PluginError(f"pages missing for drivers or experiments in the code: {', '.join(missing)}")
    return files


def on_page_markdown(markdown: str, page, config, files):
    def replace(match: re.Match) -> str:
        kind, arg = match["kind"], match["arg"]
        render = RENDERERS.get(kind)
        if render is None:
            raise PluginError(f"{page.file.src_uri}: unknown table marker {match[0]!r}")
        try:
            return render(arg) if arg is not None else render()
        except (KeyError, LookupError, TypeError) as error:
            raise PluginError(f"{page.file.src_uri}: {match[0]}: {error}") from error

    return MARKER.sub(replace, markdown)


_SPHINX_ROLE_HTML = re.compile(r":(?:mod|class|meth|func|data|attr|exc|obj):(<code>)~?")


def on_page_content(html: str, page, config, files):
    """The API reference shows docstrings as written; their Sphinx cross-references read as plain code."""
    return _SPHINX_ROLE_HTML.sub(r"\1", html)


# -- tables ----------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |"
              for row in rows]
    return "\n".join(lines) + "\n"


def _code(value: Any) -> str:
    return f"`{value}`"


def _literal(value: Any) -> str:
    """A value as a bench or sequence file writes it."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return _code(str(value).lower())
    if isinstance(value, str):
        return _code(value) if value else "empty"
    if isinstance(value, (list, tuple)):
        return _code(json.dumps(list(value)))
    if isinstance(value, dict):
        return _code(json.dumps(value)) if value else "none"
    if isinstance(value, float):
        return _code(f"{value:g}")
    return _code(value)


# -- pydantic models (settings, bench-file sections) -------------------------------------------
def _resolve(schema: dict, defs: dict) -> dict:
    ref = schema.get("$ref")
    return defs[ref.rsplit("/", 1)[1]] if ref else schema


def _schema_type(schema: dict, defs: dict) -> tuple[str, list[str]]:
    """(type text, constraint texts) of a JSON-schema property."""
    schema = _resolve(schema, defs)
    if "anyOf" in schema:
        parts = [_schema_type(option, defs) for option in schema["anyOf"] if option.get("type") != "null"]
        optional = any(option.get("type") == "null" for option in schema["anyOf"])
        text = " or ".join(part[0] for part in parts) + (" or unset" if optional else "")
        return text, [c for part in parts for c in part[1]]
    constraints = []
    for key, text in (("minimum", ">= {}"), ("exclusiveMinimum", "> {}"), ("maximum", "<= {}"),
                      ("exclusiveMaximum", "< {}"), ("minLength", "length >= {}"), ("pattern", "matches `{}`")):
        if key in schema:
            value = schema[key]
            constraints.append(text.format(f"{value:g}" if isinstance(value, float) else value))
    if "enum" in schema:
        return "one of " + ", ".join(_code(v) for v in schema["enum"]), constraints
    if "const" in schema:
        return _code(schema["const"]), constraints
    kind = schema.get("type", "any")
    if kind == "array":
        if "prefixItems" in schema:
            items = [_schema_type(item, defs)[0] for item in schema["prefixItems"]]
            return f"[{', '.join(items)}]", constraints
        return f"list of {_schema_type(schema.get('items', {}), defs)[0]}", constraints
    if kind == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        return f"mapping of name to {_schema_type(schema['additionalProperties'], defs)[0]}", constraints
    if "properties" in schema:
        return "mapping", constraints
    return {"number": "number", "integer": "integer", "string": "text", "boolean": "true/false"}.get(kind, kind), \
        constraints


def _model_rows(model, prefix: str = "", skip: set[str] = frozenset()) -> list[dict]:
    """One row per leaf field of ``model``; nested models are flattened as ``limits.max_power_w``."""
    from pydantic import BaseModel

    schema = model.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        if inspect.isclass(field.annotation) and issubclass(field.annotation, BaseModel):
            rows += _model_rows(field.annotation, f"{prefix}{name}.")
            continue
        prop = schema["properties"][name]
        kind, constraints = _schema_type(prop, defs)
        rows.append({
            "name": prefix + name, "type": kind, "constraints": constraints,
            "unit": prop.get("unit") or _unit_from_name(name), "required": name in required,
            "default": prop.get("default"), "simulation_only": bool(prop.get("simulation_only")),
            "description": field.description or _attribute_comment(model, name),
        })
    return rows


#: Units the bench file's field names carry as suffixes (longest first).
_NAME_UNITS = [("_k_per_min", "K/min"), ("_j_per_k", "J/K"), ("_w_per_k", "W/K"), ("_per_volt", "um/V"),
               ("_rate_s", "1/s"), ("_kw_cm2", "kW/cm^2"), ("_hz", "Hz"), ("_nm", "nm"), ("_um", "um"),
               ("_volts", "V"), ("_j", "J"), ("_w", "W"), ("_s", "s"), ("_k", "K")]


def _unit_from_name(name: str) -> str | None:
    for suffix, unit in _NAME_UNITS:
        if name.endswith(suffix):
            return unit
    return None


def _attribute_comment(model, name: str) -> str:
    """The ``#:`` comment above a field in the model's source (bench-file models document fields so)."""
    for cls in model.__mro__:
        comment = _field_comments(cls).get(name)
        if comment:
            return comment
    return ""


@functools.cache
def _field_comments(cls) -> dict[str, str]:
    """Field name -> its ``#:`` comment, for a class of anplab's own (read once per class)."""
    if not cls.__module__.startswith("anplab."):
        return {}
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return {}
    comments, pending = {}, []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        field = re.match(r"\s+(\w+)\s*:", line)
        if field and pending:
            comments[field[1]] = " ".join(pending)
        pending = []
    return comments


def _rows_table(rows: list[dict]) -> str:
    if not rows:
        return "This driver takes no bench settings: any key under `settings` is refused.\n"
    body = []
    for row in rows:
        default = "required" if row["required"] else _literal(row["default"])
        kind = row["type"] + (f" ({', '.join(row['constraints'])})" if row["constraints"] else "")
        meaning = row["description"]
        if row["simulation_only"]:
            meaning = f"*simulated instrument only:* {meaning}"
        body.append([_code(row["name"]), kind, row["unit"] or "", default, meaning])
    return _table(["key", "type (bounds)", "unit", "default", "meaning"], body)


def settings_table(key: str) -> str:
    from anplab.instruments.registry import DRIVERS

    return _rows_table(_model_rows(DRIVERS[key].settings))


def _role_spec(role: str):
    from anplab.instruments import bench_file

    for name in ("LaserSpec", "PowerMeterSpec", "ScannerSpec", "PhotonCounterSpec", "TemperatureControllerSpec"):
        spec = getattr(bench_file, name)
        if spec.model_fields["role"].annotation.__args__[0] == role:
            return spec
    raise LookupError(f"no bench-file model for role {role!r}")


#: What the role fields of a bench-file instrument entry mean, where the model has no comment on them.  The
#: build fails on a field without a meaning, or a meaning for a field the model no longer has.
ROLE_FIELD_MEANINGS = {
    "laser": {
        "wavelength_nm": "the laser's wavelength (picks the absorption it drives in the simulated sample)",
        "limits.max_power_w": "the highest output power any run or manual control may set; at most the laser's "
                              "rating",
        "calibration.transmission": "fraction of the laser's output that reaches the sample (peak intensity = "
                                    "the spot's peak for output x transmission)",
        "calibration.pickoff_ratio": "fraction of the laser's output sent to the pick-off power meter (used by "
                                     "the simulated bench)",
    },
    "power_meter": {
        "limits.min_wavelength_nm": "lowest correction wavelength that may be set",
        "limits.max_wavelength_nm": "highest correction wavelength that may be set",
        "limits.max_averages": "most readings averaged per measurement",
        "calibration.pickoff_ratio": "fraction of the beam on the meter: the beam power is the reading / ratio",
        "calibration.sensor": "the kind of sensor head on the meter",
    },
    "scanner": {
        "limits.max_volts": "largest drive voltage on either mirror: the field of view is +- max_volts x "
                            "um_per_volt",
        "limits.max_sample_rate_hz": "fastest analog-output rate: the shortest pixel dwell is its inverse",
        "calibration.um_per_volt": "position at the sample per volt of drive",
    },
    "photon_counter": {
        "band": "the emission band its filter passes (a band of the sample's material, e.g. `800nm`)",
        "limits.max_count_rate_s": "the detector's maximum count rate (the saturation watch is a fraction of it)",
        "limits.min_gate_s": "shortest counting gate",
        "limits.max_gate_s": "longest counting gate",
        "calibration.collection_efficiency": "fraction of the particle's emission reaching the detector "
                                             "(simulated bench)",
        "calibration.quantum_efficiency": "detector quantum efficiency at the band (simulated bench)",
        "calibration.dark_count_rate_s": "dark count rate, subtracted from live count rates",
        "calibration.dead_time_s": "detector dead time",
    },
    "temperature_controller": {
        "limits.min_k": "lowest setpoint a run may ask for",
        "limits.max_k": "highest setpoint a run may ask for",
        "limits.max_ramp_k_per_min": "fastest setpoint ramp",
    },
}


def role_fields_table(role: str) -> str:
    rows = _model_rows(_role_spec(role), skip=_COMMON_FIELDS)
    meanings = ROLE_FIELD_MEANINGS.get(role, {})
    stale = set(meanings) - {row["name"] for row in rows}
    if stale:
        raise LookupError(f"meanings for fields the {role} entry does not have: {', '.join(sorted(stale))}")
    for row in rows:
        row["description"] = row["description"] or meanings.get(row["name"], "")
        if not row["description"]:
            raise LookupError(f"the {role} field {row['name']} has no meaning in ROLE_FIELD_MEANINGS")
    return _rows_table(rows)


def model_table(path: str) -> str:
    module, _, name = path.partition(":")
    return _rows_table(_model_rows(getattr(importlib.import_module(module), name)))


# -- instruments ------------------------------------------------------------------------------
_ADDRESS_FORMS = {
    "visa_address_problem": "a VISA resource string (`TCPIP::10.0.0.5::10001::SOCKET`, `GPIB0::12::INSTR`, "
                            "`USB0::0x1313::0x8078::P0012345::INSTR`, `ASRL/dev/ttyUSB0::INSTR`), a serial "
                            "port (`/dev/ttyUSB0`, `COM3`), or `sim` on a simulated bench",
    "nidaqmx_address_problem": "an NI-DAQmx device or channel name (`Dev1`, `Dev1/ao0:1`, `Dev1/ctr0`), "
                               "or `sim` on a simulated bench",
}


def _terminator(text: str) -> str:
    if not text:
        return "none"
    return _code(text.encode("unicode_escape").decode("ascii"))


def simulated_device(key: str):
    """The simulated device class answering driver ``key``'s protocol, or None (simulated nidaqmx)."""
    from anplab.simulated.counterparts import COUNTERPARTS
    from anplab.simulated.devices.base import SimulatedDevice

    if key not in COUNTERPARTS:
        return None
    module = importlib.import_module(f"anplab.simulated.devices.{key}")
    classes = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, SimulatedDevice) and cls.__module__ == module.__name__]
    if len(classes) != 1:
        raise LookupError(f"expected one simulated device in {module.__name__}, found {len(classes)}")
    return classes[0]


def instrument_table(key: str) -> str:
    from anplab.instruments.registry import DRIVERS
    from anplab.simulated.counterparts import NIDAQMX_SIMULATED

    entry = DRIVERS[key]
    role_class = entry.make_role
    driver_module = f"anplab.drivers.{key}"
    rows = [
        ["driver key (bench file `driver:`)", _code(key)],
        ["instrument", entry.title],
        ["role", _code(entry.role)],
        ["role adapter", _code(f"{role_class.__module__}.{role_class.__qualname__}")],
        ["driver module", _code(driver_module)],
        ["transport", "NI-DAQmx (`nidaqmx`)" if entry.transport == "nidaqmx" else "message-based (VISA or serial)"],
        ["address forms", _ADDRESS_FORMS.get(entry.check_address.__name__, entry.check_address.__doc__ or "")],
    ]
    device = simulated_device(key)
    if device is not None:
        if device.read_termination or device.write_termination:
            rows.append(["terminations", f"write (to the instrument) {_terminator(device.write_termination)}, "
                                         f"read (replies) {_terminator(device.read_termination)}; "
                                         f"encoding {_code(device.encoding)}"])
        else:
            rows.append(["terminations", "none: every message carries its length as two decimal digits"])
        rows.append(["simulated by", _code(f"{device.__module__}.{device.__qualname__}")])
    elif key in NIDAQMX_SIMULATED:
        rows.append(["simulated by", "`anplab.simulated.nidaqmx` (stands in for the `nidaqmx` module)"])
    if entry.rated_power_w is not None:
        rows.append(["rated power", "from the settings: the bench limit `limits.max_power_w` may not exceed it"])
    if entry.switch_off is not None:
        what = (inspect.getdoc(entry.switch_off) or "").replace("\n", " ")
        rows.append(["laser guard", f"if the run process dies, the guard connects afresh and switches the laser "
                                    f"off: {what}"])
    return _table(["", ""], rows)


def drivers_table() -> str:
    from anplab.instruments.registry import DRIVERS

    rows = [[f"[`{key}`]({key}.md)", entry.title, _code(entry.role)] for key, entry in sorted(DRIVERS.items())]
    return _table(["driver key", "instrument", "role"], rows)


# -- experiments -------------------------------------------------------------------------------
def parameters_table(name: str) -> str:
    from pymeasure.experiment import BooleanParameter, FloatParameter, IntegerParameter, ListParameter

    from anplab.procedures.catalog import procedure_class

    cls = procedure_class(name)
    rows = []
    for key, parameter in cls().parameter_objects().items():
        if isinstance(parameter, BooleanParameter):
            kind, bounds = "true/false", ""
        elif isinstance(parameter, (FloatParameter, IntegerParameter)):
            kind = "number" if isinstance(parameter, FloatParameter) else "integer"
            bounds = f"{parameter.minimum:g} .. {parameter.maximum:g}"
        elif isinstance(parameter, ListParameter):
            kind, bounds = "one of " + ", ".join(_code(c) for c in parameter.choices), ""
        else:
            kind, bounds = "text", ""
        rows.append([_code(key), parameter.name, kind, bounds, getattr(parameter, "units", None) or "",
                     _literal(parameter.default)])
    return _table(["`--set` name", "meaning", "type", "bounds", "unit", "default"], rows)


def experiments_table() -> str:
    from anplab.procedures.catalog import PROCEDURES

    rows = []
    for name, cls in PROCEDURES.items():
        doc = (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " ")
        where = _code(f"{cls.__module__}.{cls.__name__}")
        rows.append([f"[`{name}`]({name}.md)", doc, _code(cls.DEFAULT_BENCH), where])
    return _table(["`anplab run ...`", "what it does", "default bench", "procedure class"], rows)


def docstring(path: str) -> str:
    """A module's or object's docstring, as the page's own text (the run-folder layout has one owner)."""
    module, _, name = path.partition(":")
    target = importlib.import_module(module)
    for part in filter(None, name.split(".")):
        target = getattr(target, part)
    text = inspect.getdoc(target)
    if not text:
        raise LookupError(f"{path} has no docstring")
    return _markdown(text) + "\n"


_SPHINX_ROLE = re.compile(r":(?:mod|class|meth|func|data|attr|exc|obj):`~?([^`]+)`")
_LIST_AFTER_TEXT = re.compile(r"^(?P<text>[^\n*\s-][^\n]*)\n(?P<item>[*-] )", re.MULTILINE)


def _markdown(text: str) -> str:
    """Docstring text as Markdown: Sphinx cross-references as code, a list after a line of text set apart."""
    text = _SPHINX_ROLE.sub(lambda m: f"`{m[1]}`", text)
    return _LIST_AFTER_TEXT.sub(lambda m: f"{m['text']}\n\n{m['item']}", text)


def adapter_text(key: str) -> str:
    """The role adapter's module and class docstrings: how the role's calls map onto the driver."""
    from anplab.instruments.registry import DRIVERS

    role_class = DRIVERS[key].make_role
    parts = [inspect.getdoc(importlib.import_module(role_class.__module__)), inspect.getdoc(role_class)]
    return "\n\n".join(_markdown(part) for part in parts if part) + "\n"


def simulated_text(key: str) -> str:
    """What the simulated counterpart implements: its device module's docstring (or the simulated nidaqmx's)."""
    device = simulated_device(key)
    module = device.__module__ if device is not None else "anplab.simulated.nidaqmx"
    return _markdown(inspect.getdoc(importlib.import_module(module)) or "") + "\n"


def bench_entry(key: str) -> str:
    """The first instrument using driver ``key`` in the example, built-in and film benches, as YAML."""
    from importlib import resources

    import yaml

    for filename in ("example_bench.yaml", "default_bench.yaml", "film_bench.yaml"):
        text = resources.files("anplab.instruments").joinpath(filename).read_text(encoding="utf-8")
        for name, entry in yaml.safe_load(text)["instruments"].items():
            if entry.get("driver") == key:
                body = yaml.safe_dump({"instruments": {name: entry}}, sort_keys=False, default_flow_style=None)
                return f"From `instruments/{filename}`:\n\n```yaml\n{body}```\n"
    return "No bench shipped with anplab uses this driver yet.\n"


#: What each ``data.csv`` column holds: one meaning for every experiment, or per experiment.  The build fails on a
#: column of a procedure's DATA_COLUMNS without a meaning.
COLUMN_MEANINGS = {
    "direction": "1 for a point of the upward sweep, -1 downward, 0 a dark reading (pump off)",
    "power_setpoint_w": "laser output power asked for",
    "beam_power_w": "laser output power measured for the point: from the pick-off power meter (reading / pick-off "
                    "ratio) if the bench has one, else the laser's own reading",
    "intensity_kw_cm2": "peak pump intensity at the particle, from the measured power and the bench calibration "
                        "(transmission, NA, spot)",
    "counts": "photons counted",
    "gate_s": "counting time of the row",
    "count_rate_s": "counts / gate_s, as counted (the dark rate is not subtracted in the data file)",
    "settle_time_s": "how long the emission took to settle (successive windows of readings agreeing)",
    "settled": "1 if the readings agreed within the longest settling wait, 0 if the point was taken unsettled",
    "time_s": "bench-clock time of the row (virtual time on a simulated bench)",
    "temperature_k": "the controller's temperature reading",
    "setpoint_k": "the controller's setpoint",
    "temperature_setpoint_k": "the temperature the cryostat was held at",
    "stopped_by": "why the point's counting ended: settled, count target, integration limit, max wait, stop "
                  "requested, or fixed gate (the dark reading)",
}
EXPERIMENT_COLUMN_MEANINGS = {
    "rise-time": {
        "phase": "1 a rise trace bin, -1 a decay trace bin, 0 a threshold-location reading, -2 a dark reading, "
                 "-3 a dark gate between the traces of a point that shows the peak from below",
        "time_s": "for trace bins: centre of the bin after the pump step (negative: the pre-step baseline); "
                  "otherwise bench-clock time",
        "gate_s": "bin width (trace bins) or counting time",
        "traces": "how many traces the summed trace of this bin holds (0 for readings)",
        "max_traces": "the most traces this point was allowed (max_repeats, or peak_repeats below the slowest "
                      "rise; 0 for readings)",
        "dark_s": "the longest dark time before any of those traces' rise (0 for readings)",
    },
    "thermometry": {
        "kind": "0 an emission reading at the fixed pump, 1 a power-sweep point, 2 a rise-trace bin, -1 a dark "
                "reading",
    },
    "passi-scan": {
        "kind": "1 an S-curve point, 0 an image (its counts summed; the image itself is in images.h5), 2 a rise-trace "
                "bin (traces summed), -1 a dark reading",
        "gate_s": "counting time: the gate, the rise-trace bin width, or for an image the pixel dwell x pixels",
        "time_s": "for rise-trace bins: centre of the bin after the pump step (negative: the baseline); otherwise "
                  "bench-clock time",
        "traces": "for rise-trace bins: how many traces the bin sums (the dark reading, scaled by them, is their "
                  "baseline); empty otherwise",
    },
    "particle-survey": {
        "particle": "which particle the row belongs to (its index in the survey, brightest found first)",
        "kind": "0 a dark reading, 1 an overview candidate, 2 the aim on a particle, 3 a threshold-search reading, "
                "4 an S-curve point, 5 a rise-trace bin, 6 a decay-trace bin, 7 the particle's result row",
        "x_um": "where the particle (or candidate) is, x, at the sample",
        "y_um": "where the particle (or candidate) is, y, at the sample",
        "time_s": "for trace bins: centre of the bin after the pump step; otherwise bench-clock time",
        "gate_s": "counting time of the row; for a rise bin, its bin width times the traces summed",
        "threshold_kw_cm2": "on a result row: the particle's threshold as the survey found it (at the first "
                            "temperature, with several)",
        "temperature_k": "with several temperatures: the temperature the cryostat was held at for the reading or "
                         "trace; empty otherwise",
    },
    "photopatterning": {
        "row": "pattern pixel row",
        "col": "pattern pixel column",
        "x_um": "pixel centre, x, at the sample",
        "y_um": "pixel centre, y, at the sample",
        "target": "the pattern's value at the pixel (0..1): the fraction of the full write dose",
        "dwell_s": "write-laser exposure of the pixel, all spots together",
        "spots": "write spots in the pixel (a grid, when the pixel is larger than the write spot)",
        "beam_power_w": "mean write-laser output power during the exposure",
        "dose_j": "energy the pixel received at the sample",
    },
}


def data_columns_table(name: str) -> str:
    from anplab.procedures.catalog import procedure_class

    columns = getattr(procedure_class(name), "DATA_COLUMNS", None)
    if not columns:
        raise LookupError(f"{name} declares no DATA_COLUMNS")
    own = EXPERIMENT_COLUMN_MEANINGS.get(name, {})
    stale = set(own) - set(columns)
    if stale:
        raise LookupError(f"meanings for columns {name} no longer writes: {', '.join(sorted(stale))}")
    rows = []
    for column in columns:
        meaning = own.get(column) or COLUMN_MEANINGS.get(column)
        if not meaning:
            raise LookupError(f"{name}'s data column {column!r} has no meaning in COLUMN_MEANINGS")
        rows.append([_code(column), _unit_from_name(column) or "", meaning])
    return _table(["column", "unit", "meaning"], rows)


def _subcommands(parser) -> dict:
    import argparse

    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_text() -> str:
    """``--help`` of the ``anplab`` command and of every subcommand, as argparse prints it (80 columns)."""
    import os

    from anplab.cli import build_parser

    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"  # argparse wraps to the terminal; the page should not depend on it
    try:
        parser = build_parser()
        parts = [f"```text\n{parser.format_help()}```\n"]
        for name, sub in _subcommands(parser).items():
            parts.append(f"## anplab {name}\n\n```text\n{sub.format_help()}```\n")
            nested = _subcommands(sub)
            if name == "run":
                parts.append("Each experiment's options are on its [page](experiments/index.md); "
                             "`anplab run NAME --help` prints them.\n")
                continue
            for inner, inner_parser in nested.items():
                parts.append(f"### anplab {name} {inner}\n\n```text\n{inner_parser.format_help()}```\n")
    finally:
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns
    return "\n".join(parts)


RENDERERS = {
    "cli": cli_text,
    "data-columns": data_columns_table,
    "docstring": docstring,
    "bench-entry": bench_entry,
    "adapter": adapter_text,
    "simulated": simulated_text,
    "settings": settings_table,
    "instrument": instrument_table,
    "role-fields": role_fields_table,
    "model": model_table,
    "parameters": parameters_table,
    "drivers": drivers_table,
    "experiments": experiments_table,
}
