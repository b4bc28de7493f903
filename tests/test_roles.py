"""The roles pages: rights of lower roles, granted only by someone who holds them."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.conftest import BrowserClient, People, audit_trail
from timetracker.extensions import db
from timetracker.models import Role
from timetracker.rights import Right


def rights_of(app: Flask, people: People, role_name: str, group_id: int | None = None) -> set[str]:
    with app.app_context():
        role = db.session.get(Role, people.role_id(role_name, group_id))
        return {right.value for right in role.rights}


def role_url(app: Flask, people: People, role_name: str, group_id: int | None = None) -> str:
    with app.app_context():
        return f"/roles/{people.role_id(role_name, group_id)}/edit"


def ticked(rights: set[str]) -> dict[str, str]:
    return {right: "y" for right in rights}


@pytest.mark.parametrize(
    ("login", "status"), [("top", 200), ("manager", 200), ("comanager", 403), ("user", 403)]
)
def test_roles_page_needs_manage_roles(
    client: BrowserClient, people: People, login: str, status: int
) -> None:
    client.login(login)
    assert client.get("/roles").status_code == status


def test_role_form_has_one_labelled_checkbox_per_right(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("manager")
    page = client.get(role_url(app, people, "Co-manager")).text
    for right in Right:
        assert f'for="{right.value}"' in page and f"<span>{right.value}</span>" in page
    # The manager does not hold override_2fa: its box is shown but cannot be ticked.
    assert "disabled" in checkbox(page, "override_2fa")
    assert "disabled" not in checkbox(page, "manage_users")


def checkbox(page: str, name: str) -> str:
    """Return the <input> tag of a checkbox."""
    match = re.search(rf'<input[^>]*id="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


def test_manager_changes_rights_of_a_lower_role(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("manager")
    new_rights = rights_of(app, people, "Supervisor") - {"view_users"} | {"manage_basic_settings"}
    response = client.submit(role_url(app, people, "Supervisor"), ticked(new_rights))
    assert response.status_code == 302 and response.location == "/roles"
    assert rights_of(app, people, "Supervisor") == new_rights
    assert audit_trail(app)[-1] == ("rights of a role changed", "manager", None)


def test_manager_cannot_grant_a_right_they_lack(app: Flask, client: BrowserClient, people: People) -> None:
    before = rights_of(app, people, "Co-manager")
    client.login("manager")
    response = client.submit(role_url(app, people, "Co-manager"), ticked(before | {"override_2fa"}))
    assert response.status_code == 403
    assert rights_of(app, people, "Co-manager") == before


def test_only_the_top_manager_grants_override_2fa(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    wanted = rights_of(app, people, "Manager") | {"override_2fa"}
    assert client.submit(role_url(app, people, "Manager"), ticked(wanted)).status_code == 302
    assert "override_2fa" in rights_of(app, people, "Manager")


def test_rights_the_editor_lacks_are_left_alone(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    with_override = rights_of(app, people, "Co-manager") | {"override_2fa"}
    client.submit(role_url(app, people, "Co-manager"), ticked(with_override))
    client.submit("/logout")
    client.login("manager")
    # The manager's browser cannot send the disabled override_2fa box.
    response = client.submit(
        role_url(app, people, "Co-manager"), ticked(with_override - {"override_2fa", "view_users"})
    )
    assert response.status_code == 302
    assert rights_of(app, people, "Co-manager") == with_override - {"view_users"}


@pytest.mark.parametrize(
    ("login", "role"), [("manager", "Manager"), ("manager", "Top manager"), ("top", "Top manager")]
)
def test_roles_not_below_the_editor_cannot_be_changed(
    app: Flask, client: BrowserClient, people: People, login: str, role: str
) -> None:
    before = rights_of(app, people, role)
    client.login(login)
    url = role_url(app, people, role)
    assert client.get(url).status_code == 403
    assert client.submit(url, ticked(before - {"view_users"})).status_code == 403
    assert rights_of(app, people, role) == before


def test_roles_of_another_group_are_not_found(app: Flask, client: BrowserClient, people: People) -> None:
    before = rights_of(app, people, "User", people.other_group_id)
    client.login("top")
    url = role_url(app, people, "User", people.other_group_id)
    assert client.get(url).status_code == 404
    assert client.submit(url, {}).status_code == 404
    assert rights_of(app, people, "User", people.other_group_id) == before


def test_roles_list_shows_this_group(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("manager")
    page = client.get("/roles").text
    assert "Co-manager" in page and "override_2fa" in page
    assert page.count("/edit") == 3  # User, Supervisor, Co-manager
