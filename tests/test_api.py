"""The JSON sign-in API for mobile and desktop clients."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from tests.conftest import (
    API,
    PASSWORD,
    People,
    SmtpSink,
    api_login,
    assert_error,
    audit_trail,
    code_at,
    edit_form,
    enroll_app,
    new_client,
    read_code,
    token_for,
    wrong_code,
)
from timetracker import messages
from timetracker.extensions import db
from timetracker.models import ApiToken, UserSession


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return new_client(app)


def me(api: FlaskClient, token: str) -> Any:
    return api.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})


# --- without a second factor --------------------------------------------------------------------


def test_login_me_and_logout(app: Flask, api: FlaskClient, people: People) -> None:
    response = api_login(api, "user")
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["token"].startswith("tt_") and body["expires_at"]
    who = me(api, body["token"])
    assert who.status_code == 200
    assert who.json["user"] == {
        "id": people.ids["user"],
        "login": "user",
        "name": "Jane User",
        "email": "jane@example.com",
    }
    assert who.json["group"]["name"] == "Acme" and who.json["role"] == {"name": "User", "rank": 4}
    assert who.json["rights"] == ["manage_own_settings", "track_own_time", "view_own_reports"]
    assert ("login", "user", None) in audit_trail(app)
    out = api.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {body['token']}"})
    assert out.status_code == 204
    assert_error(me(api, body["token"]), 401, "invalid_token")
    assert audit_trail(app)[-1] == ("API token revoked", "user", None)


def test_wrong_password(api: FlaskClient, people: People) -> None:
    assert_error(api_login(api, "user", "wrong"), 401, "invalid_credentials", "Incorrect login or password.")
    assert_error(api_login(api, "nobody"), 401, "invalid_credentials", "Incorrect login or password.")


def test_tokens_are_stored_hashed(app: Flask, api: FlaskClient, people: People) -> None:
    token = token_for(api, "user")
    with app.app_context():
        stored = repr(db.session.execute(text("SELECT * FROM api_tokens")).all())
    assert token not in stored and token.removeprefix("tt_") not in stored


def test_no_cookies_in_the_api(app: Flask, api: FlaskClient, people: People) -> None:
    response = api_login(api, "user")
    assert "Set-Cookie" not in response.headers
    browser = new_client(app)
    browser.login("user")
    assert_error(browser.get(f"{API}/me"), 401, "invalid_token")  # a browser session is no API login


# --- tokens that stop working ---------------------------------------------------------------------------


def test_expired_token(api: FlaskClient, people: People, frozen_clock: Any) -> None:
    token = token_for(api, "user")
    frozen_clock.move(days=29)
    assert me(api, token).status_code == 200
    frozen_clock.move(days=1, seconds=1)
    assert_error(me(api, token), 401, "invalid_token")


def test_token_lifetime_is_configurable(make_app: Any, people: People, frozen_clock: Any) -> None:
    api = new_client(make_app(API_TOKEN_TTL=60))
    token = token_for(api, "user")
    frozen_clock.move(seconds=61)
    assert me(api, token).status_code == 401


def test_deactivation_revokes_tokens(app: Flask, api: FlaskClient, people: People) -> None:
    token = token_for(api, "user")
    manager = new_client(app)
    manager.login("manager")
    manager.submit(f"/users/{people.ids['user']}/edit", edit_form(people, "user", active=None))
    assert_error(me(api, token), 401, "invalid_token")


def test_password_change_revokes_tokens(app: Flask, api: FlaskClient, people: People) -> None:
    token = token_for(api, "user")
    browser = new_client(app)
    browser.login("user")
    browser.submit(
        "/profile/password",
        {
            "password-current_password": PASSWORD,
            "password-new_password": "another password",
            "password-confirm": "another password",
        },
    )
    assert_error(me(api, token), 401, "invalid_token")


def test_2fa_reset_revokes_tokens(app: Flask, api: FlaskClient, people: People) -> None:
    secret = enroll_app(app, "user")
    pending = api_login(api, "user").json["pending"]
    token = api.post(f"{API}/auth/2fa", json={"pending": pending, "code": code_at(secret)}).json["token"]
    assert me(api, token).status_code == 200
    app.test_cli_runner().invoke(args=["user", "reset-2fa", "user"])
    assert_error(me(api, token), 401, "invalid_token")


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearer tt_not-a-token", "Token x"]
)
def test_bad_authorization_headers(api: FlaskClient, people: People, header: str) -> None:
    response = api.get(f"{API}/me", headers={"Authorization": header} if header else {})
    assert_error(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- with an emailed code ------------------------------------------------------------------------------


def test_emailed_code_login(app: Flask, api: FlaskClient, people: People, smtp: SmtpSink) -> None:
    people.require_group_2fa()
    response = api_login(api, "user")
    assert response.status_code == 200
    assert response.json["second_factor"] == "email" and "token" not in response.json
    code = read_code(smtp, "jane@example.com")
    pending = response.json["pending"]
    assert_error(api.post(f"{API}/auth/2fa", json={"pending": pending, "code": code}), 400, "invalid_request")
    done = api.post(f"{API}/auth/2fa", json={"pending": pending, "code": code, "password": PASSWORD})
    assert done.status_code == 200 and me(api, done.json["token"]).status_code == 200
    assert_error(
        api.post(f"{API}/auth/2fa", json={"pending": pending, "code": code, "password": PASSWORD}),
        401,
        "invalid_pending",
    )


def test_emailed_code_with_a_wrong_password(
    app: Flask, api: FlaskClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    pending = api_login(api, "user").json["pending"]
    code = read_code(smtp, "jane@example.com")
    response = api.post(f"{API}/auth/2fa", json={"pending": pending, "code": code, "password": "wrong"})
    assert_error(response, 401, "invalid_credentials")


def test_no_email_is_a_4xx_with_the_message(
    app: Flask, api: FlaskClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    assert_error(api_login(api, "noemail"), 403, "no_email", "No email associated with this login.")
    assert smtp.messages == []


def test_top_manager_overrides_in_the_api_too(app: Flask, api: FlaskClient, people: People) -> None:
    people.require_group_2fa()
    assert "token" in api_login(api, "top").json
    assert ("2FA override used", "top", None) in audit_trail(app)


def test_wrong_codes_and_the_sixth_try(app: Flask, api: FlaskClient, people: People, smtp: SmtpSink) -> None:
    people.require_group_2fa()
    pending = api_login(api, "user").json["pending"]
    code = read_code(smtp, "jane@example.com")
    wrong = wrong_code(code)
    for _ in range(4):
        response = api.post(f"{API}/auth/2fa", json={"pending": pending, "code": wrong, "password": PASSWORD})
        assert_error(response, 401, "invalid_code", "Invalid 2FA code.")
    fifth = api.post(f"{API}/auth/2fa", json={"pending": pending, "code": wrong, "password": PASSWORD})
    assert_error(fifth, 401, "start_again")
    sixth = api.post(f"{API}/auth/2fa", json={"pending": pending, "code": code, "password": PASSWORD})
    assert_error(sixth, 401, "invalid_pending")


def test_a_browser_pending_login_is_not_an_api_one(app: Flask, api: FlaskClient, people: People) -> None:
    people.require_group_2fa()
    browser = new_client(app)
    browser.login("user")
    with browser.session_transaction() as session:
        browser_token = session["pending_login"]
    response = api.post(
        f"{API}/auth/2fa", json={"pending": browser_token, "code": "123456", "password": PASSWORD}
    )
    assert_error(response, 401, "invalid_pending")


# --- with an authenticator ----------------------------------------------------------------------------------


def test_authenticator_login(app: Flask, api: FlaskClient, people: People, smtp: SmtpSink) -> None:
    secret = enroll_app(app, "user")
    response = api_login(api, "user")
    assert response.json["second_factor"] == "authenticator"
    code = code_at(secret)
    done = api.post(f"{API}/auth/2fa", json={"pending": response.json["pending"], "code": code})
    assert done.status_code == 200 and "token" in done.json
    again = api.post(
        f"{API}/auth/2fa", json={"pending": api_login(api, "user").json["pending"], "code": code}
    )
    assert_error(again, 401, "invalid_code")  # the same code works once
    assert smtp.messages == []


# --- bad requests -------------------------------------------------------------------------------------------


BAD_BODIES = [
    ("raw", "not json"),
    ("raw", "{"),
    ("raw", ""),
    ("json", []),
    ("json", "a string"),
    ("json", 42),
    ("json", None),
    ("json", {}),
    ("json", {"login": 1, "password": "x"}),
    ("json", {"login": "user", "password": ["x"]}),
    ("json", {"login": "user", "password": None}),
    ("json", {"login": "", "password": "x"}),
    ("json", {"login": "user", "password": "x" * 1001}),
    ("json", {"login": {"$ne": None}, "password": "x"}),
]


@pytest.mark.parametrize(("kind", "body"), BAD_BODIES)
@pytest.mark.parametrize("path", ["/auth/login", "/auth/2fa"])
def test_malformed_bodies_get_400(api: FlaskClient, people: People, path: str, kind: str, body: Any) -> None:
    if kind == "raw":
        response = api.post(f"{API}{path}", data=body, content_type="application/json")
    else:
        response = api.post(f"{API}{path}", json=body)
    assert_error(response, 400, "invalid_request")


# JSON may escape half of a UTF-16 pair ("\ud800"): such a string is not text and cannot be encoded.
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/auth/login", '{"login": "user", "password": "\\ud800"}', "password"),
        ("/auth/login", '{"login": "\\udfff", "password": "x"}', "login"),
        ("/auth/2fa", '{"pending": "\\ud800", "code": "123456"}', "pending"),
        ("/auth/2fa", '{"pending": "x", "code": "123456", "password": "a\\udc00"}', "password"),
    ],
)
def test_lone_surrogates_get_400(api: FlaskClient, people: People, path: str, body: str, field: str) -> None:
    response = api.post(f"{API}{path}", data=body, content_type="application/json")
    assert_error(response, 400, "invalid_request", messages.API_NOT_TEXT.format(name=field))


# PostgreSQL refuses text with a NUL byte: none may reach a query.
@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/auth/login", {"login": "us\x00er", "password": PASSWORD}, 401, "invalid_credentials"),
        ("/auth/login", {"login": "user", "password": "correct\x00horse"}, 401, "invalid_credentials"),
        ("/auth/2fa", {"pending": "x\x00", "code": "123456"}, 401, "invalid_pending"),
    ],
)
def test_nul_bytes_are_a_failed_login(
    api: FlaskClient, people: People, path: str, body: dict[str, str], status: int, code: str
) -> None:
    assert_error(api.post(f"{API}{path}", json=body), status, code)


def test_form_bodies_get_400(api: FlaskClient, people: People) -> None:
    assert_error(
        api.post(f"{API}/auth/login", data={"login": "user", "password": PASSWORD}), 400, "invalid_request"
    )


def test_unknown_paths_and_methods_answer_json(api: FlaskClient) -> None:
    assert_error(api.get(f"{API}/nothing-here"), 404, "not_found")
    assert_error(api.get(f"{API}/auth/login"), 405, "method_not_allowed")


def test_throttling_answers_json(api: FlaskClient, people: People) -> None:
    for _ in range(10):
        api_login(api, "user", "guess")
    response = api_login(api, "user", "guess")
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0


def test_openapi_description(api: FlaskClient) -> None:
    spec = api.get(f"{API}/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/auth/login",
        "/auth/2fa",
        "/me",
        "/auth/logout",
        "/projects",
        "/time-entries",
        "/time-entries/{entry_id}",
        "/timer",
        "/timer/start",
        "/timer/stop",
        "/reports",
    }


def test_api_tokens_table_is_clean_after_logout(app: Flask, api: FlaskClient, people: People) -> None:
    token = token_for(api, "user")
    api.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"})
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None  # the token went with its session
        assert db.session.scalar(select(UserSession)) is None


def test_token_use_is_noted(app: Flask, api: FlaskClient, people: People, frozen_clock: Any) -> None:
    token = token_for(api, "user")
    frozen_clock.move(minutes=2)
    me(api, token)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row is not None and row.session.kind == "api"
        assert row.session.last_seen_at == frozen_clock.now()
