"""The one way into the second factor, and the one way out per client.

Every path that has just checked a password, or a reset link, calls ``start``: the browser's
login (``auth/views.py``), the JSON API's (``api/auth.py``) and a password reset link
(``security/password_reset.py``). It asks the rule (``second_factor.second_factor_for``)
which factor is owed. None: the client is let in at once. Otherwise a pending login is left,
and an emailed code is queued when that is the factor.

The client comes back with the factor; ``finish`` checks it (``verification``), ends the
pending login so that it works once, and lets the client in through the exit of its purpose.
The exits stand side by side below: the only places where a half-authenticated user gets in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from timetracker import audit
from timetracker.audit import Event
from timetracker.errors import TimeTrackerError
from timetracker.extensions import db
from timetracker.models import PendingLogin, User
from timetracker.security import api_tokens, emailed_code
from timetracker.security import pending as pending_logins
from timetracker.security.api_tokens import IssuedToken
from timetracker.security.login import complete_login
from timetracker.security.passwords import password_digest
from timetracker.security.pending import Purpose
from timetracker.security.second_factor import Factor, overrides_group_2fa, second_factor_for
from timetracker.security.verification import Outcome, verify


class NoEmailForCode(TimeTrackerError):
    """The login needs an emailed code but the user has no email address."""


@dataclass(frozen=True)
class Started:
    """What ``start`` did: a pending login awaits the factor, or (``pending`` None) the client is in."""

    pending: PendingLogin | None = None
    pending_token: str | None = None  # the API client's handle on ``pending``
    api_token: IssuedToken | None = None  # for an API client let in at once


@dataclass(frozen=True)
class Finished:
    """What ``finish`` did: VERIFIED means the client is in (an API client with its token)."""

    outcome: Outcome
    api_token: IssuedToken | None = None


def start(
    user: User,
    purpose: Purpose,
    *,
    password: str | None = None,
    next_url: str | None = None,
    subject: str | None = None,
) -> Started:
    """Begin the second factor ``user`` owes, or let them in when they owe none; commit.

    An override of the group's two-factor rule, and a missing email, are audited.

    :param password: the password just checked, kept as a digest for the emailed code's page.
    :param subject: what the pending login is bound to besides its client (a reset link).
    :raise NoEmailForCode: an emailed code is owed and the user has no email; nothing is sent.
    """
    factor = second_factor_for(user)
    if factor is Factor.NONE:
        if overrides_group_2fa(user):
            audit.record(Event.OVERRIDE_USED, actor=user, purpose=purpose.value)
        return Started(api_token=_EXITS[purpose](user, factor))
    if factor is Factor.EMAIL and not user.email:
        audit.record(Event.NO_EMAIL_FOR_CODE, user=user, purpose=purpose.value)
        db.session.commit()
        raise NoEmailForCode()
    pending, token = pending_logins.create(user, factor.value, purpose, next_url=next_url, subject=subject)
    if factor is Factor.EMAIL:
        _send_code(pending)
        if password is not None:  # after the code: stored by the same UPDATE as the code's message
            pending.password_digest = password_digest(pending.id, user.password_hash, password)
    db.session.commit()
    return Started(pending, token)


def resend_code(pending: PendingLogin) -> bool:
    """Email a new code for ``pending`` (the previous one stops working); False if it is gone."""
    sent = _send_code(pending, resent=True)
    if sent:
        db.session.commit()
    else:
        db.session.rollback()
    return sent


def _send_code(pending: PendingLogin, *, resent: bool = False) -> bool:
    """Issue and queue a code for ``pending``, audited; the caller commits."""
    if not emailed_code.issue(pending):
        return False
    details = {"resent": True} if resent else {}
    audit.record(Event.CODE_SENT, user=pending.user, purpose=pending.purpose, **details)
    return True


def finish(
    pending: PendingLogin,
    code: str = "",
    *,
    password: str | None = None,
    recovery: bool = False,
    assertion: str | dict[str, Any] | None = None,
) -> Finished:
    """Check the factor ``pending`` owes (a code, or a security key's ``assertion``) and, when it
    is right, let its client in; commit.

    Of concurrent requests with the right code, one gets in; the others are told GONE.
    """
    outcome = verify(pending, code, password=password, recovery=recovery, assertion=assertion)
    if outcome is not Outcome.VERIFIED:
        return Finished(outcome)
    user, factor, purpose = pending.user, Factor(pending.method), Purpose(pending.purpose)
    won = pending_logins.mark_verified(pending) if purpose is Purpose.RESET else pending_logins.end(pending)
    if not won:
        db.session.rollback()
        return Finished(Outcome.GONE)
    return Finished(Outcome.VERIFIED, _EXITS[purpose](user, factor))


# --- the exits: a user who gave every factor they owe gets in, one way per purpose; each commits.


def _log_in_browser(user: User, factor: Factor) -> None:
    """A browser login: a fresh logged-in session, which remembers the factor given."""
    complete_login(user, factor)


def _issue_api_token(user: User, factor: Factor) -> IssuedToken:
    """An API login: a bearer token, which remembers the factor given."""
    return api_tokens.issue(user, factor)


def _allow_new_password(user: User, factor: Factor) -> None:
    """A password reset: the reset's pending login is verified (or none was owed), so the link's
    page now asks for the new password (``password_reset.may_set_password``)."""
    db.session.commit()


_EXITS: dict[Purpose, Callable[[User, Factor], IssuedToken | None]] = {
    Purpose.BROWSER: _log_in_browser,
    Purpose.API: _issue_api_token,
    Purpose.RESET: _allow_new_password,
}
