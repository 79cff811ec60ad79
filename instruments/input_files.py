"""Reading files a user (or a crash) hands us, within limits, so that no file can take the machine down.

Every file anplab reads from outside its own running process goes through
here: bench and sequence files, pattern images, and the files of a run
folder that a resume trusts.  A file is read only if it is a regular file
(not ``/dev/zero``, a FIFO or a directory) and no larger than the limit for
its kind; what is read is never more than the limit plus one byte, even if
the file grows meanwhile.  Problems end in a one-line
:class:`~anplab.instruments.yaml_lines.BenchFileError` naming the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .yaml_lines import BenchFileError

KIB, MIB = 1024, 1024 * 1024

#: Limits by kind of file: generous for any real file, far below what would hurt.
LIMITS = {
    "bench file": 1 * MIB,
    "sequence file": 1 * MIB,
    "pattern file": 64 * MIB,
    "run metadata": 64 * MIB,
    "run summary": 64 * MIB,
    "run state": 16 * MIB,
    "points ledger": 256 * MIB,
}


def read_bytes(path: str | Path, what: str, limit: int | None = None) -> bytes:
    """The bytes of a regular file no larger than ``limit`` (default: the limit for ``what``)."""
    limit = LIMITS[what] if limit is None else limit
    source = str(path)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise BenchFileError(source, None, None, f"the {what} is not a regular file")
            if info.st_size > limit:
                raise BenchFileError(source, None, None, f"the {what} is {_size(info.st_size)}, more than the "
                                                         f"{_size(limit)} a {what} may be")
            content = handle.read(limit + 1)
    except OSError as error:
        raise BenchFileError(source, None, None, f"cannot read the {what}: {error.strerror or error}") from None
    if len(content) > limit:  # grew while being read
        raise BenchFileError(source, None, None, f"the {what} is more than the {_size(limit)} a {what} may be")
    return content


def read_text(path: str | Path, what: str, limit: int | None = None) -> str:
    """The UTF-8 text of a regular file no larger than ``limit``; binary content is refused."""
    content = read_bytes(path, what, limit)
    if b"\0" in content:
        raise BenchFileError(str(path), None, None, f"the {what} is not a text file (it holds NUL bytes)")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise BenchFileError(str(path), line, None, f"the {what} is not UTF-8 text") from None


def _size(count: int) -> str:
    if count >= MIB:
        return f"{count / MIB:.3g} MiB"
    if count >= KIB:
        return f"{count / KIB:.3g} KiB"
    return f"{count} bytes"
