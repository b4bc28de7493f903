"""Rolling out the group's own-factor policy: the deadline, the members' emails, the audit.

When a group comes to require the user's own factor (two-factor on and the policy "own",
whichever of the two was changed last), the grace period starts: the deadline is now plus the
grace days, and every member it concerns (active, with an email, no own factor, no
``override_2fa``) is emailed what changes, by when in their time zone, and where to set it up.
Changing the grace days while the policy stays moves the deadline by as many days (it stays
counted from the switch) and emails them the new date. Going back to the emailed code clears
the deadline. Each of these is audited.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from timetracker import audit, clock, messages
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import Group, User, users_of
from timetracker.rights import Right
from timetracker.security.own_factor_policy import deadline_for, deadline_text, requires_own_factor
from timetracker.security.second_factor import WITH_RULE_FACTS

MAIL_PURPOSE = "own_factor_required"


class Change(StrEnum):
    NONE = "none"
    REQUIRED = "required"  # the grace period started
    DEADLINE_MOVED = "deadline moved"
    NOT_REQUIRED = "not required"  # back to the emailed code


def without_own_factor(group: Group) -> list[User]:
    """Return the active members who would owe their own factor under the policy "own", by name."""
    query = users_of(group.id).where(User.active.is_(True)).options(*WITH_RULE_FACTS)
    return [
        user
        for user in db.session.scalars(query).unique()
        if not user.has_own_factor and not user.can(Right.OVERRIDE_2FA)
    ]


def apply(
    actor: User, group: Group, *, was_required: bool, old_days: int, setup_link: str
) -> tuple[Change, list[User]]:
    """Follow a change of ``group``'s settings (already made, not committed); return it and who was emailed.

    :param was_required: whether the group required the user's own factor before the change.
    :param old_days: the grace days before the change.
    :param setup_link: where the emails send members to set up their factor.
    """
    now_required = requires_own_factor(group)
    if now_required and not was_required:
        group.own_factor_deadline = clock.now() + timedelta(days=group.own_factor_grace_days)
        emailed = _email_members(group, messages.SUBJECT_OWN_FACTOR_REQUIRED, setup_link)
        _record(Event.OWN_FACTOR_REQUIRED, actor, group, emailed)
        return Change.REQUIRED, emailed
    if was_required and not now_required:
        group.own_factor_deadline = None
        audit.record(Event.OWN_FACTOR_NOT_REQUIRED, actor=actor)
        return Change.NOT_REQUIRED, []
    if now_required and group.own_factor_grace_days != old_days and group.own_factor_deadline is not None:
        group.own_factor_deadline += timedelta(days=group.own_factor_grace_days - old_days)
        emailed = _email_members(group, messages.SUBJECT_OWN_FACTOR_DEADLINE_MOVED, setup_link)
        _record(Event.OWN_FACTOR_DEADLINE_MOVED, actor, group, emailed, old_grace_days=old_days)
        return Change.DEADLINE_MOVED, emailed
    return Change.NONE, []


def _email_members(group: Group, subject: str, setup_link: str) -> list[User]:
    """Queue the email to every member the policy concerns who has an address; return them."""
    emailed = [user for user in without_own_factor(group) if user.email]
    for user in emailed:
        deadline = deadline_for(group, user.created_at)
        assert deadline is not None  # the group has one while it requires the user's own factor
        outbox.queue(
            MAIL_PURPOSE,
            user.email,  # type: ignore[arg-type]
            subject,
            "own_factor_required",
            user_id=user.id,
            name=user.name,
            group=group.name,
            deadline=deadline_text(deadline, user.zone),
            at_once=deadline <= clock.now(),
            link=setup_link,
        )
    return emailed


def _record(event: Event, actor: User, group: Group, emailed: list[User], **details: object) -> None:
    assert group.own_factor_deadline is not None
    audit.record(
        event,
        actor=actor,
        grace_days=group.own_factor_grace_days,
        deadline=group.own_factor_deadline.isoformat(),
        emailed=[user.login for user in emailed],
        **details,
    )
