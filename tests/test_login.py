"""Logging in and out with login and password."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import PASSWORD, BrowserClient, People, audit_trail
from timetracker.extensions import db


def test_login_page_has_labelled_fields(client: BrowserClient) -> None:
    page = client.get("/login").text
    assert '<label for="login">Login</label>' in page
    assert '<label for="password">Password</label>' in page
    assert 'value="Log in"' in page


def test_login_lands_on_the_start_page(app: Flask, client: BrowserClient, people: People) -> None:
    response = client.login("user")
    assert response.status_code == 302
    assert response.location == "/"
    page = client.get("/").text
    assert "Jane User" in page and "Acme" in page and "User" in page
    with app.app_context():
        assert people.user("user").last_login_at is not None
    assert audit_trail(app)[-1] == ("login", "user", None)


def test_login_ignores_case_and_spaces_of_the_login(client: BrowserClient, people: People) -> None:
    assert client.login("  USER ").location == "/"


@pytest.mark.parametrize(
    ("login", "password"),
    [("user", "wrong password"), ("nobody", PASSWORD), ("nobody", "wrong password")],
)
def test_wrong_login_or_password_gives_one_generic_error(
    client: BrowserClient, people: People, login: str, password: str
) -> None:
    response = client.login(login, password)
    assert response.status_code == 200
    assert "Incorrect login or password." in response.text
    assert password not in response.text
    assert client.get("/").status_code == 302


def test_inactive_user_gets_the_generic_error(app: Flask, client: BrowserClient, people: People) -> None:
    with app.app_context():
        people.user("user").active = False
        db.session.commit()
    response = client.login("user")
    assert "Incorrect login or password." in response.text
    assert client.get("/").status_code == 302


def test_failed_logins_are_audited_without_the_password(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("user", "Tr0ub4dor&3")
    client.login("nobody", "hunter2-guess")
    trail = audit_trail(app)
    assert trail[-2:] == [("login failed", None, "user"), ("login failed", None, None)]
    from timetracker.models import AuditEvent

    with app.app_context():
        stored = repr([row.details for row in db.session.scalars(db.select(AuditEvent))])
    assert "Tr0ub4dor&3" not in stored and "hunter2-guess" not in stored


@pytest.mark.parametrize("path", ["/", "/users", "/users/new", "/roles", "/profile"])
def test_pages_behind_the_login_redirect_to_it(client: BrowserClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_logout_is_a_post(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    assert client.get("/logout").status_code == 405
    response = client.submit("/logout")
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/").status_code == 302
    assert audit_trail(app)[-1] == ("logout", "user", None)


def test_login_starts_a_fresh_session(client: BrowserClient, people: People) -> None:
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.login("user")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_deactivated_user_is_logged_out_at_once(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    assert client.get("/").status_code == 200
    with app.app_context():
        people.user("user").active = False
        db.session.commit()
    assert client.get("/").status_code == 302


def test_logged_in_user_visiting_login_goes_home(client: BrowserClient, people: People) -> None:
    client.login("user")
    assert client.get("/login").location == "/"
