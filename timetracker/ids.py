"""Row ids as they come from outside: in a URL, a query string or a form.

Every id column is an INTEGER, so an id runs from 1 to 2**31 - 1 (PostgreSQL's largest). A
number outside that range names no row; it is answered like an unknown id without asking the
database, which would fail on it ("integer out of range", or SQLite's OverflowError).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

SMALLEST = 1
LARGEST = 2**31 - 1


def in_range(number: int) -> bool:
    """Tell whether ``number`` can be the id of a row."""
    return SMALLEST <= number <= LARGEST


def parse(text: str) -> int:
    """Return ``text`` as a number from 1 to ``LARGEST`` (an id, or a page number).

    Made for ``request.args.get(name, type=ids.parse)``, which treats anything else as absent.

    :raise ValueError: not a whole number, or one out of that range.
    """
    number = int(text)
    if not in_range(number):
        raise ValueError(f"{text!r} is out of range")
    return number


class IdConverter(IntegerConverter):
    """The URL part ``<id:name>``: an id; a number out of range matches no route, so it is a 404."""

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=SMALLEST, max=LARGEST)
