"""Passwords in, browser sessions out: checking credentials, and the session of a logged-in user.

A session remembers the second factor its login gave; every request checks that this still
meets the rule (``second_factor.satisfies``), so a session that passed the password alone
ends when the group switches two-factor on, and one that passed an emailed code ends when
the user adds their own app.
"""

from __future__ import annotations

import hmac

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from timetracker import audit, clock, validation
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.models import User
from timetracker.security import session_stamps
from timetracker.security.passwords import check_password, hash_password, needs_rehash
from timetracker.security.request_marks import Mark, mark
from timetracker.security.second_factor import WITH_RULE_FACTS, Factor, satisfies, second_factor_for

LOGGED_IN_AT = "logged_in_at"
SECOND_FACTOR = "second_factor"

# Built once, with what the rule asks of a user: building a statement costs more than running it.
_BY_LOGIN = select(User).where(User.login == bindparam("login")).options(*WITH_RULE_FACTS)
_BY_ID = select(User).where(User.id == bindparam("user_id")).options(*WITH_RULE_FACTS)
_USERS = User.__table__
_NOTE_LOGIN = update(_USERS).where(_USERS.c.id == bindparam("user_id")).values(last_login_at=bindparam("now"))


def find_user(login: str) -> User | None:
    """Return the user with this login, ignoring case and surrounding spaces."""
    try:
        login = validation.login(login)
    except validation.Invalid:
        return None
    return db.session.scalar(_BY_LOGIN, {"login": login})


def check_credentials(login: str, password: str) -> User | None:
    """Return the active user whose login and password these are, or None.

    An unknown login costs one password hash like a known one, and every failure is
    audited (under the user when the login exists) and committed.
    """
    user = find_user(login)
    password_ok = check_password(user.password_hash if user else None, password)
    if user is not None and password_ok and user.active:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)  # stored by the login's commit
        return user
    audit.record(Event.LOGIN_FAILED, user=user, reason=_failure_reason(user, password_ok))
    db.session.commit()
    mark(Mark.WRONG_PASSWORD)
    return None


def _failure_reason(user: User | None, password_ok: bool) -> str:
    if user is None:
        return "unknown login"
    return "inactive user" if password_ok else "wrong password"


def complete_login(user: User, factor: Factor, **details: object) -> None:
    """Log ``user`` in on a fresh session that gave ``factor``, note the time and audit it.

    Only ``sign_in`` calls it (and registration, whose new top manager owes no factor).
    """
    session.clear()
    session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME
    session_stamps.stamp(LOGGED_IN_AT)
    session[SECOND_FACTOR] = factor.value
    login_user(user)
    _note_login(user)
    if factor is not Factor.NONE:
        details["second_factor"] = factor.value
    audit.record(Event.LOGIN, actor=user, **details)
    db.session.commit()


def _note_login(user: User) -> None:
    """Store the time of this login, by a statement of its own: flushing the user costs far more."""
    now = clock.now()
    db.session.execute(_NOTE_LOGIN, {"user_id": user.id, "now": now})
    set_committed_value(user, "last_login_at", now)


def keep_session(user: User) -> None:
    """Keep ``user`` logged in on this browser after a change they made themselves.

    A new password rotates the session token; adding their own app, or switching the group's
    two-factor on, raises the factor the rule asks for. Their other sessions end; this one,
    which made the change, carries on.
    """
    login_user(user)
    required = second_factor_for(user)
    if not satisfies(_given_factor(), required):
        session[SECOND_FACTOR] = required.value


def end_session(user: User) -> None:
    """Log ``user`` out and forget everything the session held."""
    audit.record(Event.LOGOUT, actor=user)
    db.session.commit()
    logout_user()
    session.clear()


def load_user(key: str) -> User | None:
    """Return the logged-in user for a session key, if the session still counts and the user is active."""
    user_id, _, token = key.partition(":")
    if not user_id.isdigit() or not _login_is_recent():
        return None
    user = db.session.scalar(_BY_ID, {"user_id": int(user_id)})
    if (
        user is None
        or not user.active
        or not hmac.compare_digest(user.session_token.encode(), token.encode())
        or not satisfies(_given_factor(), second_factor_for(user))
    ):
        return None
    return user


def _given_factor() -> Factor:
    """Return the second factor this session's login gave (none, for a session from before it was kept)."""
    try:
        return Factor(session.get(SECOND_FACTOR, Factor.NONE.value))
    except ValueError:
        return Factor.NONE


def _login_is_recent() -> bool:
    """Tell whether this session's login is younger than PERMANENT_SESSION_LIFETIME.

    Flask renews the cookie on every request, so without this a session in use (or a copy of
    its cookie) would never end; this makes a login last that long at most.
    """
    return session_stamps.younger_than(LOGGED_IN_AT, current_app.permanent_session_lifetime.total_seconds())
