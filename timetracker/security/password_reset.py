"""Password reset by email: the request, and setting the new password once any second factor is given."""

from __future__ import annotations

from flask import current_app, request, url_for
from sqlalchemy import func, or_, select

from timetracker import audit, clock, messages, validation
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import PendingLogin, User
from timetracker.security import pending as pending_logins
from timetracker.security import reset_tokens
from timetracker.security.login import NoEmailForCode, prepare_second_factor
from timetracker.security.request_marks import Mark, mark
from timetracker.security.second_factor import Factor, second_factor_for
from timetracker.services import membership

MAX_USERS_PER_REQUEST = 5


def request_reset(identity: str) -> None:
    """Email a reset link to the active users whose login or email ``identity`` is.

    Whether anyone matched is never told to the caller; the request is audited either way.
    """
    users = _matching_users(identity)
    for user in users:
        token = reset_tokens.make(user)
        outbox.queue(
            "password reset",
            user.email,  # type: ignore[arg-type]
            messages.SUBJECT_PASSWORD_RESET,
            "password_reset",
            user_id=user.id,
            name=user.name,
            login=user.login,
            link=_external_url("auth.reset_password", token=token),
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


def _external_url(endpoint: str, **values: object) -> str:
    base = current_app.config["BASE_URL"]
    path = url_for(endpoint, **values)
    return f"{base.rstrip('/')}{path}" if base else f"{request.url_root.rstrip('/')}{path}"


def second_factor_step(user: User, token: str) -> PendingLogin | None:
    """Return the pending second factor this reset link needs, starting it (and any code) if new.

    :return: None when the user has no second factor.
    :raise NoEmailForCode: the group's emailed code applies but the user has no email any more.
    """
    factor = second_factor_for(user)
    if factor is Factor.NONE:
        return None
    if factor is Factor.EMAIL and not user.email:
        raise NoEmailForCode()
    pending = started_step(user, token)
    if pending is not None:
        return pending
    subject = reset_tokens.fingerprint(token)
    pending = pending_logins.start(user, factor.value, purpose=pending_logins.RESET, subject=subject)
    mark(Mark.RESET_CODE_STARTED)
    prepare_second_factor(pending, None)
    db.session.commit()
    return pending


def started_step(user: User, token: str) -> PendingLogin | None:
    """Return the second factor this browser started for this reset link, if it did."""
    pending = pending_logins.current(pending_logins.RESET)
    if (
        pending is not None
        and pending.subject == reset_tokens.fingerprint(token)
        and pending.user_id == user.id
    ):
        return pending
    return None


def mark_verified(pending: PendingLogin) -> None:
    """Note that the second factor of this reset was given."""
    pending.verified_at = clock.now()
    db.session.commit()


def may_set_password(user: User, token: str) -> bool:
    """Tell whether the new password may be set: no second factor, or it was given for this link."""
    if second_factor_for(user) is Factor.NONE:
        return True
    pending = started_step(user, token)
    return pending is not None and pending.verified_at is not None


def complete(user: User, password: str) -> None:
    """Set the new password (ending every session and API token) and tell the user by email."""
    pending = pending_logins.current(pending_logins.RESET)
    if pending is not None:
        pending_logins.end(pending)
    if user.email:
        outbox.queue(
            "password changed",
            user.email,
            messages.SUBJECT_PASSWORD_CHANGED,
            "password_changed",
            user_id=user.id,
            name=user.name,
        )
    membership.set_password(user, password, via="reset link", event=Event.PASSWORD_RESET)
