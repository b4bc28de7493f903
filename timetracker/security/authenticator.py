"""A user's own authenticator 2FA: enrolling, disabling, new recovery codes, and resets.

Nothing counts until the first code from the app is confirmed: before that the secret and
the recovery codes only exist, encrypted, for the enrollment page to show.
"""

from __future__ import annotations

import json
from datetime import timedelta

from timetracker import audit, clock, database, messages
from timetracker.audit import Event
from timetracker.errors import PermissionDenied
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import Authenticator, SecurityKey, User
from timetracker.rights import may_manage
from timetracker.security import encryption, recovery_codes, sessions, totp
from timetracker.security.reauth import require_password

ENROLLMENT_LIFETIME = timedelta(hours=1)
NEW_CODES_SHOWN_FOR = timedelta(minutes=15)


def enrollment(user: User) -> Authenticator:
    """Return the user's enrollment in progress, starting one (new secret and codes) if needed.

    The user's row is locked first, so two pages opened at once show the same enrollment.

    :raise PermissionDenied: the user already has a confirmed authenticator.
    """
    current = user.authenticator
    if current is None or not _still_shown(current):
        database.lock(user)  # then look again: another request may have started one meanwhile
        db.session.refresh(user, ["authenticator"])
        current = user.authenticator
    if current is not None and current.confirmed:
        raise PermissionDenied()
    if current is not None and _still_shown(current):
        return current
    if current is not None:
        db.session.delete(current)
        db.session.flush()
    enrollment = Authenticator(user=user, secret_encrypted=encryption.encrypt(totp.new_secret()))
    show_codes(enrollment, recovery_codes.generate(), ENROLLMENT_LIFETIME)
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def secret(authenticator: Authenticator) -> str:
    """Return the TOTP secret in clear."""
    return encryption.decrypt(authenticator.secret_encrypted)


def shown_codes(authenticator: Authenticator | SecurityKey | None) -> list[str] | None:
    """Return the recovery codes the user may still see, download or print, else None."""
    if authenticator is None or not _still_shown(authenticator):
        return None
    return json.loads(encryption.decrypt(authenticator.shown_codes_encrypted or ""))


def confirm(user: User, code: str) -> bool:
    """Enable the enrollment if ``code`` is the app's current code; tell whether it was.

    Every session and API token of the user ends (the caller keeps its own browser's session).
    """
    enrollment = user.authenticator
    if enrollment is None or enrollment.confirmed:
        return False
    step = totp.matching_step(secret(enrollment), code, after_step=None)
    if step is None:
        return False
    codes = shown_codes(enrollment) or []
    sessions.end_others(user, "authenticator enabled")  # the others gave no code of this app
    enrollment.confirmed_at = clock.now()
    enrollment.last_used_step = step
    enrollment.shown_codes_encrypted = enrollment.shown_codes_until = None
    recovery_codes.replace(user, codes)
    audit.record(Event.AUTHENTICATOR_ENABLED, actor=user)
    notify(user, messages.SUBJECT_2FA_ENABLED, "two_factor_enabled")
    db.session.commit()
    return True


def disable(user: User, password: str) -> None:
    """Remove the user's authenticator and recovery codes after checking their password.

    Every session and API token of the user ends (the caller keeps its own browser's session).
    """
    require_password(user, password, field="password")
    _remove(user)
    sessions.end_others(user, "authenticator disabled")  # the sessions that gave its codes end with it
    audit.record(Event.AUTHENTICATOR_DISABLED, actor=user)
    notify(user, messages.SUBJECT_2FA_DISABLED, "two_factor_disabled")
    db.session.commit()


def regenerate_codes(user: User, password: str) -> None:
    """Replace the user's recovery codes with new ones, shown for a while; the old ones die."""
    require_password(user, password, field="password")
    if not user.has_authenticator:
        raise PermissionDenied()
    codes = recovery_codes.generate()
    recovery_codes.replace(user, codes)
    show_codes(user.authenticator, codes, NEW_CODES_SHOWN_FOR)  # type: ignore[arg-type]
    audit.record(Event.RECOVERY_CODES_REGENERATED, actor=user)
    db.session.commit()


def reset(actor: User | None, user: User, actor_password: str | None = None) -> bool:
    """Remove ``user``'s authenticator, keys and recovery codes on a manager's (or the operator's) word.

    The user's sessions and API tokens end too.

    :param actor: a manager who outranks ``user``, or None for the command-line operator.
    :return: False when the user had neither an authenticator nor a key, so nothing was done.
    :raise PermissionDenied: the actor may not manage ``user``.
    :raise FieldError: the actor's password is wrong.
    """
    if actor is not None:
        if not may_manage(actor, user):
            raise PermissionDenied()
        require_password(actor, actor_password or "", field="password")
    keys = len(user.security_keys)
    if user.authenticator is None and not keys:
        return False
    _remove(user)
    user.security_keys.clear()
    sessions.end_others(user, "2FA reset")  # whoever holds the lost phone loses the sessions too
    audit.record(Event.AUTHENTICATOR_RESET, actor=actor, user=user, security_keys=keys)
    notify(user, messages.SUBJECT_2FA_RESET, "two_factor_reset", security_keys=keys)
    db.session.commit()
    return True


def _remove(user: User) -> None:
    user.authenticator = None
    user.recovery_codes.clear()


def show_codes(authenticator: Authenticator | SecurityKey, codes: list[str], lifetime: timedelta) -> None:
    """Keep ``codes``, encrypted, for the pages that show them until ``lifetime`` has passed."""
    authenticator.shown_codes_encrypted = encryption.encrypt(json.dumps(codes))
    authenticator.shown_codes_until = clock.now() + lifetime


def _still_shown(authenticator: Authenticator | SecurityKey) -> bool:
    until = authenticator.shown_codes_until
    return authenticator.shown_codes_encrypted is not None and until is not None and until > clock.now()


def notify(user: User, subject: str, template: str, **context: object) -> None:
    """Email ``user`` about a change to their login (their app, codes or keys), if they have an address."""
    if user.email:
        outbox.queue(template, user.email, subject, template, user_id=user.id, name=user.name, **context)


def notify_recovery_code_used(user: User) -> None:
    """Tell ``user`` that a recovery code was used, and how many are left (the caller commits)."""
    notify(
        user, messages.SUBJECT_RECOVERY_CODE_USED, "recovery_code_used", left=recovery_codes.remaining(user)
    )
