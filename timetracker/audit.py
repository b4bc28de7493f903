"""Record security events: the one way rows get into the audit trail."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert
from sqlalchemy.orm.attributes import instance_state

from timetracker.extensions import db
from timetracker.models import AuditEvent, Group, User

_INSERT = insert(AuditEvent.__table__)  # built once


class Event(StrEnum):
    """The kinds of security events."""

    GROUP_CREATED = "group created"
    LOGIN = "login"
    LOGIN_FAILED = "login failed"
    LOGOUT = "logout"
    SESSION_ENDED = "session ended"  # "Log out" on one session of the Security tab
    SESSIONS_ENDED = "sessions ended"  # all of a user's sessions but the request's, and why
    USER_CREATED = "user created"
    USER_EDITED = "user edited"
    USER_DEACTIVATED = "user deactivated"
    USER_REACTIVATED = "user reactivated"
    ROLE_CHANGED = "role changed"
    ROLE_RIGHTS_CHANGED = "rights of a role changed"
    PASSWORD_CHANGED = "password changed"
    PASSWORD_CONFIRMATION_FAILED = "password confirmation failed"
    PROFILE_CHANGED = "profile changed"
    OVERRIDE_USED = "2FA override used"
    CODE_SENT = "2FA code sent"
    CODE_FAILED = "2FA code failed"
    CODE_VOIDED = "2FA code voided"
    NO_EMAIL_FOR_CODE = "login refused: no email for the 2FA code"
    GROUP_SETTINGS_CHANGED = "group settings changed"
    GROUP_2FA_ON = "group 2FA switched on"
    GROUP_2FA_OFF = "group 2FA switched off"
    OWN_FACTOR_REQUIRED = "group requires the user's own factor"
    OWN_FACTOR_NOT_REQUIRED = "group accepts the emailed code again"
    OWN_FACTOR_DEADLINE_MOVED = "own factor deadline moved"
    OWN_FACTOR_SETUP_FORCED = "own factor set-up forced"
    OWN_FACTOR_SET_UP = "own factor set up after being forced"
    TEST_MAIL = "test email sent"
    AUTHENTICATOR_ENABLED = "2FA authenticator enabled"
    AUTHENTICATOR_DISABLED = "2FA authenticator disabled"
    AUTHENTICATOR_RESET = "2FA reset"
    RECOVERY_CODES_REGENERATED = "recovery codes regenerated"
    RECOVERY_CODE_USED = "recovery code used"
    SECURITY_KEY_ADDED = "security key added"
    SECURITY_KEY_REMOVED = "security key removed"
    SECURITY_KEY_USED = "security key used"
    SECURITY_KEY_REFUSED = "security key refused"
    SECURITY_KEY_CLONED = "security key refused: counter went back (cloned?)"
    PASSWORD_RESET_REQUESTED = "password reset requested"
    PASSWORD_RESET = "password reset completed"
    API_TOKEN_REVOKED = "API token revoked"


def record(
    event: Event,
    *,
    group: Group | None = None,
    actor: User | None = None,
    user: User | None = None,
    **details: Any,
) -> None:
    """Add an audit row in the session's transaction: the caller's commit stores it with the change.

    :param group: the group the event belongs to; defaults to the group of ``user`` or ``actor``.
    :param actor: who did it; None for a command-line operator or an anonymous visitor.
    :param user: whom it concerns, when that is someone else than the actor or the actor is unknown.
    :param details: JSON-serialisable facts; never a password, code or token.
    """
    if group is None:
        subject = user or actor
        group = subject.group if subject is not None else None
    links = {"group": group, "actor": actor, "user": user}
    ids = {f"{link}_id": _stored_id(target) for link, target in links.items()}
    remote_addr = request.remote_addr if has_request_context() else None
    new_subject = any(target is not None and ids[f"{link}_id"] is None for link, target in links.items())
    if new_subject or any(isinstance(row, AuditEvent) for row in db.session.new):
        # The flush inserts a new group or user before the row, and rows in the order recorded.
        db.session.add(AuditEvent(event=event.value, remote_addr=remote_addr, details=details, **links))
        return
    # Every subject is stored: an INSERT now, in the same transaction, costs far less than a flush,
    # and needs none first (the caller's changes are flushed with its commit, as before).
    with db.session.no_autoflush:
        db.session.execute(
            _INSERT, {"event": event.value, "remote_addr": remote_addr, "details": details, **ids}
        )


def _stored_id(target: Group | User | None) -> int | None:
    """Return the id of a stored row without a query (even when its columns expired); None for a new one."""
    identity = instance_state(target).identity if target is not None else None
    return identity[0] if identity else None
