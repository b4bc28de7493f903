"""Pending logins: the server-side state of a login between the password and the second factor.

Browsers keep the pending login's random token in their signed session; API clients get it
in the JSON answer. Either way only its hash is stored, and each purpose ("login" in a
browser, "api", "reset" of a password) looks only at its own rows.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import select

from timetracker import clock
from timetracker.extensions import db
from timetracker.models import PendingLogin, User

SESSION_KEY = "pending_login"
LIFETIME = timedelta(minutes=30)
BROWSER = "login"
API = "api"
RESET = "reset"


def create(
    user: User, method: str, *, purpose: str, next_url: str | None = None, subject: str | None = None
) -> tuple[PendingLogin, str]:
    """Add a pending login and return it with the token its client must show (the caller commits)."""
    token = secrets.token_urlsafe(32)
    pending = PendingLogin(
        token_hash=_digest(token),
        user=user,
        method=method,
        purpose=purpose,
        subject=subject,
        expires_at=clock.now() + LIFETIME,
        next_url=next_url,
        tries_left=current_app.config["2FA_MAX_TRIES"],
    )
    db.session.add(pending)
    db.session.flush()
    return pending, token


def start(
    user: User,
    method: str,
    *,
    purpose: str = BROWSER,
    next_url: str | None = None,
    subject: str | None = None,
) -> PendingLogin:
    """Begin a pending login on a fresh browser session; only its token goes into the cookie."""
    pending, token = create(user, method, purpose=purpose, next_url=next_url, subject=subject)
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = token
    g.pending_login_row = pending
    return pending


def current(purpose: str = BROWSER) -> PendingLogin | None:
    """Return this browser's pending login of ``purpose`` if it is still valid, else None."""
    pending = in_session()
    return pending if pending is not None and pending.purpose == purpose else None


def in_session() -> PendingLogin | None:
    """Return this browser's valid pending login, whatever its purpose."""
    if "pending_login_row" not in g:
        token = session.get(SESSION_KEY)
        g.pending_login_row = _valid(_row(token)) if isinstance(token, str) else None
        if g.pending_login_row is None:
            session.pop(SESSION_KEY, None)
    pending: PendingLogin | None = g.pending_login_row
    return pending


def find(token: str, purpose: str) -> PendingLogin | None:
    """Return the valid pending login of ``purpose`` that ``token`` belongs to (API clients)."""
    pending = _valid(_row(token))
    return pending if pending is not None and pending.purpose == purpose else None


def end(pending: PendingLogin) -> None:
    """Delete the pending login and drop it from the session (the caller commits)."""
    db.session.delete(pending)
    if g.get("pending_login_row") is pending:
        session.pop(SESSION_KEY, None)
        g.pending_login_row = None


def _row(token: str) -> PendingLogin | None:
    return db.session.scalar(select(PendingLogin).where(PendingLogin.token_hash == _digest(token)))


def _valid(pending: PendingLogin | None) -> PendingLogin | None:
    """Return ``pending`` unless it expired or its user was deactivated (then it is deleted)."""
    if pending is not None and (pending.expires_at <= clock.now() or not pending.user.active):
        db.session.delete(pending)
        db.session.commit()
        return None
    return pending


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
