"""Creating a group from the register page."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import BrowserClient, People, audit_trail
from timetracker.extensions import db
from timetracker.models import Group, User

FORM = {
    "group_name": "Blue Team",
    "manager_name": "Bea Boss",
    "login": "Bea",
    "password": "long enough",
    "confirm": "long enough",
    "email": "bea@example.com",
}


def test_register_page_has_the_labels(client: BrowserClient) -> None:
    page = client.get("/register").text
    for field, label in [
        ("group_name", "Group name"),
        ("manager_name", "Manager name"),
        ("login", "Login"),
        ("password", "Password"),
        ("confirm", "Confirm password"),
        ("email", "Email (optional)"),
    ]:
        assert f'<label for="{field}">{label}</label>' in page
    assert 'value="Create group"' in page


def test_register_creates_group_roles_and_top_manager_and_logs_in(app: Flask, client: BrowserClient) -> None:
    response = client.submit("/register", FORM)
    assert response.status_code == 302 and response.location == "/"
    page = client.get("/").text
    assert "Bea Boss" in page and "Blue Team" in page and "Top manager" in page
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert (user.login, user.email, user.role.name) == ("bea", "bea@example.com", "Top manager")
        assert user.password_hash != "long enough"
        group = db.session.scalar(db.select(Group))
        assert [role.name for role in group.roles] == [
            "User",
            "Supervisor",
            "Co-manager",
            "Manager",
            "Top manager",
        ]
    assert [event for event, _, _ in audit_trail(app)] == ["group created", "login"]


def test_register_without_email(app: Flask, client: BrowserClient) -> None:
    assert client.submit("/register", {**FORM, "email": ""}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(User)).email is None


def _group_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Group.id)))


def _refused(app: Flask, client: BrowserClient, form: dict[str, Any]) -> str:
    """Submit the form, check that it came back and that no group was created."""
    before = _group_count(app)
    response = client.submit("/register", form)
    assert response.status_code == 200
    assert _group_count(app) == before
    return response.text


def test_register_refuses_a_taken_login_in_any_case(
    app: Flask, client: BrowserClient, people: People
) -> None:
    page = _refused(app, client, {**FORM, "login": "TOP"})
    assert "This login is already taken." in page


def test_register_refuses_different_passwords(app: Flask, client: BrowserClient) -> None:
    assert "The passwords do not match." in _refused(app, client, {**FORM, "confirm": "something else"})


def test_register_refuses_a_short_password(app: Flask, client: BrowserClient) -> None:
    assert "Use at least 8 characters." in _refused(
        app, client, {**FORM, "password": "short", "confirm": "short"}
    )


def test_registration_can_be_switched_off(make_app: Any) -> None:
    client = make_app(ALLOW_REGISTRATION=False).test_client()
    assert client.get("/register").status_code == 404
    assert client.post("/register", data=FORM).status_code in (400, 404)
    assert "Create group" not in client.get("/login").text
