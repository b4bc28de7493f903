"""The membership rules called directly, as the command line and later the API call them."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import PASSWORD, People, audit_trail
from timetracker.errors import FieldError, PermissionDenied
from timetracker.rights import Right
from timetracker.services import membership


def test_add_user_without_password_is_refused(app: Flask, people: People) -> None:
    with app.app_context():
        details = membership.UserDetails("Pat", "pat", None, people.role_id("User"), True, None)
        with pytest.raises(FieldError) as refused:
            membership.add_user(people.user("manager"), people.user("manager").group, details)
    assert refused.value.field == "password"


def test_add_user_into_another_group_is_refused(app: Flask, people: People) -> None:
    with app.app_context():
        manager = people.user("manager")
        other_group = people.user("other-top").group
        details = membership.UserDetails(
            "Pat", "pat", None, people.role_id("User", people.other_group_id), True, "long password"
        )
        with pytest.raises(PermissionDenied):
            membership.add_user(manager, other_group, details)


def test_saving_unchanged_rights_records_nothing(app: Flask, people: People) -> None:
    before = audit_trail(app)
    with app.app_context():
        role = people.user("user").role
        membership.set_role_rights(people.user("manager"), role, role.rights)
    assert audit_trail(app) == before


def test_operator_may_not_leave_a_group_without_top_manager(app: Flask, people: People) -> None:
    with app.app_context():
        top = people.user("top")
        details = membership.UserDetails(top.name, top.login, top.email, top.role_id, False, None)
        with pytest.raises(FieldError) as refused:
            membership.edit_user(None, top, details)
    assert refused.value.field == "active"


def test_inactive_top_managers_do_not_count(app: Flask, people: People) -> None:
    with app.app_context():
        top, manager = people.user("top"), people.user("manager")
        top_role = top.role_id
        membership.edit_user(
            top,
            manager,
            membership.UserDetails(manager.name, manager.login, manager.email, top_role, False, None),
            current_password=PASSWORD,
        )
        with pytest.raises(FieldError):
            membership.edit_user(
                top,
                top,
                membership.UserDetails(top.name, top.login, top.email, people.role_id("Manager"), True, None),
            )


def test_rights_of_a_role_are_a_set_of_rights(app: Flask, people: People) -> None:
    with app.app_context():
        role = people.user("user").role
        assert role.rights == frozenset(
            {Right.TRACK_OWN_TIME, Right.VIEW_OWN_REPORTS, Right.MANAGE_OWN_SETTINGS}
        )
