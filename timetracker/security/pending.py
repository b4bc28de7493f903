"""Pending logins: the server-side state of a login between the password and the second factor.

Browsers keep the pending login's random token in their signed session; API clients get it
in the JSON answer. Either way only its hash is stored, and each purpose (a browser login, an
API login, a password reset) looks only at its own rows.

Two requests at once must not both spend the same try or both get in: tries are spent and a
pending login is ended by conditional statements whose row counts say who won, never by
reading a value and writing it back.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum

from flask import current_app, g, session
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from timetracker import clock
from timetracker.extensions import db
from timetracker.models import PendingLogin, User
from timetracker.security.second_factor import WITH_RULE_FACTS, Factor, satisfies, second_factor_for

SESSION_KEY = "pending_login"
LIFETIME = timedelta(minutes=30)

# The statements of every request of a login, built once: building one costs more than running it.
_ROWS = PendingLogin.__table__
_BY_TOKEN = (
    select(PendingLogin)
    .where(PendingLogin.token_hash == bindparam("token_hash"))
    .options(joinedload(PendingLogin.user).options(*WITH_RULE_FACTS))  # what _valid asks of the user
)
_TAKE_TRY = (
    update(_ROWS)
    .where(_ROWS.c.id == bindparam("pending_id"), _ROWS.c.tries_left > 0)
    .values(tries_left=_ROWS.c.tries_left - 1)
    .returning(_ROWS.c.tries_left)
)
_DELETE = delete(_ROWS).where(_ROWS.c.id == bindparam("pending_id"))


class Purpose(StrEnum):
    """What a pending login leads to once its second factor is given."""

    BROWSER = "login"  # a logged-in browser session
    API = "api"  # an API token
    RESET = "reset"  # setting a new password with a reset link

    @property
    def in_browser(self) -> bool:
        """Tell whether the browser's session holds the pending login (else the API client does)."""
        return self is not Purpose.API


def create(
    user: User, method: str, purpose: Purpose, *, next_url: str | None = None, subject: str | None = None
) -> tuple[PendingLogin, str]:
    """Add a pending login and return it with the token its client must show (the caller commits).

    A browser's pending login starts a fresh session that holds only its token.
    """
    token = secrets.token_urlsafe(32)
    pending = PendingLogin(
        token_hash=_digest(token),
        user_id=user.id,  # not user=: a cheaper flush, and pending.user is then found in the session
        method=method,
        purpose=purpose.value,
        subject=subject,
        expires_at=clock.now() + LIFETIME,
        next_url=next_url,
        tries_left=current_app.config["2FA_MAX_TRIES"],
    )
    db.session.add(pending)
    db.session.flush()
    if purpose.in_browser:
        session.clear()
        session.permanent = True
        session[SESSION_KEY] = token
        g.pending_login_row = pending
    return pending, token


def current(purpose: Purpose = Purpose.BROWSER) -> PendingLogin | None:
    """Return this browser's pending login of ``purpose`` if it is still valid, else None."""
    pending = in_session()
    return pending if pending is not None and pending.purpose == purpose else None


def in_session() -> PendingLogin | None:
    """Return this browser's valid pending login, whatever its purpose."""
    if "pending_login_row" not in g:
        # A token whose row is gone stays in the cookie until the next login clears it: dropping
        # it here would send a cookie that overwrites the one a concurrent request just logged in.
        token = session.get(SESSION_KEY)
        g.pending_login_row = _valid(_row(token)) if isinstance(token, str) else None
    pending: PendingLogin | None = g.pending_login_row
    return pending


def find(token: str, purpose: Purpose) -> PendingLogin | None:
    """Return the valid pending login of ``purpose`` that ``token`` belongs to (API clients)."""
    pending = _valid(_row(token))
    return pending if pending is not None and pending.purpose == purpose else None


def take_try(pending: PendingLogin) -> bool:
    """Spend one try of ``pending`` before its factor is judged; False when none is left or it is gone.

    The conditional UPDATE also locks the row until the commit, so a concurrent request waits
    and then finds the try spent, or the pending login ended.
    """
    tries_left = db.session.scalar(_TAKE_TRY, {"pending_id": pending.id})
    if tries_left is None:
        return False
    set_committed_value(pending, "tries_left", tries_left)  # as stored: the next flush leaves it alone
    return True


def mark_verified(pending: PendingLogin) -> bool:
    """Note that the factor of a password reset was given; False if another request did first."""
    marked = db.session.execute(
        update(PendingLogin)
        .where(PendingLogin.id == pending.id, PendingLogin.verified_at.is_(None))
        .values(verified_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        return False
    db.session.refresh(pending, ["verified_at"])
    return True


def end(pending: PendingLogin) -> bool:
    """Delete ``pending`` and drop it from the session; True only for the request that deleted it.

    The caller commits. Of two requests that end the same pending login at once, one gets
    True: that is what makes a code, or a verified reset, work once.
    """
    ended = db.session.execute(_DELETE, {"pending_id": pending.id})
    if pending in db.session:
        db.session.expunge(pending)
    if g.get("pending_login_row") is pending:
        session.pop(SESSION_KEY, None)
        g.pending_login_row = None
    return ended.rowcount == 1


def _row(token: str) -> PendingLogin | None:
    return db.session.scalar(_BY_TOKEN, {"token_hash": _digest(token)})


def _valid(pending: PendingLogin | None) -> PendingLogin | None:
    """Return ``pending`` unless it expired, its user was deactivated, the factor it asks for
    is no longer enough for the user, or it waits for an emailed code and the user's email was
    removed (then it is deleted)."""
    if pending is None:
        return None
    user = pending.user
    if (
        pending.expires_at > clock.now()
        and user.active
        and satisfies(Factor(pending.method), second_factor_for(user))
        and (pending.method != Factor.EMAIL or user.email)
    ):
        return pending
    end(pending)
    db.session.commit()
    return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
