"""The group's settings: the basic ones of time tracking, and the advanced ones.

Basic: the first day of the week, the members' default time zone, the lock date. Advanced:
the name and description, and group two-factor authentication with its pre-flight, which
tells a manager before the switch whether mail works and who would be locked out: active
users who would need an emailed code but have no email. Beside it, the second factor the group
requires (``security.own_factor_policy``) with its grace period, rolled out by
``own_factor_rollout``; the pre-flight lists who has no own factor yet.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from timetracker import audit, messages
from timetracker.audit import Event
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.mail import outbox, transport
from timetracker.models import Group, OutboxMessage, Role, User, users_of
from timetracker.rights import Right
from timetracker.security.own_factor_policy import Policy, requires_own_factor
from timetracker.security.second_factor import Factor, second_factor_for
from timetracker.services import own_factor_rollout
from timetracker.services.own_factor_rollout import Change

TEST_MAIL = "test"


@dataclass(frozen=True)
class BasicSettings:
    first_day_of_week: int  # 0 Monday … 6 Sunday
    time_zone: str  # an IANA name (validation.time_zone)
    lock_date: date | None


def save_basic(actor: User, group: Group, settings: BasicSettings) -> None:
    """Store the basic settings; a change is audited (the lock date guards past time).

    :raise PermissionDenied: the actor lacks ``manage_basic_settings`` in this group.
    """
    if not (actor.can(Right.MANAGE_BASIC_SETTINGS) and actor.group_id == group.id):
        raise PermissionDenied()
    new = asdict(settings)
    changed = {name: str(value) for name, value in new.items() if getattr(group, name) != value}
    if not changed:
        return
    for name, value in new.items():
        setattr(group, name, value)
    audit.record(Event.GROUP_SETTINGS_CHANGED, actor=actor, fields=sorted(changed), **changed)
    db.session.commit()


@dataclass(frozen=True)
class AdvancedSettings:
    name: str
    description: str
    two_factor: bool
    policy: Policy
    grace_days: int  # 0 to own_factor_policy.GRACE_DAYS_MAX


@dataclass(frozen=True)
class Saved:
    """What saving the advanced settings did besides storing them."""

    locked_out: list[User]  # left without a way in: 2FA switched on, and no email
    own_factor: Change = Change.NONE
    emailed: list[User] = field(default_factory=list)  # told about the own-factor policy


@dataclass(frozen=True)
class Preflight:
    """What a manager should know before switching group two-factor authentication on."""

    mail_mode: str  # as transport.mail_mode()
    mail_server: str | None
    last_test_mail: OutboxMessage | None
    without_email: list[User]
    without_own_factor: list[User]  # who would owe their own factor under the policy "own"


def preflight(group: Group) -> Preflight:
    """Check mail and find the users who could not log in with group 2FA on."""
    config = current_app.config
    server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}" if config["MAIL_SERVER"] else None
    return Preflight(
        transport.mail_mode(),
        server,
        last_test_mail(group),
        users_without_email(group),
        own_factor_rollout.without_own_factor(group),
    )


def users_without_email(group: Group) -> list[User]:
    """Return the active users who would need an emailed code and have no email."""
    return [
        user
        for user in db.session.scalars(users_of(group.id).where(User.active.is_(True), User.email.is_(None)))
        if second_factor_for(user, group_requires=True) is Factor.EMAIL
    ]


def last_test_mail(group: Group) -> OutboxMessage | None:
    """Return the newest test mail sent from this group's advanced settings."""
    members = select(User.id).join(User.role).where(Role.group_id == group.id)
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.purpose == TEST_MAIL, OutboxMessage.user_id.in_(members))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


def save(actor: User, group: Group, settings: AdvancedSettings, *, confirmed: bool, setup_link: str) -> Saved:
    """Store the settings; say who is left without a way in, and how the own-factor policy changed.

    :param setup_link: where the own-factor emails send members to set up their factor.
    :raise PermissionDenied: the actor lacks ``manage_advanced_settings`` in this group.
    :raise FieldError: 2FA would lock users out and ``confirmed`` is false.
    """
    if not (actor.can(Right.MANAGE_ADVANCED_SETTINGS) and actor.group_id == group.id):
        raise PermissionDenied()
    switching_on = settings.two_factor and not group.two_factor_required
    locked_out = users_without_email(group) if switching_on else []
    if locked_out and not confirmed:
        raise FieldError("confirm_no_email", messages.CONFIRM_NO_EMAIL)
    new = {
        "name": settings.name,
        "description": settings.description,
        "second_factor_policy": settings.policy.value,
        "own_factor_grace_days": settings.grace_days,
    }
    changed = [column for column, value in new.items() if getattr(group, column) != value]
    if changed:
        audit.record(Event.GROUP_SETTINGS_CHANGED, actor=actor, fields=changed)
    if settings.two_factor != group.two_factor_required:
        event = Event.GROUP_2FA_ON if settings.two_factor else Event.GROUP_2FA_OFF
        audit.record(event, actor=actor, without_email=[user.login for user in locked_out])
    was_required, old_days = requires_own_factor(group), group.own_factor_grace_days
    for column, value in new.items():
        setattr(group, column, value)
    group.two_factor_required = settings.two_factor
    change, emailed = own_factor_rollout.apply(
        actor, group, was_required=was_required, old_days=old_days, setup_link=setup_link
    )
    db.session.commit()
    return Saved(locked_out, change, emailed)


def send_test_mail(actor: User) -> OutboxMessage:
    """Queue a test mail to the actor through the real outbox.

    :raise FieldError: the actor has no email address.
    """
    if not actor.email:
        raise FieldError("email", messages.TEST_MAIL_NEEDS_ADDRESS)
    message = outbox.queue(
        TEST_MAIL, actor.email, messages.SUBJECT_TEST_MAIL, "test_mail", user_id=actor.id, name=actor.name
    )
    audit.record(Event.TEST_MAIL, actor=actor)
    db.session.commit()
    return message
