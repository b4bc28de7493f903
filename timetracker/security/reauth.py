"""Asking a logged-in user for their password again before a sensitive change.

A wrong password is audited and flagged for ``throttle.password_confirmation``, which counts
it: after too many in a window the views that ask answer 429, so a stolen session cannot be
used to guess the password.
"""

from __future__ import annotations

from flask import g

from timetracker import audit, messages
from timetracker.audit import Event
from timetracker.errors import FieldError
from timetracker.extensions import db
from timetracker.models import User
from timetracker.security.passwords import check_password

REFUSED_FLAG = "password_confirmation_refused"


def require_password(
    user: User, password: str, *, field: str, message: str = messages.WRONG_PASSWORD
) -> None:
    """Return if ``password`` is ``user``'s; else audit the failure and raise.

    Call it before changing anything: a failure commits its audit row.

    :raise FieldError: on ``field`` with ``message``.
    """
    if check_password(user.password_hash, password):
        return
    g.setdefault(REFUSED_FLAG, True)
    audit.record(Event.PASSWORD_CONFIRMATION_FAILED, actor=user)
    db.session.commit()
    raise FieldError(field, message)


def password_was_refused() -> bool:
    """Tell whether this request met a wrong password in ``require_password``."""
    return bool(g.get(REFUSED_FLAG))
