"""CSV that a spreadsheet opens as plain data, written in chunks so an export is streamed.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection). Every text cell is quoted, and a leading quote ``'`` is put
before a formula character at the start of the cell *and* after any separator a spreadsheet
may split on (``,`` ``;`` tab, line breaks, with spaces between), because a spreadsheet set to
another separator than ours may still cut a cell there. Numbers (``int``, ``float``, ``Decimal``) are
written bare so that they stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

Cell = str | int | float | Decimal

_AFTER_A_SEPARATOR = re.compile(r"(^|[,;\t\r\n][ ]*)(?=[=+\-@\t\r])")
ROWS_PER_CHUNK = 1000


_FORMULA_STARTS = frozenset("=+-@\t\r")
_SEPARATORS = frozenset(",;\t\r\n")


def neutralised(cell: str) -> str:
    """Return ``cell`` with a ``'`` before each formula character a spreadsheet could run."""
    if cell[:1] not in _FORMULA_STARTS and _SEPARATORS.isdisjoint(cell):
        return cell  # nothing the pattern could match; most cells, at a fraction of its cost
    return _AFTER_A_SEPARATOR.sub(r"\1'", cell)


def chunks(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """Yield the CSV text of ``header`` then ``rows``, about ``ROWS_PER_CHUNK`` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([neutralised(name) for name in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralised(cell) if isinstance(cell, str) else cell for cell in row])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
