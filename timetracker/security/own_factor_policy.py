"""The group's own-factor policy: who owes their own app or key, and by when.

A group that requires two-factor authentication accepts the emailed code ("any", the
default) or asks for the user's own factor ("own"): a confirmed authenticator app or a
security key. Under "own", a user without one still logs in with the emailed code until
their deadline, and is then made to set one up before anything else opens.

A user's deadline is the group's (the switch to "own" plus the grace days), or their
creation plus the grace days when that is later, so that nobody added afterwards is locked
out on their first day. A user whose factor is removed (by themselves or a manager's reset)
keeps the deadline they had: past it, their next login goes straight to the set-up.

Days left are counted by whole 24-hour periods up to the deadline, rounded up: from 7 × 24 h
before it "7 days left", in its last 24 hours "1 day left", and at the deadline none (the
set-up is owed). Counted in hours, not calendar days, they mean the same in every time zone
and across a change of clocks; the deadline itself is shown in the user's zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from timetracker import clock
from timetracker.models import Group, User
from timetracker.rights import Right

GRACE_DAYS_MAX = 30
DAY = timedelta(days=1)


class Policy(StrEnum):
    ANY = "any"  # the emailed code, or the user's own factor
    OWN = "own"  # the user's own authenticator app or security key


class Owed(StrEnum):
    NOTHING = "nothing"
    GRACE = "grace"  # the emailed code still lets them in; they are asked to set one up
    NOW = "now"  # the set-up comes before anything else


@dataclass(frozen=True)
class Standing:
    """What a user owes under their group's policy, and by when."""

    owed: Owed
    deadline: datetime | None = None
    days_left: int = 0


NOTHING_OWED = Standing(Owed.NOTHING)


def requires_own_factor(group: Group) -> bool:
    """Tell whether ``group`` asks its members for their own factor (two-factor on, policy "own")."""
    return group.two_factor_required and group.second_factor_policy == Policy.OWN


def owes_own_factor(*, group: Group, has_own_factor: bool, can_override: bool) -> bool:
    """Decide from the facts about a user whether the group's policy asks them for their own factor."""
    return requires_own_factor(group) and not has_own_factor and not can_override


def user_owes(user: User) -> bool:
    """Tell whether ``user`` owes their own factor, now or after their grace period."""
    return owes_own_factor(
        group=user.group, has_own_factor=user.has_own_factor, can_override=user.can(Right.OVERRIDE_2FA)
    )


def deadline_for(group: Group, created_at: datetime) -> datetime | None:
    """Return the deadline of a member created at ``created_at``: the group's, or later for a newcomer."""
    if group.own_factor_deadline is None:
        return None
    return max(group.own_factor_deadline, created_at + timedelta(days=group.own_factor_grace_days))


def standing(user: User) -> Standing:
    """Tell what ``user`` owes now: nothing, their own factor within N days, or their own factor now."""
    if not user_owes(user):
        return NOTHING_OWED
    deadline = deadline_for(user.group, user.created_at)
    left = days_left(deadline, clock.now()) if deadline is not None else 0
    return Standing(Owed.GRACE if left else Owed.NOW, deadline, left)


def days_left(deadline: datetime, now: datetime) -> int:
    """Return the 24-hour periods from ``now`` to ``deadline``, rounded up; 0 from the deadline on."""
    return max(0, math.ceil((deadline - now) / DAY))


def deadline_text(deadline: datetime, zone: ZoneInfo) -> str:
    """Write a deadline as the date and wall-clock time of ``zone``, naming the zone."""
    return f"{deadline.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
