"""The rights a role can hold, the default roles of a new group, and who may manage whom.

Modelled on Anuko Time Tracker: a role has a rank and a set of rights; a user acts on
users and roles ranked below their own. The top manager rank (512) is the one exception:
a top manager may manage everyone in the group, other top managers included.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timetracker.models import Role, User


class Right(StrEnum):
    """A named permission; views check them with ``current_user.can(Right.X)``."""

    TRACK_OWN_TIME = "track_own_time"
    VIEW_OWN_REPORTS = "view_own_reports"
    TRACK_TIME = "track_time"
    VIEW_REPORTS = "view_reports"
    MANAGE_PROJECTS = "manage_projects"
    OVERRIDE_DATE_LOCK = "override_date_lock"
    MANAGE_OWN_SETTINGS = "manage_own_settings"
    VIEW_USERS = "view_users"
    MANAGE_USERS = "manage_users"
    MANAGE_ROLES = "manage_roles"
    MANAGE_BASIC_SETTINGS = "manage_basic_settings"
    MANAGE_ADVANCED_SETTINGS = "manage_advanced_settings"
    OVERRIDE_2FA = "override_2fa"


TOP_MANAGER_RANK = 512


@dataclass(frozen=True)
class RoleTemplate:
    """A role every new group starts with."""

    name: str
    rank: int
    rights: frozenset[Right]


_USER = frozenset({Right.TRACK_OWN_TIME, Right.VIEW_OWN_REPORTS, Right.MANAGE_OWN_SETTINGS})
_SUPERVISOR = _USER | {Right.VIEW_USERS, Right.TRACK_TIME, Right.VIEW_REPORTS, Right.OVERRIDE_DATE_LOCK}
_CO_MANAGER = _SUPERVISOR | {Right.MANAGE_USERS, Right.MANAGE_BASIC_SETTINGS, Right.MANAGE_PROJECTS}
_MANAGER = _CO_MANAGER | {Right.MANAGE_ROLES, Right.MANAGE_ADVANCED_SETTINGS}
_TOP_MANAGER = _MANAGER | {Right.OVERRIDE_2FA}

DEFAULT_ROLES: tuple[RoleTemplate, ...] = (
    RoleTemplate("User", 4, _USER),
    RoleTemplate("Supervisor", 12, _SUPERVISOR),
    RoleTemplate("Co-manager", 68, _CO_MANAGER),
    RoleTemplate("Manager", 324, _MANAGER),
    RoleTemplate("Top manager", TOP_MANAGER_RANK, _TOP_MANAGER),
)


def outranks(actor: User, rank: int) -> bool:
    """Tell whether ``actor`` may act on something of ``rank``: below theirs, or they are top manager."""
    return rank < actor.role.rank or actor.role.is_top


def may_manage(actor: User, target: User) -> bool:
    """Tell whether ``actor`` may edit, deactivate or change the role of ``target``."""
    return (
        actor.is_active
        and actor.can(Right.MANAGE_USERS)
        and actor.group_id == target.group_id
        and outranks(actor, target.role.rank)
    )


def may_assign(actor: User, role: Role) -> bool:
    """Tell whether ``actor`` may give ``role`` to a user."""
    return (
        actor.is_active
        and actor.can(Right.MANAGE_USERS)
        and actor.group_id == role.group_id
        and outranks(actor, role.rank)
    )


def may_edit_rights(actor: User, role: Role) -> bool:
    """Tell whether ``actor`` may change the rights of ``role`` (strictly below their rank)."""
    return (
        actor.is_active
        and actor.can(Right.MANAGE_ROLES)
        and actor.group_id == role.group_id
        and role.rank < actor.role.rank
    )
