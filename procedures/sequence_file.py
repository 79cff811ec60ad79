"""Sequence files: a list of experiments, with loops, for overnight runs.

    name: thermometry overnight
    bench: simulated              # optional: a bench file or built-in bench
    on_error: skip                # skip a failed item (and the rest of its loop turn) and go on,
                                  # or stop (the default)
    steps:
      - run: power-sweep
        set: {points: 40}
      - for: temperature
        in: [300, 280, 260]       # or {from: 300, to: 200, step: -20}, or {from: .., to: .., points: N}
        steps:
          - run: hold-temperature
            set: {temperature: "{temperature}"}
          - run: rise-time
            set: {intensities: "8, 10", label: ...}

A loop variable is substituted wherever ``{name}`` appears in a value; a
value that is nothing but ``{name}`` takes the variable's own type.  The
file is read safely (no YAML tags, no duplicate keys) and every item is
expanded and checked against its procedure's parameters here, each problem
reported with its line; limits are checked against the bench before the
sequence starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from anplab.instruments.input_files import read_text
from anplab.instruments.yaml_lines import BenchFileError, load_with_lines

from .catalog import PROCEDURES, ParameterProblem, configure

ON_ERROR = ("stop", "skip")
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_RUN_KEYS = {"run", "set", "label"}
_LOOP_KEYS = {"for", "in", "steps"}
#: More items than this is a typo in a loop (nested 1000 x 1000), not an experiment.
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class SequenceItem:
    index: int
    procedure: str
    parameters: dict
    label: str
    line: int  # of the step in the file
    #: The loop iteration the item belongs to ("" outside loops): on_error skip passes over the rest of it.
    group: str = ""


@dataclass
class SequencePlan:
    name: str
    source: str
    items: list[SequenceItem]
    on_error: str = "stop"
    bench: str | None = None
    text: str = field(default="", repr=False)


def load_sequence(path: str | Path) -> SequencePlan:
    path = Path(path)
    return parse_sequence(read_text(path, "sequence file"), str(path), default_name=path.stem)


def parse_sequence(text: str, source: str = "<sequence>", *, default_name: str = "sequence") -> SequencePlan:
    data, lines = load_with_lines(text, source)

    def fail(path: tuple, message: str):
        line = lines.get(path) or lines.get(path[:-1])
        raise BenchFileError(source, line, ".".join(map(str, path)) or None, message)

    if not isinstance(data, dict):
        raise BenchFileError(source, 1, None, "a sequence file must be a mapping with a 'steps' list")
    unknown = set(data) - {"name", "bench", "on_error", "steps"}
    if unknown:
        fail((sorted(unknown)[0],), "unknown key (expected name, bench, on_error, steps)")
    on_error = data.get("on_error", "stop")
    if on_error not in ON_ERROR:
        fail(("on_error",), f"must be one of {', '.join(ON_ERROR)}, not {on_error!r}")
    bench = data.get("bench")
    if bench is not None and not isinstance(bench, str):
        fail(("bench",), "must be a bench file or a built-in bench name")
    items: list[SequenceItem] = []
    _expand(data.get("steps"), ("steps",), {}, items, fail, lines)
    if not items:
        fail(("steps",), "the sequence has no step to run")
    return SequencePlan(str(data.get("name") or default_name), source, items, on_error, bench, text)


def _expand(steps, path: tuple, variables: dict, items: list, fail, lines: dict) -> None:
    if not isinstance(steps, list):
        fail(path, "must be a list of steps")
    for k, step in enumerate(steps):
        here = path + (k,)
        if not isinstance(step, dict):
            fail(here, "a step is a mapping: 'run: PROCEDURE' or 'for: NAME'")
        if "run" in step:
            _add_run(step, here, variables, items, fail, lines)
        elif "for" in step:
            _expand_loop(step, here, variables, items, fail, lines)
        else:
            fail(here, "a step needs 'run: PROCEDURE' or 'for: NAME'")


def _add_run(step: dict, path: tuple, variables: dict, items: list, fail, lines: dict) -> None:
    unknown = set(step) - _RUN_KEYS
    if unknown:
        fail(path + (sorted(unknown)[0],), "unknown key (expected run, set, label)")
    if len(items) >= MAX_ITEMS:
        fail(path, f"the sequence would run more than {MAX_ITEMS} items; check the loops")
    name = step["run"]
    if not isinstance(name, str) or name not in PROCEDURES:
        fail(path + ("run",), f"unknown procedure {name!r}; procedures: {', '.join(PROCEDURES)}")
    values = step.get("set") or {}
    if not isinstance(values, dict):
        fail(path + ("set",), "must be a mapping of parameter: value")
    try:
        values = {key: _substitute(value, variables) for key, value in values.items()}
    except KeyError as error:
        fail(path + ("set",), f"{{{error.args[0]}}} is not a loop variable here")
    try:
        configure(name, values)
    except ParameterProblem as problem:
        fail(path + ("set", problem.parameter) if problem.parameter in values else path + ("set",), str(problem))
    context = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in variables.items())
    try:
        label = str(_substitute(step.get("label"), variables)) if step.get("label") else (
            f"{name} ({context})" if context else name)
    except KeyError as error:
        fail(path + ("label",), f"{{{error.args[0]}}} is not a loop variable here")
    group = "/".join(f"{k}={_text(v)}" for k, v in variables.items())
    items.append(SequenceItem(len(items), name, values, label, lines.get(path, 0), group))


def _expand_loop(step: dict, path: tuple, variables: dict, items: list, fail, lines: dict) -> None:
    unknown = set(step) - _LOOP_KEYS
    if unknown:
        fail(path + (sorted(unknown)[0],), "unknown key (expected for, in, steps)")
    variable = step["for"]
    if not isinstance(variable, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
        fail(path + ("for",), "must be a name (letters, digits, _)")
    if "in" not in step:
        fail(path, "a loop needs 'in:' (a list, or from/to with step or points)")
    for value in _loop_values(step["in"], path + ("in",), fail):
        _expand(step.get("steps"), path + ("steps",), {**variables, variable: value}, items, fail, lines)


def _loop_values(spec, path: tuple, fail) -> list:
    if isinstance(spec, list):
        if not spec:
            fail(path, "the list is empty")
        return spec
    if not isinstance(spec, dict) or not {"from", "to"} <= set(spec) or len(set(spec) & {"step", "points"}) != 1 \
            or set(spec) - {"from", "to", "step", "points"}:
        fail(path, "must be a list, or {from, to, step} or {from, to, points}")
    try:
        start, stop = float(spec["from"]), float(spec["to"])
        if "points" in spec:
            points = int(spec["points"])
            if points < 1 or points > 100_000:
                raise ValueError
            return [float(v) for v in np.linspace(start, stop, points)]
        step = float(spec["step"])
        if step == 0 or (stop - start) * step < 0 or abs((stop - start) / step) > 100_000:
            raise ValueError
        count = int(np.floor((stop - start) / step + 1e-9)) + 1
        return [float(start + k * step) for k in range(count)]
    except (TypeError, ValueError):
        fail(path, "from/to must be numbers with a step that goes from one to the other (or 1..100000 points)")


def _substitute(value, variables: dict):
    if isinstance(value, str):
        whole = _VARIABLE.fullmatch(value.strip())
        if whole:
            return variables[whole.group(1)]
        return _VARIABLE.sub(lambda m: _text(variables[m.group(1)]), value)
    if isinstance(value, list):
        return ",".join(_text(_substitute(v, variables)) for v in value)
    return value


def _text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
