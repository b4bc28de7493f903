"""The members report: every user of a group with their two-factor state, for the page and the CSV.

Rows are read with ``yield_per``, so a group of 100 000 users is streamed, never loaded whole.
The two-factor state comes from the same rule as logins (``security.second_factor``), and
the deadline to set up one's own factor from the group's policy (``security.own_factor_policy``):
empty for members who owe nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists, select

from timetracker.extensions import db
from timetracker.models import Authenticator, Group, Role, SecurityKey, User
from timetracker.rights import Right
from timetracker.security.own_factor_policy import deadline_for, owes_own_factor
from timetracker.security.second_factor import Factor, factor_from
from timetracker.services import csv_export

ROWS_READ_AT_ONCE = 1000
HEADER = (
    "Name",
    "Login",
    "Email",
    "Role",
    "Status",
    "Two-factor",
    "Last login (UTC)",
    "Own factor due (UTC)",
)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class TwoFactorState(StrEnum):
    SECURITY_KEY = "security key"
    AUTHENTICATOR = "authenticator"
    EMAIL_CODE = "email code (group)"
    NONE = "none"
    LOCKED_OUT = "none — cannot log in: no email"


@dataclass(frozen=True)
class Member:
    name: str
    login: str
    email: str | None
    role: str
    active: bool
    two_factor: TwoFactorState
    last_login_at: datetime | None
    own_factor_due: datetime | None  # the deadline to set up one's own factor, for those who owe it

    @property
    def without_two_factor(self) -> bool:
        return self.two_factor in (TwoFactorState.NONE, TwoFactorState.LOCKED_OUT)


def members(
    group: Group, *, without_two_factor: bool = False, without_email: bool = False
) -> Iterator[Member]:
    """Yield the group's users ordered by name, optionally only those without 2FA or without email.

    Close the generator when stopping early (``contextlib.closing``) to end the database cursor.
    """
    query = (
        select(
            User.name,
            User.login,
            User.email,
            User.active,
            User.last_login_at,
            User.created_at,
            Role.name,
            Role.rights,
            Authenticator.confirmed_at,
            exists().where(SecurityKey.user_id == User.id).label("has_security_key"),
        )
        .join(User.role)
        .outerjoin(Authenticator, Authenticator.user_id == User.id)
        .where(Role.group_id == group.id)
        .order_by(User.name, User.id)
    )
    if without_email:
        query = query.where(User.email.is_(None))
    result = db.session.execute(query.execution_options(yield_per=ROWS_READ_AT_ONCE))
    try:
        for name, login, email, active, last_login, created, role, rights, confirmed_at, has_key in result:
            can_override = Right.OVERRIDE_2FA in rights
            factor = factor_from(
                has_authenticator=confirmed_at is not None,
                has_security_key=has_key,
                group_requires=group.two_factor_required,
                can_override=can_override,
            )
            owes = owes_own_factor(group=group, has_own_factor=factor.is_own, can_override=can_override)
            due = deadline_for(group, created) if owes else None
            member = Member(name, login, email, role, active, _state(factor, email), last_login, due)
            if not without_two_factor or member.without_two_factor:
                yield member
    finally:
        result.close()  # also when the caller stops early: a PostgreSQL server cursor stays open otherwise


def _state(factor: Factor, email: str | None) -> TwoFactorState:
    if factor is Factor.SECURITY_KEY:
        return TwoFactorState.SECURITY_KEY
    if factor is Factor.AUTHENTICATOR:
        return TwoFactorState.AUTHENTICATOR
    if factor is Factor.EMAIL:
        return TwoFactorState.EMAIL_CODE if email else TwoFactorState.LOCKED_OUT
    return TwoFactorState.NONE


def csv_lines(rows: Iterator[Member]) -> Iterator[str]:
    """Yield the CSV text (header first) in chunks, safe to open in a spreadsheet."""
    return csv_export.chunks(HEADER, (_cells(member) for member in rows))


def _cells(member: Member) -> list[str]:
    last_login = member.last_login_at.strftime(TIME_FORMAT) if member.last_login_at else ""
    due = member.own_factor_due.strftime(TIME_FORMAT) if member.own_factor_due else ""
    return [
        member.name,
        member.login,
        member.email or "none",
        member.role,
        "active" if member.active else "inactive",
        member.two_factor.value,
        last_login,
        due,
    ]
