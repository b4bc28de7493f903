"""Record security events: the one way rows get into the audit trail."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import has_request_context, request

from timetracker.extensions import db
from timetracker.models import AuditEvent, Group, User


class Event(StrEnum):
    """The kinds of security events."""

    GROUP_CREATED = "group created"
    LOGIN = "login"
    LOGIN_FAILED = "login failed"
    LOGOUT = "logout"
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
    TEST_MAIL = "test email sent"
    AUTHENTICATOR_ENABLED = "2FA authenticator enabled"
    AUTHENTICATOR_DISABLED = "2FA authenticator disabled"
    AUTHENTICATOR_RESET = "2FA reset"
    RECOVERY_CODES_REGENERATED = "recovery codes regenerated"
    RECOVERY_CODE_USED = "recovery code used"
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
) -> AuditEvent:
    """Add an audit row to the session; the caller's commit stores it with the change it records.

    :param group: the group the event belongs to; defaults to the group of ``user`` or ``actor``.
    :param actor: who did it; None for a command-line operator or an anonymous visitor.
    :param user: whom it concerns, when that is someone else than the actor or the actor is unknown.
    :param details: JSON-serialisable facts; never a password, code or token.
    """
    if group is None:
        subject = user or actor
        group = subject.group if subject is not None else None
    row = AuditEvent(
        event=event.value,
        group=group,
        actor=actor,
        user=user,
        remote_addr=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(row)
    return row
