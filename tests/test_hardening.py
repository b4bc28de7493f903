"""Security headers, the session cookie, password hashing, and secrets kept out of logs."""

from __future__ import annotations

import logging
import re
import urllib.request
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from tests.conftest import (
    PASSWORD,
    BrowserClient,
    People,
    SmtpSink,
    code_at,
    enroll_app,
    new_client,
    read_code,
    session_copy,
)
from timetracker.extensions import db
from timetracker.security import passwords

EXPECTED_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_hardened(response: Any) -> None:
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, name
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'self'" in policy and "default-src 'self'" in policy


def test_every_kind_of_page_has_the_headers(app: Flask, client: BrowserClient, people: People) -> None:
    pages = [client.get("/login"), client.get("/no/such/page"), client.post("/login", data={})]
    with client.get("/static/style.css") as stylesheet:
        pages.append(stylesheet)
    pages.append(client.get("/api/v1/openapi.json"))
    pages.append(client.get("/api/v1/me"))
    client.login("user")
    pages += [client.get("/"), client.get("/users"), client.get("/profile/security")]
    client.submit("/logout")
    client.login("top")
    pages += [client.get("/group/members"), client.get("/group/members.csv"), client.get("/group/audit")]
    for _ in range(10):
        client_at_limit = client.submit("/login", {"login": "x", "password": "y"})
    pages.append(client_at_limit)
    kinds = {response.status_code for response in pages}
    assert {200, 302, 400, 401, 404}.issubset(kinds)
    for response in pages:
        assert_hardened(response)


def test_the_2fa_status_frame_may_be_framed_by_our_pages_only(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    client.login("user")
    frame = client.get("/2fa/status")
    assert_hardened(frame)
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_pages_are_not_cached_but_static_files_may_be(client: BrowserClient, people: People) -> None:
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    with client.get("/static/style.css") as stylesheet:
        assert "no-store" not in stylesheet.headers.get("Cache-Control", "")


# --- the session cookie -------------------------------------------------------------------------


def session_cookie(response: Any) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_session_cookie_flags_over_http(client: BrowserClient, people: People) -> None:
    cookie = session_cookie(client.login("user"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app: Flask, people: People) -> None:
    client = new_client(app)
    form = {"csrf_token": client.csrf_token(), "login": "user", "password": PASSWORD}
    response = client.post(
        "/login", data=form, base_url="https://localhost", headers={"Referer": "https://localhost/login"}
    )
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_secure_can_be_forced(make_app: Any, people: People) -> None:
    client = new_client(make_app(SESSION_COOKIE_SECURE=True))
    assert "Secure" in session_cookie(client.get("/login"))


def test_behind_a_tls_proxy_the_cookie_is_secure(make_app: Any, people: People) -> None:
    client = new_client(make_app(PROXY_FIX_X_FOR=1))
    response = client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Secure" in session_cookie(response)


def test_every_session_cookie_has_the_flags(client: BrowserClient, people: People) -> None:
    responses = [client.get("/login"), client.login("user"), client.get("/"), client.submit("/logout")]
    for response in responses:
        for cookie in response.headers.getlist("Set-Cookie"):
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


# --- passwords ---------------------------------------------------------------------------------------


def count_slow_hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    check, generate = passwords.check_password_hash, passwords.generate_password_hash

    def counted_check(*args: Any, **kwargs: Any) -> bool:
        calls.append("check")
        return check(*args, **kwargs)

    def counted_generate(*args: Any, **kwargs: Any) -> str:
        calls.append("generate")
        return generate(*args, **kwargs)

    monkeypatch.setattr(passwords, "check_password_hash", counted_check)
    monkeypatch.setattr(passwords, "generate_password_hash", counted_generate)
    return calls


def test_a_login_lasts_the_session_lifetime_however_busy_it_is(
    client: BrowserClient, people: People, moving_clock: Any
) -> None:
    """Flask renews the cookie on each request; the login still ends after 12 hours."""
    client.login("user")
    for _ in range(11):
        moving_clock.move(hours=1)
        assert client.get("/").status_code == 200
    moving_clock.move(hours=1)
    assert client.get("/").location.startswith("/login")


def test_a_cookie_copied_before_logout_dies_at_logout(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("user")
    copy = session_copy(app, client)
    assert copy.get("/").status_code == 200
    client.submit("/logout")
    assert copy.get("/").location.startswith("/login")  # the session ended on the server, for every copy


def test_a_full_emailed_code_login_costs_one_password_hash(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    people.require_group_2fa()
    calls = count_slow_hashes(monkeypatch)
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    assert client.submit("/2fa", {"code": code, "password": PASSWORD}).location == "/"
    assert calls == ["check"]


def test_the_second_password_check_still_refuses_a_wrong_password(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    assert "Incorrect login or password." in client.submit("/2fa", {"code": code, "password": "not it"}).text


def test_a_password_changed_while_pending_voids_the_first_step(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    app.test_cli_runner().invoke(args=["user", "set-password", "user", "--password", "set by the operator"])
    assert client.submit("/2fa", {"code": code, "password": PASSWORD}).location == "/login"
    assert client.get("/").status_code == 302


def test_a_password_change_ends_a_login_waiting_for_the_app(
    app: Flask, client: BrowserClient, people: People
) -> None:
    """Whoever knew the old password and got as far as the app's code must start again."""
    secret = enroll_app(app)
    assert client.login("user").location == "/2fa"
    owner = new_client(app)
    owner.login("user")
    owner.submit("/2fa", {"code": code_at(secret)})
    new = "a brand new password"
    owner.submit(
        "/profile/password",
        {"password-current_password": PASSWORD, "password-new_password": new, "password-confirm": new},
    )
    assert client.submit("/2fa", {"code": code_at(secret, 1)}).location == "/login"
    assert client.get("/").status_code == 302


def test_old_hashes_are_upgraded_at_login(app: Flask, client: BrowserClient, people: People) -> None:
    with app.app_context():
        people.user("user").password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:2000")
        db.session.commit()
    assert client.login("user").location == "/"
    with app.app_context():
        stored = people.user("user").password_hash
    assert stored.startswith("pbkdf2:sha256:1000$")  # the method the tests configure
    client.submit("/logout")
    assert client.login("user").location == "/"


def test_werkzeug_default_is_the_production_method(make_app: Any, people: People) -> None:
    app = make_app(PASSWORD_HASH_METHOD=None)
    with app.app_context():
        people.user("user").password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:2000")
        db.session.commit()
    assert new_client(app).login("user").location == "/"
    with app.app_context():
        assert people.user("user").password_hash.startswith("scrypt:")


# --- logs ---------------------------------------------------------------------------------------------


def test_reset_tokens_do_not_reach_the_access_log(
    live_server: str, people: People, smtp: SmtpSink, caplog: pytest.LogCaptureFixture, app: Flask
) -> None:
    from timetracker.security import reset_tokens

    caplog.set_level(logging.INFO)
    with app.app_context():
        token = reset_tokens.make(people.user("user"))
    with urllib.request.urlopen(f"{live_server}/password/reset/{token}") as response:
        assert response.status == 200
    access = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/password/reset/[redacted]" in line for line in access)
    assert not any(token in line for line in access)


def test_nothing_secret_in_the_logs_of_api_and_reset(
    app: Flask, people: People, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    people.require_group_2fa()
    api = new_client(app)
    pending = api.post("/api/v1/auth/login", json={"login": "user", "password": PASSWORD}).json["pending"]
    code = read_code(smtp, "jane@example.com")
    token = api.post("/api/v1/auth/2fa", json={"pending": pending, "code": code, "password": PASSWORD}).json[
        "token"
    ]
    ours = "\n".join(record.getMessage() for record in caplog.records if record.name != "mail.log")
    for secret in (PASSWORD, code, pending, token, token.removeprefix("tt_")):
        assert secret not in ours
    assert re.search(r"INSERT INTO api_tokens", ours)  # the SQL log was on, and still holds no values
