"""The rows of one point as one record, in pymeasure's own "batch results" form.

A point made of many rows (a rise trace, a block of image pixels) is emitted
once, as ``{column: [value, value, ...]}`` with every column the same length:
the form pymeasure's ``Worker`` takes for the topic "batch results" (it
refuses anything else, stops the run and records nothing).  So a procedure
run under pymeasure's own ``Worker``/``Results`` (and ``ManagedWindow``,
which runs them) records every row, exactly as anplab's runner writes them
into a run folder.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np


def batch(rows: Iterable[Mapping]) -> dict[str, list]:
    """Rows (dicts) as one batch record: columns in the order first seen.

    A row without a column gets NaN in it, which is what pymeasure's CSV
    formatter writes for a missing value, so the record holds what the
    data file will hold."""
    rows = list(rows)
    columns: dict[str, list] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, [])
    for row in rows:
        for key, values in columns.items():
            values.append(row.get(key, math.nan))
    return columns


def batch_rows(record: Mapping[str, Sequence] | Iterable[Mapping]) -> list[dict]:
    """The rows of a batch record (a list of rows is taken as it is).

    Raises ValueError for columns of unequal length (pymeasure calls that data loss)."""
    if not isinstance(record, Mapping):
        return [dict(row) for row in record]
    lengths = {len(values) for values in record.values()}
    if len(lengths) > 1:
        raise ValueError(f"a batch record with columns of unequal lengths {sorted(lengths)}")
    count = lengths.pop() if lengths else 0
    return [{key: _plain(values[index]) for key, values in record.items()} for index in range(count)]


def _plain(value):
    """A value of a numpy array column as the Python scalar it came from."""
    return value.item() if isinstance(value, np.generic) else value
