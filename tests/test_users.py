"""The users pages and the rank rule, enforced on the server for every write."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import (
    PASSWORD,
    BrowserClient,
    People,
    assert_labels,
    audit_trail,
    edit_form,
    new_client,
    user_form,
)
from timetracker.extensions import db
from timetracker.models import User


def snapshot(app: Flask, login: str) -> tuple[Any, ...]:
    """Return what is stored of a user, to check that nothing changed."""
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        return (user.name, user.login, user.email, user.role_id, user.active, user.password_hash)


def user_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(User.id)))


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "list_status", "new_status"),
    [
        ("top", 200, 200),
        ("manager", 200, 200),
        ("comanager", 200, 200),
        ("supervisor", 200, 403),
        ("user", 403, 403),
    ],
)
def test_rights_on_user_pages(
    client: BrowserClient, people: People, login: str, list_status: int, new_status: int
) -> None:
    client.login(login)
    assert client.get("/users").status_code == list_status
    assert client.get("/users/new").status_code == new_status


def test_user_list_shows_the_group_only(client: BrowserClient, people: People) -> None:
    client.login("supervisor")
    page = client.get("/users").text
    for text in ["Jane User", "jane@example.com", "Co-manager", "Nick Noemail", "none", "active"]:
        assert text in page
    assert "Otto User" not in page and "Olga Other" not in page


def test_forbidden_page_says_access_denied(client: BrowserClient, people: People) -> None:
    client.login("user")
    response = client.get("/users")
    assert response.status_code == 403 and "Access denied." in response.text


def test_navigation_shows_only_what_the_role_allows(client: BrowserClient, people: People) -> None:
    client.login("user")
    page = client.get("/").text
    assert 'href="/users"' not in page and 'href="/roles"' not in page and 'href="/profile"' in page
    client.submit("/logout")
    client.login("manager")
    page = client.get("/").text
    assert 'href="/users"' in page and 'href="/roles"' in page


def test_user_form_has_the_labels(client: BrowserClient, people: People) -> None:
    client.login("manager")
    page = client.get("/users/new").text
    assert_labels(
        page,
        {
            "name": "Name",
            "login": "Login",
            "password": "Password",
            "confirm": "Confirm password",
            "email": "Email",
            "role_id": "Role",
        },
    )
    assert '<label class="checkbox" for="active">' in page and "<span>Active</span>" in page
    assert 'value="Save"' in page
    # The manager is offered only the roles below Manager.
    assert ">Co-manager</option>" in page and ">Manager</option>" not in page


# --- adding users -------------------------------------------------------------------------------


def test_manager_adds_a_user_who_can_log_in(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("manager")
    response = client.submit("/users/new", user_form(people, login="Nora"))
    assert response.status_code == 302 and response.location == "/users"
    assert "User Nora New was added." in client.get("/users").text
    assert audit_trail(app)[-1] == ("user created", "manager", "nora")
    client.submit("/logout")
    assert client.login("nora", "a good password").location == "/"


def test_new_user_needs_a_password(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("manager")
    response = client.submit("/users/new", user_form(people, password="", confirm=""))
    assert "Use at least 8 characters." in response.text
    assert user_count(app) == 8


def test_a_taken_login_is_refused(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("manager")
    response = client.submit("/users/new", user_form(people, login="Other-User"))
    assert response.status_code == 200 and "This login is already taken." in response.text
    assert user_count(app) == 8


@pytest.mark.parametrize(
    ("actor", "role"), [("manager", "Manager"), ("manager", "Top manager"), ("comanager", "Co-manager")]
)
def test_posting_a_role_ranked_too_high_is_refused(
    app: Flask, client: BrowserClient, people: People, actor: str, role: str
) -> None:
    client.login(actor)
    with app.app_context():
        role_id = people.role_id(role)
    response = client.submit("/users/new", user_form(people, role_id=role_id))
    assert response.status_code == 403
    assert user_count(app) == 8


def test_posting_a_role_of_another_group_is_refused(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("top")
    with app.app_context():
        foreign_role = people.role_id("User", people.other_group_id)
    response = client.submit("/users/new", user_form(people, role_id=foreign_role))
    assert response.status_code == 403
    assert user_count(app) == 8


@pytest.mark.parametrize("role_id", ["999999", "abc", "", "-1"])
def test_posting_a_bogus_role_id_changes_nothing(
    app: Flask, client: BrowserClient, people: People, role_id: str
) -> None:
    client.login("top")
    response = client.submit("/users/new", user_form(people, role_id=role_id))
    assert response.status_code in (200, 403)
    assert user_count(app) == 8


# --- editing users ------------------------------------------------------------------------------


def test_top_manager_assigns_a_missing_email(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    page = client.get(f"/users/{people.ids['noemail']}/edit").text
    assert 'value="Nick Noemail"' in page and 'value="noemail"' in page
    form = edit_form(people, "noemail", email="nick@example.com")
    response = client.submit(f"/users/{people.ids['noemail']}/edit", form)
    assert response.status_code == 302
    with app.app_context():
        assert people.user("noemail").email == "nick@example.com"
    assert audit_trail(app)[-1] == ("user edited", "top", "noemail")


def test_editing_without_a_password_keeps_it(app: Flask, client: BrowserClient, people: People) -> None:
    before = snapshot(app, "user")
    client.login("manager")
    form = edit_form(people, "user", name="Jane Renamed")
    assert client.submit(f"/users/{people.ids['user']}/edit", form).status_code == 302
    after = snapshot(app, "user")
    assert after[0] == "Jane Renamed" and after[5] == before[5]


def test_manager_changes_a_role_and_it_is_audited(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("manager")
    with app.app_context():
        supervisor = people.role_id("Supervisor")
    form = edit_form(people, "user", role_id=supervisor)
    assert client.submit(f"/users/{people.ids['user']}/edit", form).status_code == 302
    assert ("role changed", "manager", "user") in audit_trail(app)


def test_deactivating_a_user_ends_their_access(app: Flask, client: BrowserClient, people: People) -> None:
    victim = new_client(app)
    victim.login("user")
    assert victim.get("/").status_code == 200
    client.login("manager")
    form = edit_form(people, "user", active=None)
    assert "active" not in form
    assert client.submit(f"/users/{people.ids['user']}/edit", form).status_code == 302
    assert victim.get("/").status_code == 302
    assert "Incorrect login or password." in victim.login("user").text
    assert ("user deactivated", "manager", "user") in audit_trail(app)


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("manager", "manager"),
        ("manager", "top"),
        ("comanager", "manager"),
        ("comanager", "comanager"),
        ("supervisor", "user"),
        ("user", "noemail"),
    ],
)
def test_editing_someone_not_ranked_below_is_refused(
    app: Flask, client: BrowserClient, people: People, actor: str, target: str
) -> None:
    before = snapshot(app, target)
    client.login(actor)
    url = f"/users/{people.ids[target]}/edit"
    assert client.get(url).status_code == 403
    form = user_form(people, name="Hijacked", login=target, password="", confirm="", email="x@example.com")
    assert client.submit(url, form).status_code == 403
    assert snapshot(app, target) == before


def test_manager_cannot_promote_someone_above_their_own_rank(
    app: Flask, client: BrowserClient, people: People
) -> None:
    before = snapshot(app, "user")
    client.login("manager")
    with app.app_context():
        top_role = people.role_id("Top manager")
    form = edit_form(people, "user", role_id=top_role)
    assert client.submit(f"/users/{people.ids['user']}/edit", form).status_code == 403
    assert snapshot(app, "user") == before


@pytest.mark.parametrize("target", ["other-user", "other-top"])
def test_users_of_another_group_are_not_found(
    app: Flask, client: BrowserClient, people: People, target: str
) -> None:
    before = snapshot(app, target)
    client.login("top")
    url = f"/users/{people.ids[target]}/edit"
    assert client.get(url).status_code == 404
    assert (
        client.submit(
            url, user_form(people, name="Hijacked", login=target, password="", confirm="")
        ).status_code
        == 404
    )
    assert snapshot(app, target) == before


# --- the last top manager -----------------------------------------------------------------------


def test_last_top_manager_cannot_demote_themself(app: Flask, client: BrowserClient, people: People) -> None:
    before = snapshot(app, "top")
    client.login("top")
    with app.app_context():
        manager_role = people.role_id("Manager")
    response = client.submit(
        f"/users/{people.ids['top']}/edit", edit_form(people, "top", role_id=manager_role)
    )
    assert response.status_code == 200
    assert "You are the last active top manager" in response.text
    assert snapshot(app, "top") == before


def test_last_top_manager_cannot_deactivate_themself(
    app: Flask, client: BrowserClient, people: People
) -> None:
    before = snapshot(app, "top")
    client.login("top")
    response = client.submit(f"/users/{people.ids['top']}/edit", edit_form(people, "top", active=None))
    assert "You are the last active top manager" in response.text
    assert snapshot(app, "top") == before


def test_top_manager_hands_over_then_steps_down(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    with app.app_context():
        top_role, manager_role = people.role_id("Top manager"), people.role_id("Manager")
    promote = edit_form(people, "manager", role_id=top_role, current_password=PASSWORD)
    assert client.submit(f"/users/{people.ids['manager']}/edit", promote).status_code == 302
    step_down = edit_form(people, "top", role_id=manager_role)
    assert client.submit(f"/users/{people.ids['top']}/edit", step_down).status_code == 302
    with app.app_context():
        assert people.user("top").role.name == "Manager"
        assert people.user("manager").role.name == "Top manager"


def test_top_manager_manages_the_whole_group_password_included(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("top")
    form = edit_form(people, "manager", password="new password 1", confirm="new password 1")
    assert client.submit(f"/users/{people.ids['manager']}/edit", form).status_code == 302
    client.submit("/logout")
    assert "Incorrect login or password." in client.login("manager", PASSWORD).text
    assert client.login("manager", "new password 1").location == "/"
