"""Passwords in, browser sessions out: checking credentials, and the session of a logged-in user.

A browser's signed cookie holds only the random token of its server-side session
(``security.sessions``): every request reads that row, so "Log out" ends the session for
every copy of the cookie. A session remembers the second factor its login gave; a session
that passed the password alone stops counting when the group switches two-factor on, and
one that passed an emailed code when the user adds their own app.
"""

from __future__ import annotations

from flask import Request, current_app, session
from flask_login import logout_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from timetracker import audit, clock, validation
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.models import User
from timetracker.models.user_session import SessionKind
from timetracker.security import devices, sessions
from timetracker.security.passwords import check_password, hash_password, needs_rehash
from timetracker.security.request_marks import Mark, mark
from timetracker.security.second_factor import WITH_RULE_FACTS, Factor, satisfies, second_factor_for

SESSION_KEY = "login"  # the browser's session token, in its signed cookie

# Built once, with what the rule asks of a user: building a statement costs more than running it.
_BY_LOGIN = select(User).where(User.login == bindparam("login")).options(*WITH_RULE_FACTS)
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

    A browser that has not logged in to this account before is remembered, and the user
    gets a "New sign-in" email (queued, in the same transaction). Only ``sign_in`` calls it.
    """
    session.clear()
    session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME, as the row does
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    session[SESSION_KEY] = sessions.create(user, SessionKind.BROWSER, factor, lifetime=lifetime).token
    note_login(user)
    if devices.note(user):
        devices.alert(user)
    if factor is not Factor.NONE:
        details["second_factor"] = factor.value
    audit.record(Event.LOGIN, actor=user, device=devices.this_device(), **details)
    db.session.commit()


def note_login(user: User) -> None:
    """Store the time of this login, by a statement of its own: flushing the user costs far more."""
    now = clock.now()
    db.session.execute(_NOTE_LOGIN, {"user_id": user.id, "now": now})
    set_committed_value(user, "last_login_at", now)


def keep_session(user: User) -> None:
    """Keep ``user`` logged in on this browser after a change they made themselves.

    A new password, or a new or removed app, ended their other sessions (``sessions.end_others``);
    adding their own app, or switching the group's two-factor on, raises the factor the rule
    asks for, which this session, which made the change, now meets.
    """
    mine = sessions.current()
    required = second_factor_for(user)
    if mine is not None and not satisfies(Factor(mine.second_factor), required):
        sessions.raise_factor(mine, required)


def end_session(user: User) -> None:
    """Log ``user`` out: end this browser's session on the server, and forget what the cookie held."""
    mine = sessions.current()
    if mine is None or not sessions.end(user, mine.id, Event.LOGOUT):
        audit.record(Event.LOGOUT, actor=user)  # a request at the same time ended it first
        db.session.commit()
    logout_user()
    session.clear()


def load_user(_request: Request) -> User | None:
    """Return the user of this browser's session, if the session still counts (``sessions.find``)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    row = sessions.find(token)
    return row.user if row is not None else None
