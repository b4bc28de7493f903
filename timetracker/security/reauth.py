"""Asking a logged-in user for their password again before a sensitive change or secret.

A right password is remembered in the session for a few minutes (``confirmed_recently``), so
pages that show secrets (a new authenticator's secret, recovery codes) can ask first without
asking at every step. A wrong password is audited and marked for
``throttle.password_confirmation``, which counts it: after too many in a window the views that
ask answer 429, so a stolen session cannot be used to guess the password.
"""

from __future__ import annotations

from flask import current_app, has_request_context

from timetracker import audit, messages
from timetracker.audit import Event
from timetracker.errors import FieldError
from timetracker.extensions import db
from timetracker.models import User
from timetracker.security import session_stamps
from timetracker.security.passwords import check_password
from timetracker.security.request_marks import Mark, mark

CONFIRMED_AT = "password_confirmed_at"


def require_password(
    user: User, password: str, *, field: str, message: str = messages.WRONG_PASSWORD
) -> None:
    """Return if ``password`` is ``user``'s; else audit the failure and raise.

    Call it before changing anything: a failure commits its audit row.

    :raise FieldError: on ``field`` with ``message``.
    """
    if check_password(user.password_hash, password):
        if has_request_context():
            session_stamps.stamp(CONFIRMED_AT)
        return
    mark(Mark.PASSWORD_NOT_CONFIRMED)
    audit.record(Event.PASSWORD_CONFIRMATION_FAILED, actor=user)
    db.session.commit()
    raise FieldError(field, message)


def confirmed_recently() -> bool:
    """Tell whether this session's user gave their password again within PASSWORD_CONFIRMATION_TTL."""
    return session_stamps.younger_than(CONFIRMED_AT, current_app.config["PASSWORD_CONFIRMATION_TTL"])
