"""Editing yourself on the users page follows the profile's rules: the current password, and mail."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import (
    PASSWORD,
    BrowserClient,
    People,
    audit_trail,
    edit_form,
    new_client,
    stop_sender,
    user_form,
)
from timetracker.extensions import db
from timetracker.models import OutboxMessage, User, UserSession


def own_form(people: People, **changes: Any) -> dict[str, Any]:
    """Return Tara Top's own row on the users page as it stands, with ``changes``."""
    return edit_form(people, "top", **changes)


def stored(app: Flask) -> tuple[Any, ...]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login == "top"))
        sessions = db.session.scalar(select(func.count()).where(UserSession.user_id == user.id))
        return (user.name, user.email, user.password_hash, sessions)


def mail_to(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.recipient, row.subject) for row in rows]


def test_own_row_asks_for_the_current_password(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    page = client.get(f"/users/{people.ids['top']}/edit").text
    assert '<label for="current_password">Current password</label>' in page
    other = client.get(f"/users/{people.ids['manager']}/edit").text
    assert "Making someone a top manager" in other  # a top manager can make one: the field is there too
    manager = new_client(app)
    manager.login("manager")
    below = manager.get(f"/users/{people.ids['user']}/edit").text
    assert 'id="current_password"' not in below  # a manager makes no top manager


def test_a_new_password_for_yourself_needs_the_current_one(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("top")
    before = stored(app)
    for current in ("", "wrong password"):
        form = own_form(people, password="taken over 123", confirm="taken over 123", current_password=current)
        response = client.submit(f"/users/{people.ids['top']}/edit", form)
        assert response.status_code == 200
        assert "The current password is not correct." in response.text
    assert stored(app) == before
    assert mail_to(app) == []
    assert audit_trail(app)[-1] == ("password confirmation failed", "top", None)


def test_a_new_email_for_yourself_needs_the_current_password(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("top")
    before = stored(app)
    response = client.submit(f"/users/{people.ids['top']}/edit", own_form(people, email="thief@evil.example"))
    assert "The current password is not correct." in response.text
    assert stored(app) == before


def test_with_the_current_password_the_change_is_made_and_mailed(
    app: Flask, client: BrowserClient, people: People
) -> None:
    other_browser = app.test_client()
    other_browser.login("top")
    client.login("top")
    form = own_form(
        people,
        password="a new password 1",
        confirm="a new password 1",
        email="tara@example.com",
        current_password=PASSWORD,
    )
    assert client.submit(f"/users/{people.ids['top']}/edit", form).location == "/users"
    assert client.get("/users").status_code == 200  # this session carries on
    assert other_browser.get("/").location.startswith("/login")  # the others end
    assert sorted(mail_to(app)) == [
        ("tara@example.com", "The email of your Time Tracker login was changed"),
        ("tara@example.com", "Your Time Tracker password was changed"),
        ("top@example.com", "The email of your Time Tracker login was changed"),
    ]


def test_stepping_down_needs_no_password(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    with app.app_context():
        top_role = people.role_id("Top manager")
        promote = edit_form(people, "manager", role_id=top_role, current_password=PASSWORD)
        manager_role = people.role_id("Manager")
    assert client.submit(f"/users/{people.ids['manager']}/edit", promote).status_code == 302
    step_down = own_form(people, role_id=manager_role)
    assert client.submit(f"/users/{people.ids['top']}/edit", step_down).status_code == 302
    with app.app_context():
        assert people.user("top").role.name == "Manager"


def test_a_manager_changing_someone_tells_them(app: Flask, client: BrowserClient, people: People) -> None:
    stop_sender(app)  # the body is read from the outbox, which empties it once delivered
    client.login("manager")
    form = edit_form(people, "user", password="a new password 1", confirm="a new password 1")
    assert client.submit(f"/users/{people.ids['user']}/edit", form).location == "/users"
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage)).one().body_text
    assert "changed by Mia Manager" in body


# --- what would hand a stolen session a top manager's login -------------------------------------------


def test_a_new_top_manager_needs_the_current_password(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("top")
    with app.app_context():
        top_role = people.role_id("Top manager")
    refused = client.submit("/users/new", user_form(people, role_id=top_role))
    assert refused.status_code == 200 and "The current password is not correct." in refused.text
    assert "nora" not in logins(app)
    added = client.submit("/users/new", user_form(people, role_id=top_role, current_password=PASSWORD))
    assert added.location == "/users" and "nora" in logins(app)


def test_making_someone_top_manager_needs_the_current_password(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("top")
    with app.app_context():
        top_role = people.role_id("Top manager")
    refused = client.submit(f"/users/{people.ids['user']}/edit", edit_form(people, "user", role_id=top_role))
    assert refused.status_code == 200 and "The current password is not correct." in refused.text
    with app.app_context():
        assert people.user("user").role.name == "User"


def test_another_top_managers_login_details_need_the_current_password(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("top")
    with app.app_context():
        top_role = people.role_id("Top manager")
    promote = edit_form(people, "manager", role_id=top_role, current_password=PASSWORD)
    assert client.submit(f"/users/{people.ids['manager']}/edit", promote).location == "/users"
    takeover = edit_form(
        people, "manager", email="thief@evil.example", password="taken over 1", confirm="taken over 1"
    )
    refused = client.submit(f"/users/{people.ids['manager']}/edit", takeover)
    assert refused.status_code == 200 and "The current password is not correct." in refused.text
    with app.app_context():
        assert people.user("manager").email == "manager@example.com"
    deactivate = edit_form(people, "manager", active=None)  # no login detail changes: no password asked
    assert client.submit(f"/users/{people.ids['manager']}/edit", deactivate).location == "/users"


def logins(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.login)))
