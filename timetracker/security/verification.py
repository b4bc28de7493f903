"""The second step: checking the factor a pending login owes, counting wrong tries, resending codes.

``verify`` is shared by every entry point (browser login, API login, password reset), so the
code rules cannot drift apart; ``complete_login_with`` is the browser's way to finish.
"""

from __future__ import annotations

from enum import Enum, auto

from sqlalchemy import or_, update

from timetracker import audit
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.models import Authenticator, PendingLogin
from timetracker.security import authenticator, emailed_code, encryption, recovery_codes, totp
from timetracker.security import pending as pending_logins
from timetracker.security.login import complete_login
from timetracker.security.passwords import matches_digest
from timetracker.security.request_marks import Mark, mark
from timetracker.security.second_factor import Factor


class Outcome(Enum):
    VERIFIED = auto()  # the factor was right; the pending login is still there for the caller
    LOGGED_IN = auto()
    INVALID_CODE = auto()
    WRONG_PASSWORD = auto()
    START_AGAIN = auto()  # too many wrong tries: the pending login is gone


def verify(
    pending: PendingLogin, code: str, *, password: str | None = None, recovery: bool = False
) -> Outcome:
    """Check the second factor of ``pending``; a wrong try is counted and may end it.

    An emailed code of a login comes with the password again (not for a password reset, whose
    user does not know it); ``recovery`` says ``code`` is a recovery code.
    """
    if recovery:
        return _verify_recovery_code(pending, code)
    if pending.method == Factor.AUTHENTICATOR:
        return _verify_app_code(pending, code)
    if not emailed_code.code_matches(pending, code):
        return _wrong_try(pending, Event.CODE_FAILED)
    if pending.purpose != pending_logins.RESET and not _same_password(pending, password or ""):
        return _wrong_try(pending, Event.LOGIN_FAILED)
    return Outcome.VERIFIED


def _same_password(pending: PendingLogin, password: str) -> bool:
    """Compare with the digest kept from the first step: no second slow hash for one login."""
    return matches_digest(pending.password_digest, pending.id, pending.user.password_hash, password)


def complete_login_with(
    pending: PendingLogin, code: str, *, password: str | None = None, recovery: bool = False
) -> Outcome:
    """Log the browser's pending user in if the second factor is right."""
    outcome = verify(pending, code, password=password, recovery=recovery)
    if outcome is not Outcome.VERIFIED:
        return outcome
    user, method = pending.user, pending.method
    pending_logins.end(pending)
    complete_login(user, second_factor=method)
    return Outcome.LOGGED_IN


def _verify_app_code(pending: PendingLogin, code: str) -> Outcome:
    authenticator = pending.user.authenticator
    if authenticator is None or not authenticator.confirmed:
        return _wrong_try(pending, Event.CODE_FAILED)
    secret = encryption.decrypt(authenticator.secret_encrypted)
    step = totp.matching_step(secret, code, after_step=authenticator.last_used_step)
    if step is None or not _claim_step(authenticator, step):
        return _wrong_try(pending, Event.CODE_FAILED)
    return Outcome.VERIFIED


def _verify_recovery_code(pending: PendingLogin, code: str) -> Outcome:
    user = pending.user
    if (
        pending.method != Factor.AUTHENTICATOR
        or not user.has_authenticator
        or not recovery_codes.use(user, code)
    ):
        return _wrong_try(pending, Event.CODE_FAILED, kind="recovery code")
    audit.record(
        Event.RECOVERY_CODE_USED, actor=user, purpose=pending.purpose, left=recovery_codes.remaining(user)
    )
    authenticator.notify_recovery_code_used(user)
    return Outcome.VERIFIED


def _claim_step(authenticator: Authenticator, step: int) -> bool:
    """Record ``step`` as used unless a concurrent login used it (or a later one) first."""
    claimed = db.session.execute(
        update(Authenticator)
        .where(Authenticator.id == authenticator.id)
        .where(or_(Authenticator.last_used_step.is_(None), Authenticator.last_used_step < step))
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _wrong_try(pending: PendingLogin, event: Event, kind: str | None = None) -> Outcome:
    """Count a wrong try; the last one voids the code and ends the pending login."""
    mark(Mark.WRONG_SECOND_FACTOR)
    pending.tries_left -= 1
    audit.record(
        event,
        user=pending.user,
        factor=kind or pending.method,
        purpose=pending.purpose,
        tries_left=pending.tries_left,
    )
    if pending.tries_left > 0:
        db.session.commit()
        return Outcome.INVALID_CODE if event is Event.CODE_FAILED else Outcome.WRONG_PASSWORD
    audit.record(Event.CODE_VOIDED, user=pending.user, purpose=pending.purpose)
    pending_logins.end(pending)
    db.session.commit()
    return Outcome.START_AGAIN


def resend_code(pending: PendingLogin) -> None:
    """Email a new code for ``pending``; the previous code stops working."""
    emailed_code.send_code(pending)
    audit.record(Event.CODE_SENT, user=pending.user, purpose=pending.purpose, resent=True)
    db.session.commit()
