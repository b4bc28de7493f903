"""Groups, their users and the rights of their roles: every write goes through here.

Each function checks the rank rule with ``rights.may_*`` before it changes anything,
audits the change and commits it. ``actor=None`` means the command-line operator, who
has shell access to the server and is trusted with every group.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from timetracker import audit, database, messages
from timetracker.audit import Event
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import Group, PendingLogin, Role, User
from timetracker.rights import (
    DEFAULT_ROLES,
    TOP_MANAGER_RANK,
    Right,
    may_assign,
    may_edit_rights,
    may_manage,
)
from timetracker.security import sessions
from timetracker.security.passwords import hash_password
from timetracker.security.reauth import require_password


@dataclass(frozen=True)
class NewGroup:
    """What it takes to create a group: its name and its first top manager."""

    group_name: str
    manager_name: str
    login: str
    password: str
    email: str | None


@dataclass(frozen=True)
class UserDetails:
    """A user as a manager fills them in; ``password`` None keeps the current one."""

    name: str
    login: str
    email: str | None
    role_id: int
    active: bool
    password: str | None


def create_group(new: NewGroup, *, via: str) -> User:
    """Create a group with the default roles and its top manager, and return that user."""
    group = Group(name=new.group_name)
    roles = [Role(group=group, name=t.name, rank=t.rank, rights=t.rights) for t in DEFAULT_ROLES]
    top_role = max(roles, key=lambda role: role.rank)
    user = User(
        role=top_role,
        name=new.manager_name,
        login=new.login,
        email=new.email,
        password_hash=hash_password(new.password),
    )
    _require_free_login(user.login)
    db.session.add(user)
    audit.record(Event.GROUP_CREATED, group=group, user=user, via=via)
    _commit_claiming_login()
    return user


def add_user(
    actor: User | None, group: Group, details: UserDetails, *, current_password: str | None = None
) -> User:
    """Create a user in ``group`` with a role the actor may hand out.

    A new top manager needs the actor's ``current_password`` (see ``_require_current_password``).

    :raise PermissionDenied: the role is not of this group or ranks too high for the actor.
    :raise FieldError: the login is taken, no password was given, or the current password is wrong.
    """
    role = _assignable_role(actor, group, details.role_id)
    _require_current_password(actor, None, details, role, current_password)
    if not details.password:
        raise FieldError("password", messages.PASSWORD_REQUIRED)
    _require_free_login(details.login)
    user = User(
        role=role,
        name=details.name,
        login=details.login,
        email=details.email,
        active=details.active,
        password_hash=hash_password(details.password),
    )
    db.session.add(user)
    audit.record(Event.USER_CREATED, actor=actor, user=user, role=role.name, group=group)
    _commit_claiming_login()
    return user


def edit_user(
    actor: User | None, target: User, details: UserDetails, *, current_password: str | None = None
) -> None:
    """Change ``target`` as ``details`` say, if the actor outranks them.

    Editing yourself here follows the profile's rules: a change of your name, login, email or
    password needs ``current_password``, and the change is mailed to you. So do a change of
    another top manager's login details, and making someone a top manager.

    :raise PermissionDenied: the actor may not manage the target or hand out the role.
    :raise FieldError: the current password is wrong, the login is taken, or the change would
        leave the group without an active top manager.
    """
    if actor is not None and not may_manage(actor, target):
        raise PermissionDenied()
    role = _assignable_role(actor, target.group, details.role_id)
    _require_current_password(actor, target, details, role, current_password)
    if target.role.is_top and target.active and not (role.is_top and details.active):
        _require_another_top_manager(target, field="active" if role.is_top else "role_id")
    if details.login != target.login:
        _require_free_login(details.login)

    old_role, old_email, was_active = target.role, target.email, target.active
    changed = _apply_details(target, details, role)
    if changed:
        audit.record(Event.USER_EDITED, actor=actor, user=target, fields=changed)
    if role is not old_role:
        audit.record(Event.ROLE_CHANGED, actor=actor, user=target, old=old_role.name, new=role.name)
    if was_active != details.active:
        event = Event.USER_REACTIVATED if details.active else Event.USER_DEACTIVATED
        audit.record(event, actor=actor, user=target)
    _tell_of_changes(target, changed, old_email, by=actor)
    _commit_claiming_login()


def _require_current_password(
    actor: User | None, target: User | None, details: UserDetails, role: Role, current_password: str | None
) -> None:
    """Ask the actor's current password for what would hand a stolen session a top manager's login.

    That is a change of your own login details, of another top manager's, and a new top
    manager (added, or promoted). The command line (``actor`` None) is trusted.
    """
    if actor is None:
        return
    new_top = role.is_top and (target is None or not target.role.is_top)
    guarded = target is not None and (target.id == actor.id or target.role.is_top)
    if new_top or (guarded and _changes_credentials(target, details)):
        require_password(
            actor, current_password or "", field="current_password", message=messages.WRONG_CURRENT_PASSWORD
        )


def _changes_credentials(target: User, details: UserDetails) -> bool:
    """Tell whether ``details`` change what the profile guards with the current password."""
    return bool(details.password) or any(
        getattr(target, field) != getattr(details, field) for field in ("name", "login", "email")
    )


def _apply_details(target: User, details: UserDetails, role: Role) -> list[str]:
    """Copy ``details`` onto ``target`` and return the names of the fields that changed."""
    changed = [
        field for field in ("name", "login", "email") if getattr(target, field) != getattr(details, field)
    ]
    target.name, target.login, target.email = details.name, details.login, details.email
    target.role = role
    if target.active != details.active:
        target.active = details.active
        if not target.active:
            sessions.end_others(target, "deactivated")
    if details.password:
        _store_password(target, details.password)
        changed.append("password")
    return changed


def set_role_rights(actor: User, role: Role, rights: frozenset[Right]) -> None:
    """Give ``role`` exactly ``rights``, leaving alone the rights the actor does not hold.

    :raise PermissionDenied: the role is not below the actor's rank, or ``rights`` adds a
        right the actor does not hold.
    """
    if not may_edit_rights(actor, role):
        raise PermissionDenied()
    held = actor.role.rights
    if (rights - role.rights) - held:
        raise PermissionDenied()
    new_rights = (rights & held) | (role.rights - held)
    if new_rights == role.rights:
        return
    added, removed = sorted(new_rights - role.rights), sorted(role.rights - new_rights)
    role.rights = new_rights
    audit.record(Event.ROLE_RIGHTS_CHANGED, actor=actor, role=role.name, added=added, removed=removed)
    db.session.commit()


def update_profile(user: User, *, name: str, email: str | None, current_password: str) -> None:
    """Change the user's own name and email after checking their current password."""
    require_password(
        user, current_password, field="current_password", message=messages.WRONG_CURRENT_PASSWORD
    )
    old_email = user.email
    changed = [field for field, value in (("name", name), ("email", email)) if getattr(user, field) != value]
    user.name, user.email = name, email
    if changed:
        audit.record(Event.PROFILE_CHANGED, actor=user, fields=changed)
        _tell_of_changes(user, changed, old_email, by=user)
        db.session.commit()


def set_time_zone(user: User, time_zone: str | None) -> None:
    """Store the zone ``user``'s days and times follow; None follows the group's."""
    user.time_zone = time_zone
    db.session.commit()


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Change the user's own password after checking the current one; other sessions end."""
    require_password(
        user, current_password, field="current_password", message=messages.WRONG_CURRENT_PASSWORD
    )
    _store_password(user, new_password)
    audit.record(Event.PASSWORD_CHANGED, actor=user)
    _tell_of_changes(user, ["password"], user.email, by=user)
    db.session.commit()


def set_password(user: User, password: str, *, via: str, event: Event = Event.PASSWORD_CHANGED) -> None:
    """Set a password for ``user`` without the old one (command line, reset link); their sessions end."""
    _store_password(user, password)
    audit.record(event, user=user, via=via)
    _tell_of_changes(user, ["password"], user.email, by=None, via=via)
    db.session.commit()


def _store_password(user: User, password: str) -> None:
    """Store the new password; every other session, API token and half-finished login of the old one ends."""
    user.password_hash = hash_password(password)
    sessions.end_others(user, "password changed")
    db.session.execute(delete(PendingLogin).where(PendingLogin.user_id == user.id))


def _tell_of_changes(
    user: User, changed: list[str], old_email: str | None, *, by: User | None, via: str | None = None
) -> None:
    """Mail ``user`` that their password or email changed (the caller commits).

    A new email is announced to the old address too, so a takeover cannot hide there.
    """
    by_name = by.name if by is not None and by is not user else None
    if "password" in changed and user.email:
        outbox.queue(
            "password changed",
            user.email,
            messages.SUBJECT_PASSWORD_CHANGED,
            "password_changed",
            user_id=user.id,
            name=user.name,
            via=via,
            by=by_name,
        )
    if "email" in changed:
        for address in dict.fromkeys(filter(None, (old_email, user.email))):
            outbox.queue(
                "email changed",
                address,
                messages.SUBJECT_EMAIL_CHANGED,
                "email_changed",
                user_id=user.id,
                name=user.name,
                old=old_email,
                new=user.email,
                by=by_name,
            )


def _assignable_role(actor: User | None, group: Group, role_id: int) -> Role:
    """Return the role with this id if it belongs to ``group`` and the actor may hand it out."""
    role = database.get(Role, role_id)
    if role is None or role.group_id != group.id:
        raise PermissionDenied()
    if actor is not None and not may_assign(actor, role):
        raise PermissionDenied()
    return role


def _require_another_top_manager(target: User, *, field: str) -> None:
    """Refuse a change that would leave ``target``'s group without an active top manager.

    The group's row is locked first, so two top managers stepping down at once are judged
    one after the other, and the second sees that the first is gone.
    """
    database.lock(target.group)
    others = db.session.scalar(
        select(func.count(User.id))
        .join(User.role)
        .where(Role.group_id == target.group_id, Role.rank >= TOP_MANAGER_RANK)
        .where(User.active.is_(True), User.id != target.id)
    )
    if not others:
        raise FieldError(field, messages.LAST_TOP_MANAGER)


def _require_free_login(login: str) -> None:
    if db.session.scalar(select(User.id).where(User.login == login)) is not None:
        raise FieldError("login", messages.LOGIN_TAKEN)


def _commit_claiming_login() -> None:
    """Commit; a login taken meanwhile by a concurrent request becomes a field error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise FieldError("login", messages.LOGIN_TAKEN) from None
