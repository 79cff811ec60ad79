"""Safe YAML loading that remembers the line of every key, for error messages that point at the file."""

from __future__ import annotations

import yaml


class BenchFileError(ValueError):
    """A bench (or sequence) file is malformed or invalid; the message names file, line and field."""

    def __init__(self, source: str, line: int | None, field: str | None, message: str, *, more: list[str] = ()):
        where = f"{source}:{line}" if line else source
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        super().__init__(text if not more else text + "".join(f"\n{m}" for m in more))
        self.source = source
        self.line = line
        self.field = field
        self.reason = message


#: Deepest nesting of mappings and sequences a bench or sequence file may have (PyYAML composes recursively).
MAX_DEPTH = 50
#: Most values a file may expand to, aliases counted each time they are used (a "billion laughs" file expands
#: a few lines into billions).
MAX_NODES = 50_000


def load_with_lines(text: str, source: str) -> tuple[object, dict[tuple, int]]:
    """Parse YAML with the safe loader; return the data and a map from key path to 1-based line.

    Duplicate keys are refused (PyYAML would silently keep the last one),
    nothing in the file can construct Python objects, and the nesting depth
    and the number of values (aliases expanded) are bounded.
    """
    _check_depth(text, source)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise BenchFileError(source, mark.line + 1 if mark else None, None,
                             f"not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise BenchFileError(source, None, None, f"not valid YAML: {error}") from None
    if node is None:
        return None, {}
    lines: dict[tuple, int] = {}
    budget = [MAX_NODES]
    return _construct(node, (), lines, source, budget), lines


def _check_depth(text: str, source: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, from the token stream (the scanner does not recurse)."""
    depth = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken,
                                  yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = token.start_mark.line + 1
                    raise BenchFileError(source, line, None, f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(token, (yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken, yaml.BlockEndToken)):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark else None
        raise BenchFileError(source, line, None, f"not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise BenchFileError(source, None, None, f"not valid YAML: {error}") from None


_PLAIN_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def _construct(node, path: tuple, lines: dict, source: str, budget: list[int]):
    budget[0] -= 1
    if budget[0] < 0:
        raise BenchFileError(source, node.start_mark.line + 1, None,
                             f"expands to more than {MAX_NODES} values (aliases counted each time they are used)")
    if len(path) > MAX_DEPTH:
        raise BenchFileError(source, node.start_mark.line + 1, None, f"nested more than {MAX_DEPTH} levels deep")
    lines.setdefault(path, node.start_mark.line + 1)
    expected = _PLAIN_TAGS.get(type(node))
    if expected is not None and node.tag != expected:
        raise BenchFileError(source, node.start_mark.line + 1, ".".join(map(str, path)) or None,
                             f"cannot read value: tag {node.tag!r} is not allowed")
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, source)
            if key in out:
                raise BenchFileError(source, key_node.start_mark.line + 1, ".".join(map(str, path + (key,))),
                                     "appears twice")
            lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, path + (key,), lines, source, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (i,), lines, source, budget) for i, item in enumerate(node.value)]
    return _scalar(node, source)


def _scalar(node, source: str):
    if not isinstance(node, yaml.ScalarNode):
        raise BenchFileError(source, node.start_mark.line + 1, None, "a key must be a plain value")
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as error:
        raise BenchFileError(source, node.start_mark.line + 1, None, f"cannot read value: {error.problem}") from None
    finally:
        loader.dispose()
