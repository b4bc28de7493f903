"""The rights, the default roles and the rank rule's decisions."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import People
from timetracker.extensions import db
from timetracker.models import Group
from timetracker.rights import (
    DEFAULT_ROLES,
    TOP_MANAGER_RANK,
    Right,
    may_assign,
    may_edit_rights,
    may_manage,
)

R = Right
USER_RIGHTS = {R.TRACK_OWN_TIME, R.VIEW_OWN_REPORTS, R.MANAGE_OWN_SETTINGS}
SUPERVISOR_RIGHTS = USER_RIGHTS | {R.VIEW_USERS, R.TRACK_TIME, R.VIEW_REPORTS, R.OVERRIDE_DATE_LOCK}
CO_MANAGER_RIGHTS = SUPERVISOR_RIGHTS | {R.MANAGE_USERS, R.MANAGE_BASIC_SETTINGS, R.MANAGE_PROJECTS}
EXPECTED_ROLES = {
    "User": (4, USER_RIGHTS),
    "Supervisor": (12, SUPERVISOR_RIGHTS),
    "Co-manager": (68, CO_MANAGER_RIGHTS),
    "Manager": (324, CO_MANAGER_RIGHTS | {R.MANAGE_ROLES, R.MANAGE_ADVANCED_SETTINGS}),
    "Top manager": (512, set(Right)),
}


def test_rights_have_the_anuko_names() -> None:
    assert {right.value for right in Right} >= {
        "track_own_time",
        "view_own_reports",
        "manage_own_settings",
        "view_users",
        "manage_users",
        "manage_roles",
        "manage_basic_settings",
        "manage_advanced_settings",
        "override_2fa",
        "track_time",
        "view_reports",
        "manage_projects",
        "override_date_lock",
    }


def test_default_roles_have_their_ranks_and_rights() -> None:
    assert {role.name: (role.rank, set(role.rights)) for role in DEFAULT_ROLES} == EXPECTED_ROLES
    assert TOP_MANAGER_RANK == 512


def test_only_the_top_manager_may_override_2fa() -> None:
    assert [role.name for role in DEFAULT_ROLES if Right.OVERRIDE_2FA in role.rights] == ["Top manager"]


def test_a_new_group_gets_the_default_roles(app: Flask, people: People) -> None:
    with app.app_context():
        group = db.session.get(Group, people.group_id)
        assert {role.name: (role.rank, set(role.rights)) for role in group.roles} == EXPECTED_ROLES


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("top", "top", True),  # the top manager manages everyone, themself included
        ("top", "manager", True),
        ("top", "user", True),
        ("manager", "comanager", True),
        ("manager", "user", True),
        ("manager", "manager", False),
        ("manager", "top", False),
        ("comanager", "supervisor", True),
        ("comanager", "manager", False),
        ("comanager", "comanager", False),
        ("supervisor", "user", False),  # ranks higher, but lacks manage_users
        ("user", "user", False),
        ("top", "other-user", False),  # another group
        ("other-top", "user", False),
    ],
)
def test_may_manage(app: Flask, people: People, actor: str, target: str, allowed: bool) -> None:
    with app.app_context():
        assert may_manage(people.user(actor), people.user(target)) is allowed


def test_an_inactive_manager_manages_nobody(app: Flask, people: People) -> None:
    with app.app_context():
        manager = people.user("manager")
        manager.active = False
        assert not may_manage(manager, people.user("user"))


@pytest.mark.parametrize(
    ("actor", "assignable"),
    [
        ("top", {"User", "Supervisor", "Co-manager", "Manager", "Top manager"}),
        ("manager", {"User", "Supervisor", "Co-manager"}),
        ("comanager", {"User", "Supervisor"}),
        ("supervisor", set()),
        ("user", set()),
    ],
)
def test_may_assign(app: Flask, people: People, actor: str, assignable: set[str]) -> None:
    with app.app_context():
        user = people.user(actor)
        roles = db.session.get(Group, people.group_id).roles
        assert {role.name for role in roles if may_assign(user, role)} == assignable
        other_roles = db.session.get(Group, people.other_group_id).roles
        assert not any(may_assign(user, role) for role in other_roles)


@pytest.mark.parametrize(
    ("actor", "editable"),
    [
        ("top", {"User", "Supervisor", "Co-manager", "Manager"}),
        ("manager", {"User", "Supervisor", "Co-manager"}),
        ("comanager", set()),  # lacks manage_roles
        ("user", set()),
    ],
)
def test_may_edit_rights(app: Flask, people: People, actor: str, editable: set[str]) -> None:
    with app.app_context():
        user = people.user(actor)
        roles = db.session.get(Group, people.group_id).roles
        assert {role.name for role in roles if may_edit_rights(user, role)} == editable


def test_every_right_is_described() -> None:
    from timetracker.messages import RIGHT_DESCRIPTIONS

    assert set(RIGHT_DESCRIPTIONS) == {right.value for right in Right}
