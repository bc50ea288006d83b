"""CSV lines streamed one row at a time, safe to open in a spreadsheet.

Both downloads (the API's per-body export and a result list) write through here: a cell that
starts like a formula is prefixed with ``'`` so Excel or LibreOffice shows it as text instead
of evaluating what a register wrote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ",", prefix: str = ""
) -> Iterator[str]:
    """``prefix`` (a BOM, say) and the header, then each row as its own chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    yield prefix + _take(buffer)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        yield _take(buffer)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
