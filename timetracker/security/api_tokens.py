"""Bearer tokens of the JSON API: random, stored as hashes, expiring, revocable.

A token is bound to the user's session token when it is issued, so whatever rotates that
(a password change, a deactivation, a 2FA reset) ends every token of the user. It also keeps
the second factor its login gave, and stops working when the rule asks for more (the group
switched two-factor on, the user added their own app), like a browser session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from timetracker import audit, clock
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.models import ApiToken, User
from timetracker.security.second_factor import Factor, satisfies, second_factor_for

PREFIX = "tt_"
LAST_USE_PRECISION = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue(user: User, factor: Factor) -> IssuedToken:
    """Log ``user`` in for an API client whose login gave ``factor``: note it, audit it, return a new token.

    Only ``sign_in`` calls it.
    """
    token = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(
        token_hash=_digest(token),
        user=user,
        user_session_token=user.session_token,
        second_factor=factor.value,
        expires_at=now + timedelta(seconds=current_app.config["API_TOKEN_TTL"]),
    )
    db.session.add(row)
    user.last_login_at = now
    details = {} if factor is Factor.NONE else {"second_factor": factor.value}
    audit.record(Event.LOGIN, actor=user, via="api", **details)
    db.session.commit()
    return IssuedToken(token, row.expires_at)


def find(token: str) -> ApiToken | None:
    """Return the token's row if it is valid now: not expired, not revoked, user active and unchanged,
    and its login's second factor still enough."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = row.user
    if not user.active or user.session_token != row.user_session_token:
        return None
    if not satisfies(Factor(row.second_factor), second_factor_for(user)):
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USE_PRECISION:
        row.last_used_at = now  # written at most every few minutes, not on every request
        db.session.commit()
    return row


def revoke(row: ApiToken) -> None:
    """End a token at its client's request."""
    row.revoked_at = clock.now()
    audit.record(Event.API_TOKEN_REVOKED, actor=row.user)
    db.session.commit()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
