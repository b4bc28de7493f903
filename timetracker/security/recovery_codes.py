"""Recovery codes: ten single-use codes like ``abcd-efgh-jkmn``, stored only as keyed hashes."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import update

from timetracker import clock
from timetracker.extensions import db
from timetracker.models import RecoveryCode, User
from timetracker.security.keys import keyed_hash

COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back
LENGTH = 12
PURPOSE = "recovery code"
_NOT_CODE = re.compile(r"[^a-z0-9]")


def generate() -> list[str]:
    """Return ten new codes, grouped by four for reading."""
    return [_grouped("".join(secrets.choice(ALPHABET) for _ in range(LENGTH))) for _ in range(COUNT)]


def replace(user: User, codes: list[str]) -> None:
    """Make ``codes`` the user's only valid recovery codes (the caller commits)."""
    user.recovery_codes.clear()
    user.recovery_codes.extend(RecoveryCode(code_hash=_hash(code)) for code in codes)


def use(user: User, typed: str) -> bool:
    """Spend one unused code of ``user``; False when it does not exist or was used already."""
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(typed))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def remaining(user: User) -> int:
    """Return how many of the user's recovery codes are still unused."""
    return db.session.scalar(
        db.select(db.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def _hash(code: str) -> str:
    return keyed_hash(PURPOSE, _NOT_CODE.sub("", (code or "").lower()))


def _grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
