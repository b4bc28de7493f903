"""Turning a login and password into a session: the only place users become logged in."""

from __future__ import annotations

import hmac

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import select

from timetracker import audit, clock, validation
from timetracker.audit import Event
from timetracker.errors import TimeTrackerError
from timetracker.extensions import db
from timetracker.models import PendingLogin, User
from timetracker.security import emailed_code, session_stamps
from timetracker.security import pending as pending_logins
from timetracker.security.passwords import check_password, hash_password, needs_rehash, password_digest
from timetracker.security.request_marks import Mark, mark
from timetracker.security.second_factor import (
    Factor,
    overrides_group_2fa,
    second_factor_for,
)

LOGGED_IN_AT = "logged_in_at"


class NoEmailForCode(TimeTrackerError):
    """The login needs an emailed code but the user has no email address."""


def find_user(login: str) -> User | None:
    """Return the user with this login, ignoring case and surrounding spaces."""
    try:
        login = validation.login(login)
    except validation.Invalid:
        return None
    return db.session.scalar(select(User).where(User.login == login))


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


def required_factor(user: User) -> Factor:
    """Return the second factor ``user`` owes after a correct password (audits an override).

    :raise NoEmailForCode: an emailed code is needed and the user has no email (audited).
    """
    factor = second_factor_for(user)
    if factor is Factor.NONE and overrides_group_2fa(user):
        audit.record(Event.OVERRIDE_USED, actor=user)
    if factor is Factor.EMAIL and not user.email:
        audit.record(Event.NO_EMAIL_FOR_CODE, user=user)
        db.session.commit()
        raise NoEmailForCode()
    return factor


def prepare_second_factor(pending: PendingLogin, password: str | None) -> None:
    """For an emailed code: keep a digest of the password just checked, and send the code.

    :param password: the password of the first step; None for a password reset.
    """
    if pending.method != Factor.EMAIL:
        return
    if password is not None:
        pending.password_digest = password_digest(pending.id, pending.user.password_hash, password)
    emailed_code.send_code(pending)
    audit.record(Event.CODE_SENT, user=pending.user, purpose=pending.purpose)


def begin_login(user: User, password: str, next_url: str | None) -> PendingLogin | None:
    """Log ``user`` in after a correct password, or start the second factor they owe.

    :return: None when the user is logged in, else the pending login that awaits the factor.
    :raise NoEmailForCode: an emailed code is needed and the user has no email; nothing is sent.
    """
    factor = required_factor(user)
    if factor is Factor.NONE:
        complete_login(user)
        return None
    pending = pending_logins.start(user, factor.value, next_url=next_url)
    prepare_second_factor(pending, password)
    db.session.commit()
    return pending


def complete_login(user: User, **details: object) -> None:
    """Log ``user`` in on a fresh session, note the time and audit it."""
    session.clear()
    session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME
    session_stamps.stamp(LOGGED_IN_AT)
    login_user(user)
    user.last_login_at = clock.now()
    audit.record(Event.LOGIN, actor=user, **details)
    db.session.commit()


def end_session(user: User) -> None:
    """Log ``user`` out and forget everything the session held."""
    audit.record(Event.LOGOUT, actor=user)
    db.session.commit()
    logout_user()
    session.clear()


def load_user(key: str) -> User | None:
    """Return the logged-in user for a session key, if it is still valid and the user active."""
    user_id, _, token = key.partition(":")
    if not user_id.isdigit():
        return None
    if not _login_is_recent():
        return None
    user = db.session.get(User, int(user_id))
    if (
        user is None
        or not user.active
        or not hmac.compare_digest(user.session_token.encode(), token.encode())
    ):
        return None
    return user


def _login_is_recent() -> bool:
    """Tell whether this session's login is younger than PERMANENT_SESSION_LIFETIME.

    Flask renews the cookie on every request, so without this a session in use (or a copy of
    its cookie) would never end; this makes a login last that long at most.
    """
    return session_stamps.younger_than(LOGGED_IN_AT, current_app.permanent_session_lifetime.total_seconds())


def keep_session(user: User) -> None:
    """Keep ``user`` logged in on this browser after their session token changed."""
    login_user(user)
