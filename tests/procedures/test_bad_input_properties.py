"""Property-based tests: whatever a user types, anplab accepts it or refuses it cleanly.

Random parameter sets, sequence files and bench files are either accepted or
refused with the errors the command line turns into a one-line message
(ParameterProblem, LimitError and other ValueErrors, LookupError,
BenchFileError), before any instrument is touched; never another exception.
"""

import math

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from anplab.cli import main
from anplab.instruments.bench import default_bench_text
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.yaml_lines import BenchFileError
from anplab.procedures.base import open_bench
from anplab.procedures.catalog import PROCEDURES, ParameterProblem, configure
from anplab.procedures.sequence_file import parse_sequence
from anplab.procedures.sequence_runner import check_plan

NAMES = sorted(PROCEDURES)
PARAMETERS = {name: sorted(PROCEDURES[name]().parameter_objects()) for name in NAMES}
ALL_PARAMETERS = sorted({key for keys in PARAMETERS.values() for key in keys})

#: What a hurried user (or a corrupted file) might give for a value.
hostile = st.sampled_from(["1e3", "-1", "nan", "inf", "-inf", "", " 5 ", "0x10", "1,2", "3.5.1", "brightest", "here",
                           "true", "20 kW/cm^2", "{t}", "{x}", "laser_1064", "spcm", "1e400", float("nan"),
                           float("inf"), 0, -0.0, 10**30])
junk = st.one_of(
    hostile, hostile, st.none(), st.booleans(), st.integers(), st.integers(-5, 5000),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e4, 1e4),
    st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=3),
)




def plausible(parameter):
    """Values near what the parameter takes: mostly right, sometimes just out of range."""
    kind = type(parameter).__name__
    if kind in ("FloatParameter", "IntegerParameter"):
        low = parameter.minimum if parameter.minimum is not None else -1e6
        high = parameter.maximum if parameter.maximum is not None else 1e6
        numbers = st.floats(low - 1, min(high, low + 100) * 1.5 + 1)
        return numbers.map(round) if kind == "IntegerParameter" else numbers
    if kind == "BooleanParameter":
        return st.booleans()
    if kind == "ListParameter":
        return st.sampled_from(list(parameter.choices))
    return st.sampled_from(["", "auto", "brightest", "here", "5,5", "2, 4, 8", "laser_1064", "spcm"])


def parameter_values(name: str, keys):
    objects = PROCEDURES[name]().parameter_objects()
    return st.dictionaries(keys, junk, max_size=2) | st.sampled_from(PARAMETERS[name]).flatmap(
        lambda key: st.dictionaries(st.just(key), plausible(objects[key]) | junk, min_size=1))


@pytest.fixture(scope="module")
def bench():
    bench = open_bench("simulated")
    yield bench
    bench.close()


def parameter_sets(name: str):
    keys = st.one_of(st.sampled_from(PARAMETERS[name]), st.sampled_from(ALL_PARAMETERS), st.text(max_size=6))
    sets = st.lists(parameter_values(name, keys), max_size=4)
    return sets.map(lambda dicts: {key: value for one in dicts for key, value in one.items()})


@pytest.mark.parametrize("value", ["nan", float("nan"), float("inf"), "-inf", None, True, [1, "a"], {"a": 1}])
def test_values_that_are_not_numbers_are_refused_for_every_parameter(value):
    for name in NAMES:
        for key in PARAMETERS[name]:
            parameter = PROCEDURES[name]().parameter_objects()[key]
            if type(parameter).__name__ in ("FloatParameter", "IntegerParameter") or value is None or isinstance(
                    value, dict):
                with pytest.raises(ParameterProblem, match=key):
                    configure(name, {key: value})


def test_a_loop_typo_that_would_run_millions_of_items_is_refused():
    text = ("steps:\n  - for: t\n    in: {from: 0, to: 1, points: 100000}\n    steps:\n"
            "      - for: u\n        in: {from: 0, to: 1, points: 100000}\n        steps: [{run: power-sweep}]\n")
    with pytest.raises(BenchFileError, match="more than 10000 items"):
        parse_sequence(text, "typo.yaml")


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_parameters_are_accepted_within_their_bounds_or_refused(bench, data):
    name = data.draw(st.sampled_from(NAMES))
    values = data.draw(parameter_sets(name))
    try:
        procedure = configure(name, values, bench=bench)
    except ParameterProblem as problem:
        assert str(problem) and (problem.parameter is None or problem.parameter in values)
        event("parameters refused")
        return
    event("parameters accepted")
    for key, parameter in procedure.parameter_objects().items():
        value = parameter.value
        if isinstance(value, float):
            assert math.isfinite(value), f"{name}: {key} accepted {value}"
        if getattr(parameter, "minimum", None) is not None and isinstance(value, (int, float)):
            assert parameter.minimum <= value <= parameter.maximum, f"{name}: {key} accepted {value}"
    try:
        procedure.check_against_bench()
    except (ValueError, LookupError) as error:
        assert str(error)
    # Checking moves nothing.
    assert all(laser.setpoint_w == 0 and not laser.emission for laser in bench.world.lasers.values())


# -- sequence files ---------------------------------------------------------------------------------
def plausible_sets(name: str):
    objects = PROCEDURES[name]().parameter_objects()
    pairs = st.sampled_from(PARAMETERS[name]).flatmap(lambda key: st.tuples(st.just(key), plausible(objects[key])))
    return st.lists(pairs, max_size=3).map(dict)


def run_steps(depth: int, odd: bool):
    """Steps of a sequence file: well formed with plausible values, or (``odd``) anything at all now and then."""
    run = st.sampled_from(NAMES).flatmap(lambda name: st.fixed_dictionaries(
        {"run": st.just(name)},
        optional={"set": parameter_sets(name) if odd else plausible_sets(name),
                  "label": st.sampled_from(["a", "{t}"])}))
    if odd:
        run = run | run | st.fixed_dictionaries(
            {"run": st.one_of(st.sampled_from(NAMES), junk)},
            optional={"set": st.one_of(st.dictionaries(st.sampled_from(ALL_PARAMETERS), junk, max_size=3), junk),
                      "label": junk, "repeat": junk})
    if depth == 0:
        return run
    ranges = st.one_of(
        st.lists(st.floats(4, 400), min_size=1, max_size=4),
        st.fixed_dictionaries({"from": st.floats(4, 400), "to": st.floats(4, 400), "points": st.integers(1, 4)}))
    if odd:
        ranges = ranges | st.lists(junk, max_size=4) | junk | st.fixed_dictionaries(
            {"from": junk, "to": junk}, optional={"step": junk, "points": junk})
    loop = st.fixed_dictionaries(
        {"for": st.sampled_from(["t", "x", "temperature"]) | (junk if odd else st.nothing()), "in": ranges,
         "steps": st.lists(run_steps(depth - 1, odd), min_size=1, max_size=3)})
    if not odd:
        return run | loop
    return st.one_of(run, run, loop, st.fixed_dictionaries({"for": junk}, optional={"in": ranges, "steps": junk}), junk)


def sequences(odd: bool):
    steps = st.lists(run_steps(2, odd), min_size=1, max_size=4)
    if not odd:
        return st.fixed_dictionaries({"steps": steps}, optional={"on_error": st.sampled_from(["stop", "skip"])})
    return st.fixed_dictionaries(
        {"steps": st.one_of(steps, st.lists(run_steps(2, odd), max_size=4), junk)},
        optional={"name": junk, "on_error": st.one_of(st.sampled_from(["stop", "skip"]), junk), "bench": junk,
                  "oops": junk})


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=sequences(odd=True) | sequences(odd=False))
def test_random_sequence_files_give_a_plan_or_a_located_error(bench, sequence):
    text = yaml.safe_dump(sequence, sort_keys=False)
    try:
        plan = parse_sequence(text, "fuzz.yaml")
    except BenchFileError as error:
        assert str(error).startswith("fuzz.yaml")
        event("sequence refused")
        return
    event("sequence parsed")
    assert plan.items and len(plan.items) <= 100_000
    try:
        check_plan(plan, bench)
    except BenchFileError as error:
        assert str(error).startswith("fuzz.yaml:")
    assert all(laser.setpoint_w == 0 and not laser.emission for laser in bench.world.lasers.values())


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=100).map(lambda b: b.decode("latin-1"))))
def test_any_text_as_a_sequence_or_bench_file_is_refused_cleanly(text):
    for parse in (parse_sequence, parse_bench):
        try:
            parse(text, "any.yaml")
        except BenchFileError as error:
            assert str(error).startswith("any.yaml")


# -- bench files ------------------------------------------------------------------------------------
BENCH = yaml.safe_load(default_bench_text())


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from paths(value, prefix + (k,))


BENCH_PATHS = [path for path in paths(BENCH) if path]


def mutate(data, path, action, value):
    *parents, last = path
    node = data
    for key in parents:
        node = node[key]
    if action == "delete":
        del node[last]
    elif action == "replace":
        node[last] = value
    elif isinstance(node[last], dict):
        node[last]["unexpected"] = value


@settings(max_examples=300, deadline=None)
@given(mutations=st.lists(st.tuples(st.sampled_from(BENCH_PATHS), st.sampled_from(["delete", "replace", "add"]), junk),
                          min_size=1, max_size=3))
def test_a_mangled_bench_file_is_refused_with_its_field_or_still_valid(mutations):
    data = yaml.safe_load(default_bench_text())
    for path, action, value in mutations:
        try:
            mutate(data, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
    try:
        config = parse_bench(yaml.safe_dump(data), "bench.yaml")
    except BenchFileError as error:
        assert str(error).startswith("bench.yaml")
        event("bench refused")
        return
    event("bench accepted")
    for spec in config.instruments.values():  # what was accepted is usable: limits are ordered numbers
        limits = getattr(spec, "limits", None)
        for low, high in (("min_k", "max_k"), ("min_gate_s", "max_gate_s")):
            if limits is not None and hasattr(limits, low):
                assert getattr(limits, low) <= getattr(limits, high)


# -- the command line -------------------------------------------------------------------------------
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=sequences(odd=True) | sequences(odd=False),
       mutations=st.lists(st.tuples(st.sampled_from(BENCH_PATHS), st.sampled_from(["delete", "replace", "add"]), junk),
                          max_size=2))
def test_anplab_queue_check_answers_in_one_line_whatever_the_files(tmp_path_factory, capsys, sequence, mutations):
    folder = tmp_path_factory.mktemp("cli")
    bench = yaml.safe_load(default_bench_text())
    for path, action, value in mutations:
        try:
            mutate(bench, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue
    (folder / "bench.yaml").write_text(yaml.safe_dump(bench))
    (folder / "sequence.yaml").write_text(yaml.safe_dump(sequence, sort_keys=False))
    try:
        code = main(["queue", str(folder / "sequence.yaml"), "--check", "--bench", str(folder / "bench.yaml"),
                     "--out", str(folder / "runs")])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in err
    if code == 2:
        event("cli refused")
        assert err.startswith("anplab: error: ") and str(folder) in err.splitlines()[0]
    else:
        event("cli accepted")
        assert "within the bench's limits" in out
    assert not (folder / "runs").exists()
