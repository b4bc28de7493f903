"""The emailed second factor: random codes, kept only as keyed hashes bound to one pending login."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from timetracker import clock, messages
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import MailPriority, PendingLogin
from timetracker.security.keys import keyed_hash
from timetracker.security.pending import Purpose

PURPOSE = "emailed 2FA code"
_SEPARATORS = re.compile(r"[\s-]+")
_ROWS = PendingLogin.__table__
_NEW_CODE_COLUMNS = ("code_hash", "code_expires_at", "expires_at", "tries_left")
# Built once: building a statement costs more than running it.
_NEW_CODE = (
    update(_ROWS)
    .where(_ROWS.c.id == bindparam("pending_id"))
    .values({name: bindparam(f"new_{name}") for name in _NEW_CODE_COLUMNS})
)


def issue(pending: PendingLogin) -> bool:
    """Give ``pending`` a new code (voiding the previous one, restoring its tries) and queue it by email.

    The caller commits. The conditional UPDATE finds out whether a concurrent request ended
    the pending login: then nothing is queued and the answer is False.
    """
    config = current_app.config
    digits, ttl = config["2FA_CODE_DIGITS"], config["2FA_CODE_TTL"]
    code = f"{secrets.randbelow(10**digits):0{digits}d}"
    code_expires_at = clock.now() + timedelta(seconds=ttl)
    new = {
        "code_hash": _hash(pending, code),
        "code_expires_at": code_expires_at,
        "expires_at": max(pending.expires_at, code_expires_at),
        "tries_left": config["2FA_MAX_TRIES"],
    }
    values = {f"new_{name}": value for name, value in new.items()}
    stored = db.session.execute(_NEW_CODE, {"pending_id": pending.id, **values})
    if stored.rowcount != 1:
        return False
    for name, value in new.items():
        set_committed_value(pending, name, value)  # as stored: the next flush leaves them alone
    user = pending.user
    assert user.email, "sign_in.start never asks for an emailed code without an email"
    pending.code_message = outbox.queue(
        "2fa code",
        user.email,
        messages.SUBJECT_2FA_CODE,
        "two_factor_code",
        user_id=user.id,
        priority=MailPriority.WAITED_FOR,
        name=user.name,
        code=code,
        minutes=max(1, round(ttl / 60)),
        for_reset=pending.purpose == Purpose.RESET,
    )
    return True


def code_matches(pending: PendingLogin, typed: str) -> bool:
    """Tell whether ``typed`` is this pending login's current, unexpired code (spaces and dashes ignored)."""
    candidate = _hash(pending, _SEPARATORS.sub("", typed or ""))
    stored = pending.code_hash or ""
    unexpired = pending.code_expires_at is not None and pending.code_expires_at > clock.now()
    return hmac.compare_digest(candidate, stored) and unexpired


def _hash(pending: PendingLogin, code: str) -> str:
    """Hash a code together with its pending login, so it is worthless anywhere else."""
    return keyed_hash(PURPOSE, f"{pending.id}:{code}")
