"""Server-side sessions: one row per login (browser or API), checked on every request, ended for good.

The client holds a random token; the row's id is its SHA-256. A request reads the row by
that primary key, with its user and what the rule (``second_factor``) asks of them, in one
statement. A session counts while it is not over (``UserSession.ended``: past its absolute
end, or a browser's unseen for SESSION_IDLE_TIMEOUT), its user is active, and the second
factor its login gave still meets the rule. Deleting the row ends it for every copy of the
token at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from timetracker import audit, clock
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.models import AuditEvent, User, UserSession
from timetracker.models.user_session import SessionKind
from timetracker.security.devices import client_address, this_device
from timetracker.security.second_factor import WITH_RULE_FACTS, Factor, satisfies, second_factor_for

LAST_SEEN_PRECISION = timedelta(minutes=1)  # last_seen_at is written at most this often
CURRENT_KEY = "user_session"  # in ``g``: the session the request came with

_ROWS = UserSession.__table__
# Built once: building a statement costs more than running it.
_BY_ID = (
    select(UserSession)
    .where(UserSession.id == bindparam("session_id"))
    .options(joinedload(UserSession.user).options(*WITH_RULE_FACTS))
)
_INSERT = insert(_ROWS)
_SEEN = (
    update(_ROWS)
    .where(_ROWS.c.id == bindparam("session_id"), _ROWS.c.last_seen_at <= bindparam("seen_before"))
    .values(last_seen_at=bindparam("now"))
)
_END_ONE = (
    delete(_ROWS)
    .where(_ROWS.c.id == bindparam("session_id"), _ROWS.c.user_id == bindparam("user_id"))
    .returning(_ROWS.c.kind, _ROWS.c.device)
)
_END_OTHERS = delete(_ROWS).where(_ROWS.c.user_id == bindparam("user_id"), _ROWS.c.id != bindparam("keep"))
_SIGN_INS = (
    select(AuditEvent)
    .where(AuditEvent.actor_id == bindparam("user_id"), AuditEvent.event == Event.LOGIN.value)
    .order_by(AuditEvent.id.desc())
    .limit(bindparam("limit"))
)
_RAISE_FACTOR = (
    update(_ROWS).where(_ROWS.c.id == bindparam("session_id")).values(second_factor=bindparam("factor"))
)


def digest(token: str) -> str:
    """Return the session id of a client's token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    id: str
    token: str  # for the client; the server keeps only ``id``, its digest
    expires_at: datetime


def create(user: User, kind: SessionKind, factor: Factor, *, lifetime: float) -> NewSession:
    """Add a session of ``user`` whose login gave ``factor``, ending ``lifetime`` seconds from now.

    The client's address and User-Agent are noted when there is a request. The caller commits.
    """
    token = secrets.token_urlsafe(32)
    now = clock.now()
    new = NewSession(digest(token), token, now + timedelta(seconds=lifetime))
    db.session.execute(
        _INSERT,
        {
            "id": new.id,
            "user_id": user.id,
            "kind": kind.value,
            "second_factor": factor.value,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": new.expires_at,
            "client_address": client_address(),
            "device": this_device(),
        },
    )
    return new


def find(token: str) -> UserSession | None:
    """Return the browser's session of ``token`` if it counts now (``admit``)."""
    return admit(db.session.scalar(_BY_ID, {"session_id": digest(token)}), SessionKind.BROWSER)


def admit(row: UserSession | None, kind: SessionKind) -> UserSession | None:
    """Return ``row``, loaded with its user's rule facts, if it is of ``kind`` and counts now.

    It becomes the request's current session, and its last_seen_at is written when it is a
    minute old or more: by a conditional UPDATE (of concurrent requests, one writes), on a
    connection of its own, so that the request's loaded rows are not expired by a commit.
    """
    now = clock.now()
    if row is None or row.kind != kind.value or not counts(row, now):
        return None
    if row.last_seen_at <= now - LAST_SEEN_PRECISION:
        with db.engine.begin() as connection:
            connection.execute(
                _SEEN, {"session_id": row.id, "seen_before": now - LAST_SEEN_PRECISION, "now": now}
            )
        set_committed_value(row, "last_seen_at", now)
    g.setdefault(CURRENT_KEY, row)
    return row


def counts(row: UserSession, now: datetime) -> bool:
    """Tell whether a session lets its client in at ``now``."""
    user = row.user
    return (
        not row.ended(now, idle_timeout())
        and user.active
        and satisfies(Factor(row.second_factor), second_factor_for(user))
    )


def idle_timeout() -> timedelta:
    """Return how long a browser's session may go unseen (SESSION_IDLE_TIMEOUT)."""
    return timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])


def current() -> UserSession | None:
    """Return the session this request came with, if it counts."""
    return g.get(CURRENT_KEY) if has_request_context() else None


def of_user(user: User) -> list[UserSession]:
    """Return the sessions of ``user`` that count now, the most recently seen first."""
    now = clock.now()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
    )
    return [row for row in rows if counts(row, now)]


def recent_sign_ins(user: User, limit: int = 20) -> list[AuditEvent]:
    """Return the last ``limit`` logins of ``user`` (browser and API), newest first, from the audit trail."""
    return list(db.session.scalars(_SIGN_INS, {"user_id": user.id, "limit": limit}))


def raise_factor(row: UserSession, factor: Factor) -> None:
    """Note that the session now meets ``factor`` (its user just set up or changed it here); commit."""
    db.session.execute(_RAISE_FACTOR, {"session_id": row.id, "factor": factor.value})
    db.session.commit()


def end(user: User, session_id: str, event: Event = Event.SESSION_ENDED) -> bool:
    """End one session of ``user`` (with its API token), audited as ``event``; commit.

    :return: False when ``user`` has no session with this id (another user's): nothing changed.
    """
    ended = db.session.execute(_END_ONE, {"session_id": session_id, "user_id": user.id}).first()
    if ended is None:
        db.session.rollback()
        return False
    audit.record(event, actor=user, kind=ended.kind, device=ended.device)
    db.session.commit()
    return True


def end_others(user: User, reason: str) -> int:
    """End every session and API token of ``user`` but the session this request came with.

    Audited with how many ended, under whoever made the request (none: the operator, a reset
    link). The caller commits.

    :param reason: why, for the audit trail ("password changed", "deactivated", ...).
    """
    mine = current()
    keep = mine.id if mine is not None and mine.user_id == user.id else ""
    ended = db.session.execute(_END_OTHERS, {"user_id": user.id, "keep": keep}).rowcount
    if ended:
        actor = mine.user if mine is not None else None
        audit.record(Event.SESSIONS_ENDED, actor=actor, user=user, count=ended, reason=reason)
    return ended
