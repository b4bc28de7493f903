"""Checking the factor a pending login owes: the emailed code, the app's code, a recovery code, or
a security key's answer (``security_keys.use``).

Every check first spends one of the pending login's tries (``pending.take_try``), so however
many requests arrive at once, no more than the allowed number of codes is ever judged. The
last wrong try voids the code and ends the pending login.
"""

from __future__ import annotations

from enum import Enum, auto
from typing import Any

from sqlalchemy import or_, update

from timetracker import audit
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.models import Authenticator, PendingLogin
from timetracker.security import authenticator, emailed_code, encryption, recovery_codes, security_keys, totp
from timetracker.security import pending as pending_logins
from timetracker.security.passwords import matches_digest
from timetracker.security.pending import Purpose
from timetracker.security.request_marks import Mark, mark
from timetracker.security.second_factor import Factor


class Outcome(Enum):
    VERIFIED = auto()  # the factor was right
    INVALID_CODE = auto()
    KEY_REFUSED = auto()  # the security key's answer was not accepted
    WRONG_PASSWORD = auto()
    START_AGAIN = auto()  # too many wrong tries: the pending login is gone
    GONE = auto()  # a concurrent request used or ended the pending login first


def verify(
    pending: PendingLogin,
    code: str,
    *,
    password: str | None = None,
    recovery: bool = False,
    assertion: str | dict[str, Any] | None = None,
) -> Outcome:
    """Check the second factor of ``pending``; a wrong try is audited and committed.

    An emailed code of a login comes with the password again (not for a password reset, whose
    user does not know it); ``recovery`` says ``code`` is a recovery code; ``assertion`` is a
    security key's answer instead of a code (the app's code stays good when the user has the
    app). On VERIFIED the caller ends the pending login and commits.
    """
    if not pending_logins.take_try(pending):
        return Outcome.GONE
    if assertion is not None:
        return _check_security_key(pending, assertion)
    if recovery:
        return _check_recovery_code(pending, code)
    if Factor(pending.method).is_own:
        return _check_app_code(pending, code)
    if not emailed_code.code_matches(pending, code):
        return _wrong_try(pending, Event.CODE_FAILED)
    if pending.purpose != Purpose.RESET and not _same_password(pending, password or ""):
        return _wrong_try(pending, Event.LOGIN_FAILED)
    return Outcome.VERIFIED


def _same_password(pending: PendingLogin, password: str) -> bool:
    """Compare with the digest kept from the first step: no second slow hash for one login."""
    return matches_digest(pending.password_digest, pending.id, pending.user.password_hash, password)


def _check_app_code(pending: PendingLogin, code: str) -> Outcome:
    app = pending.user.authenticator
    if app is None or not app.confirmed:
        return _wrong_try(pending, Event.CODE_FAILED)
    secret = encryption.decrypt(app.secret_encrypted)
    step = totp.matching_step(secret, code, after_step=app.last_used_step)
    if step is None or not _claim_step(app, step):
        return _wrong_try(pending, Event.CODE_FAILED)
    return Outcome.VERIFIED


def _check_recovery_code(pending: PendingLogin, code: str) -> Outcome:
    user = pending.user
    if not Factor(pending.method).is_own or not user.has_own_factor or not recovery_codes.use(user, code):
        return _wrong_try(pending, Event.CODE_FAILED, kind="recovery code")
    audit.record(
        Event.RECOVERY_CODE_USED, actor=user, purpose=pending.purpose, left=recovery_codes.remaining(user)
    )
    authenticator.notify_recovery_code_used(user)
    return Outcome.VERIFIED


def _check_security_key(pending: PendingLogin, assertion: str | dict[str, Any]) -> Outcome:
    if pending.method != Factor.SECURITY_KEY:
        return _wrong_try(pending, Event.SECURITY_KEY_REFUSED, reason=security_keys.Refusal.UNKNOWN_KEY.value)
    try:
        key = security_keys.use(pending, assertion)
    except security_keys.KeyRefused as refused:
        cloned = refused.reason is security_keys.Refusal.CLONED
        event = Event.SECURITY_KEY_CLONED if cloned else Event.SECURITY_KEY_REFUSED
        return _wrong_try(pending, event, reason=refused.reason.value)
    audit.record(Event.SECURITY_KEY_USED, actor=pending.user, purpose=pending.purpose, key=key.name)
    return Outcome.VERIFIED


def _claim_step(app: Authenticator, step: int) -> bool:
    """Record ``step`` as used unless a concurrent login used it (or a later one) first."""
    claimed = db.session.execute(
        update(Authenticator)
        .where(Authenticator.id == app.id)
        .where(or_(Authenticator.last_used_step.is_(None), Authenticator.last_used_step < step))
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _wrong_try(pending: PendingLogin, event: Event, kind: str | None = None, **details: str) -> Outcome:
    """Audit a wrong try (already spent); the last one voids the code and ends the pending login."""
    mark(Mark.WRONG_SECOND_FACTOR)
    audit.record(
        event,
        user=pending.user,
        factor=kind or pending.method,
        purpose=pending.purpose,
        tries_left=pending.tries_left,
        **details,
    )
    if pending.tries_left > 0:
        db.session.commit()
        return _WRONG.get(event, Outcome.KEY_REFUSED)
    audit.record(Event.CODE_VOIDED, user=pending.user, purpose=pending.purpose)
    pending_logins.end(pending)
    db.session.commit()
    return Outcome.START_AGAIN


_WRONG = {Event.CODE_FAILED: Outcome.INVALID_CODE, Event.LOGIN_FAILED: Outcome.WRONG_PASSWORD}
