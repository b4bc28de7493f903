"""The profile: one's own name, email and password."""

from __future__ import annotations

from flask import Flask

from tests.conftest import PASSWORD, BrowserClient, People, audit_trail


def test_profile_has_the_labels(client: BrowserClient, people: People) -> None:
    client.login("user")
    page = client.get("/profile").text
    for field, label in [
        ("profile-name", "Name"),
        ("profile-email", "Email"),
        ("profile-current_password", "Current password"),
        ("password-current_password", "Current password"),
        ("password-new_password", "New password"),
        ("password-confirm", "Confirm password"),
    ]:
        assert f'<label for="{field}">{label}</label>' in page


def test_change_name_and_email(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    form = {
        "profile-name": "Jane Doe",
        "profile-email": "doe@example.com",
        "profile-current_password": PASSWORD,
    }
    response = client.submit("/profile", form)
    assert response.status_code == 302
    with app.app_context():
        user = people.user("user")
        assert (user.name, user.email) == ("Jane Doe", "doe@example.com")
    assert audit_trail(app)[-1] == ("profile changed", "user", None)


def test_profile_change_needs_the_current_password(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    form = {"profile-name": "Jane Doe", "profile-email": "", "profile-current_password": "wrong one"}
    response = client.submit("/profile", form)
    assert response.status_code == 200 and "The current password is not correct." in response.text
    with app.app_context():
        assert people.user("user").name == "Jane User"
    assert audit_trail(app)[-1] == ("password confirmation failed", "user", None)


def test_change_password_keeps_this_session_and_ends_the_others(
    app: Flask, client: BrowserClient, people: People
) -> None:
    other_browser = app.test_client()
    other_browser.login("user")
    client.login("user")
    form = {
        "password-current_password": PASSWORD,
        "password-new_password": "a new secret",
        "password-confirm": "a new secret",
    }
    response = client.submit("/profile/password", form)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_browser.get("/").status_code == 302
    client.submit("/logout")
    assert "Incorrect login or password." in client.login("user", PASSWORD).text
    assert client.login("user", "a new secret").location == "/"
    assert ("password changed", "user", None) in audit_trail(app)


def test_change_password_refuses_a_wrong_current_password(client: BrowserClient, people: People) -> None:
    client.login("user")
    form = {
        "password-current_password": "wrong",
        "password-new_password": "a new secret",
        "password-confirm": "a new secret",
    }
    response = client.submit("/profile/password", form)
    assert "The current password is not correct." in response.text
    client.submit("/logout")
    assert client.login("user").location == "/"


def test_failed_password_change_keeps_the_profile_form_filled(client: BrowserClient, people: People) -> None:
    client.login("user")
    form = {
        "password-current_password": PASSWORD,
        "password-new_password": "a new secret",
        "password-confirm": "different",
    }
    page = client.submit("/profile/password", form).text
    assert "The passwords do not match." in page
    assert 'value="Jane User"' in page
