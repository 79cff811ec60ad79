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


def load_with_lines(text: str, source: str) -> tuple[object, dict[tuple, int]]:
    """Parse YAML with the safe loader; return the data and a map from key path to 1-based line.

    Duplicate keys are refused (PyYAML would silently keep the last one), and
    nothing in the file can construct Python objects.
    """
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
    return _construct(node, (), lines, source), lines


_PLAIN_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def _construct(node, path: tuple, lines: dict, source: str):
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
            out[key] = _construct(value_node, path + (key,), lines, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (i,), lines, source) for i, item in enumerate(node.value)]
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
