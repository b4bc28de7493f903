"""What went wrong (or was started) in this request, for the throttles to count after the view.

The code that knows a password or code was wrong marks the request; ``throttle`` counts a
request against a failures-only limit when it carries the mark, whatever the view answered
(a page again, a redirect to start over, or a JSON error).
"""

from __future__ import annotations

from enum import Enum

from flask import g


class Mark(Enum):
    WRONG_PASSWORD = "a wrong password at the password step"
    WRONG_SECOND_FACTOR = "a wrong code, recovery code, or password at the second step"
    PASSWORD_NOT_CONFIRMED = "a logged-in user gave a wrong password again"
    RESET_CODE_STARTED = "a reset link started a second factor (and may have emailed a code)"


def mark(what: Mark) -> None:
    """Note ``what`` happened in this request."""
    g.setdefault("request_marks", set()).add(what)


def has(what: Mark) -> bool:
    """Tell whether this request was marked with ``what``."""
    return what in g.get("request_marks", ())
