"""Password reset by email: the request, the second factor the link asks for, and the new password.

A link is a signed token (``reset_tokens``). Opening it starts, through ``sign_in.start``, the
second factor the user owes, bound to that link and that browser; only once it is given may
the new password be set.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import func, or_, select

from timetracker import audit, database, messages, validation
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import MailPriority, PendingLogin, User
from timetracker.security import pending as pending_logins
from timetracker.security import reset_tokens, sign_in
from timetracker.security.pending import Purpose
from timetracker.security.request_marks import Mark, mark
from timetracker.security.second_factor import Factor, second_factor_for
from timetracker.services import membership

MAX_USERS_PER_REQUEST = 5


def request_reset(identity: str, link_for: Callable[[str], str]) -> None:
    """Email a reset link to the active users whose login or email ``identity`` is.

    Whether anyone matched is never told to the caller; the request is audited either way.

    :param link_for: turns a reset token into the absolute link the email holds.
    """
    users = _matching_users(identity)
    for user in users:
        outbox.queue(
            "password reset",
            user.email,  # type: ignore[arg-type]
            messages.SUBJECT_PASSWORD_RESET,
            "password_reset",
            user_id=user.id,
            priority=MailPriority.WAITED_FOR,
            name=user.name,
            login=user.login,
            link=link_for(reset_tokens.make(user)),
            minutes=round(current_app.config["PASSWORD_RESET_TTL"] / 60),
        )
        audit.record(Event.PASSWORD_RESET_REQUESTED, user=user)
    if not users:
        audit.record(Event.PASSWORD_RESET_REQUESTED, matched=False)
    db.session.commit()


def _matching_users(identity: str) -> list[User]:
    identity = identity.strip()
    if validation.has_control_characters(identity):
        return []  # no login or email holds one, and PostgreSQL refuses a NUL byte in a query
    conditions = [func.lower(User.email) == identity.lower()]
    try:
        conditions.append(User.login == validation.login(identity))
    except validation.Invalid:
        pass
    query = select(User).where(or_(*conditions), User.active.is_(True), User.email.is_not(None))
    return list(db.session.scalars(query.order_by(User.id).limit(MAX_USERS_PER_REQUEST)))


def second_factor_step(user: User, token: str) -> PendingLogin | None:
    """Return the pending second factor this reset link needs, starting it (and any code) if new.

    :return: None when the user owes no second factor.
    :raise sign_in.NoEmailForCode: the group's emailed code applies but the user has no email.
    """
    pending = started_step(user, token)
    if pending is not None:
        return pending
    started = sign_in.start(user, Purpose.RESET, subject=reset_tokens.fingerprint(token))
    if started.pending is not None:
        mark(Mark.RESET_CODE_STARTED)
    return started.pending


def started_step(user: User, token: str) -> PendingLogin | None:
    """Return the second factor this browser started for this reset link, if it did."""
    pending = pending_logins.current(Purpose.RESET)
    if (
        pending is not None
        and pending.subject == reset_tokens.fingerprint(token)
        and pending.user_id == user.id
    ):
        return pending
    return None


def may_set_password(user: User, token: str) -> bool:
    """Tell whether the new password may be set: no second factor, or it was given for this link."""
    if second_factor_for(user) is Factor.NONE:
        return True
    pending = started_step(user, token)
    return pending is not None and pending.verified_at is not None


def complete(user: User, token: str, password: str) -> bool:
    """Set the new password (ending every session and API token) and tell the user by email.

    The user's row is locked first and the link checked again, so of two requests with the same
    link one sets the password; the other finds the link used (the password it was bound to is gone).

    :return: False when the link was used meanwhile; nothing is changed then.
    """
    database.lock(user)
    pending = started_step(user, token)
    if reset_tokens.load(token) is not user or (pending is not None and not pending_logins.end(pending)):
        db.session.rollback()
        return False
    membership.set_password(user, password, via="reset link", event=Event.PASSWORD_RESET)
    return True
