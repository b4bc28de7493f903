"""CSV that a spreadsheet opens as data: quoted text, no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest

from timetracker.services import csv_export
from timetracker.services.csv_export import neutralised


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("safe", "safe"),
        ("", ""),
        ("=x", "'=x"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Plain;=1+2", "Plain;'=1+2"),
        ("Plain,=1+2", "Plain,'=1+2"),
        ("Plain; =1+2", "Plain; '=1+2"),
        ("Plain\t=1+2", "Plain\t'=1+2"),
        ("two\n@lines", "two\n'@lines"),
        ("a-b=c", "a-b=c"),  # inside a word nothing is split off
        ("Anne-Marie O'Neil", "Anne-Marie O'Neil"),
    ],
)
def test_neutralised(cell: str, expected: str) -> None:
    assert neutralised(cell) == expected


def test_text_is_quoted_and_numbers_stay_numbers() -> None:
    text = "".join(csv_export.chunks(("Name", "Minutes"), [("Plain;=1+2", 90), ("x", 1.5)]))
    assert text.splitlines() == ['"Name","Minutes"', '"Plain;\'=1+2",90', '"x",1.5']


def test_rows_come_in_chunks_that_make_the_whole_file() -> None:
    rows = [(f"user {number}", number) for number in range(2 * csv_export.ROWS_PER_CHUNK + 5)]
    pieces = list(csv_export.chunks(("Name", "Number"), rows))
    assert len(pieces) == 3
    parsed = list(csv.reader(io.StringIO("".join(pieces))))
    assert parsed[0] == ["Name", "Number"] and len(parsed) == len(rows) + 1
    assert parsed[-1] == [f"user {len(rows) - 1}", str(len(rows) - 1)]
