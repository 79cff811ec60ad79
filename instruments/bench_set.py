"""Several benches in one file: YAML documents separated by ``---`` lines, each a bench file of its own.

A simulated bench has one world and one cryostat, so a file that serves
several cryostat controllers at once (the built-in ``all-models`` set) holds
one bench per controller.  Each document is validated as a bench file, and
its errors name the line in the whole file.
"""

from __future__ import annotations

import re
from pathlib import Path

from .bench_file import BenchConfig, parse_bench
from .yaml_lines import BenchFileError

_SEPARATOR = re.compile(r"^---[ \t]*(#.*)?$")


def split_documents(text: str) -> list[str]:
    """The documents of ``text``, each padded with blank lines so that its line numbers are the file's."""
    documents, current, start = [], [], 0
    for number, line in enumerate(text.splitlines()):
        if _SEPARATOR.match(line):
            documents.append((start, current))
            current, start = [], number + 1
        else:
            current.append(line)
    documents.append((start, current))
    return ["\n" * first + "\n".join(lines) + "\n" for first, lines in documents
            if any(line.strip() and not line.lstrip().startswith("#") for line in lines)]


def parse_bench_set(text: str, source: str) -> list[BenchConfig]:
    """Every bench of a file of one or more bench documents; raises BenchFileError naming file and line."""
    benches = [parse_bench(document, source) for document in split_documents(text)]
    if not benches:
        raise BenchFileError(source, 1, None, "a bench file must be a mapping with an 'instruments' section")
    names: dict[str, int] = {}
    for index, bench in enumerate(benches):
        for name in bench.instruments:
            if name in names:
                raise BenchFileError(source, None, name, f"instrument {name!r} is in bench {names[name] + 1} "
                                                      f"and bench {index + 1}; names must be unique in the file")
            names[name] = index
    return benches


def load_bench_set(path: str | Path) -> list[BenchConfig]:
    from .input_files import read_text

    return parse_bench_set(read_text(path, "bench file"), str(path))
