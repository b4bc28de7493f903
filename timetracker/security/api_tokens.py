"""Bearer tokens of the JSON API: random, stored as hashes, each the handle of a server-side session.

An API login makes a session (kind "api", see ``security.sessions``) and a token bound to
it. The session keeps the second factor the login gave, so the token stops working when the
rule asks for more (the group switched two-factor on, the user added their own app), like a
browser session; it ends after API_TOKEN_TTL, at the client's sign-out, with "Log out" on the
user's Security tab, and with everything that ends all of a user's sessions (a password
change, a deactivation, a 2FA reset). The idle timeout of browsers does not apply: an app
used once a week keeps its login.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import joinedload

from timetracker import audit
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.models import ApiToken, User, UserSession
from timetracker.models.user_session import SessionKind
from timetracker.security import devices, sessions
from timetracker.security.login import note_login
from timetracker.security.second_factor import WITH_RULE_FACTS, Factor

PREFIX = "tt_"

_INSERT = insert(ApiToken.__table__)
# The token, its session and its user with what the rule asks of them: one indexed read per request.
_BY_TOKEN = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("token_hash"))
    .options(joinedload(ApiToken.session).joinedload(UserSession.user).options(*WITH_RULE_FACTS))
)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue(user: User, factor: Factor) -> IssuedToken:
    """Log ``user`` in for an API client whose login gave ``factor``: note it, audit it, return a new token.

    Only ``sign_in`` calls it.
    """
    new = sessions.create(user, SessionKind.API, factor, lifetime=current_app.config["API_TOKEN_TTL"])
    token = PREFIX + secrets.token_urlsafe(32)
    db.session.execute(_INSERT, {"token_hash": _digest(token), "user_id": user.id, "session_id": new.id})
    note_login(user)
    details = {} if factor is Factor.NONE else {"second_factor": factor.value}
    audit.record(Event.LOGIN, actor=user, via="api", device=devices.this_device(), **details)
    db.session.commit()
    return IssuedToken(token, new.expires_at)


def find(token: str) -> ApiToken | None:
    """Return the token's row if its session counts now (``sessions.admit``), in one statement."""
    row = db.session.scalar(_BY_TOKEN, {"token_hash": _digest(token)})
    return row if row is not None and sessions.admit(row.session, SessionKind.API) is not None else None


def revoke(row: ApiToken) -> None:
    """End a token, and its session, at its client's request."""
    sessions.end(row.user, row.session_id, Event.API_TOKEN_REVOKED)
    db.session.commit()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
