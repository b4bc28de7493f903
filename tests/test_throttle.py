"""Throttling of the password step, the code step and resends (429 with a time to try again)."""

from __future__ import annotations

import os
import re
import time
import types
from typing import Any

import limits.storage.memory
import limits.strategies
import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import (
    ENROLLED_RECOVERY_CODES,
    PASSWORD,
    BrowserClient,
    People,
    SmtpSink,
    audit_trail,
    code_at,
    enroll_app,
    new_client,
    read_code,
    reset_link,
    wrong_code,
)
from timetracker.extensions import db
from timetracker.models import OutboxMessage

REDIS_URL_VARIABLE = "TIMETRACKER_TEST_REDIS_URL"


@pytest.fixture
def limiter_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Let a test move the time the in-memory rate limits see."""

    class FakeTime(types.SimpleNamespace):
        offset = 0.0

        def time(self) -> float:
            return time.time() + self.offset

        def move(self, seconds: float) -> None:
            self.offset += seconds

    fake = FakeTime()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    monkeypatch.setattr(limits.strategies, "time", fake)
    return fake


def client_at(app: Flask, address: str) -> BrowserClient:
    """Return a client whose requests come from ``address``."""
    client = new_client(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    assert "Too many attempts." in response.text
    assert re.search(r"Try again in \d+ (seconds|minutes) \(at \d\d:\d\d UTC\)\.", response.text)
    assert int(response.headers["Retry-After"]) > 0


# --- the password step ----------------------------------------------------------------------------


def test_one_address_guessing_one_account_is_stopped(app: Flask, people: People) -> None:
    attacker = client_at(app, "203.0.113.5")
    for _ in range(10):
        assert attacker.login("top", "guess").status_code == 200
    assert_throttled(attacker.login("top", "guess"))
    assert_throttled(attacker.login("top", PASSWORD))  # even the right password waits


def test_the_account_owner_elsewhere_is_not_locked_out(app: Flask, people: People) -> None:
    attacker = client_at(app, "203.0.113.5")
    for _ in range(11):
        attacker.login("top", "guess")
    owner = client_at(app, "198.51.100.7")
    assert owner.login("top").location == "/"


def test_the_lock_lifts_after_the_window(app: Flask, people: People, limiter_clock: Any) -> None:
    attacker = client_at(app, "203.0.113.5")
    for _ in range(11):
        attacker.login("top", "guess")
    assert attacker.login("top").status_code == 429
    limiter_clock.move(15 * 60 + 1)
    assert attacker.login("top").location == "/"


def test_one_address_trying_many_accounts_is_stopped(make_app: Any, people: People) -> None:
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="5 per minute")
    attacker = client_at(app, "203.0.113.9")
    for number in range(5):
        attacker.login(f"someone{number}", "guess")
    assert_throttled(attacker.login("someone-else", "guess"))


def test_many_addresses_failing_on_one_account_lock_it_for_the_window(
    make_app: Any, people: People, limiter_clock: Any
) -> None:
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="5 per 15 minutes")
    for number in range(5):
        client_at(app, f"203.0.113.{number}").login("user", "guess")
    assert_throttled(client_at(app, "198.51.100.7").login("user"))
    limiter_clock.move(15 * 60 + 1)
    assert client_at(app, "198.51.100.7").login("user").location == "/"


def test_successful_logins_do_not_count_against_the_account(make_app: Any, people: People) -> None:
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    for number in range(5):
        client = client_at(app, f"198.51.100.{number}")
        assert client.login("user").location == "/"


# --- the code step and resends -------------------------------------------------------------------------


def test_wrong_codes_are_throttled_per_account(make_app: Any, people: People, smtp: SmtpSink) -> None:
    app = make_app(**{"2FA_LIMIT_PER_ACCOUNT": "3 per 15 minutes"})
    people.require_group_2fa()
    client = client_at(app, "198.51.100.7")
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    wrong = wrong_code(code)
    for _ in range(3):
        assert "Invalid 2FA code." in client.submit("/2fa", {"code": wrong, "password": PASSWORD}).text
    assert_throttled(client.submit("/2fa", {"code": code, "password": PASSWORD}))


def test_wrong_codes_count_once_per_user_in_the_browser_and_the_api(make_app: Any, people: People) -> None:
    """One count per user for every way to the second step, and the try that ends a login counts."""
    app = make_app(**{"2FA_LIMIT_PER_ACCOUNT": "6 per 15 minutes"})
    secret = enroll_app(app)
    wrong = wrong_code(code_at(secret))
    browser = client_at(app, "198.51.100.7")
    browser.login("user")
    for _ in range(4):
        assert "Invalid authentication code." in browser.submit("/2fa", {"code": wrong}).text
    assert browser.submit("/2fa", {"code": wrong}).location == "/login"  # the fifth ends the login
    api: Any = client_at(app, "198.51.100.8")
    pending = api.post("/api/v1/auth/login", json={"login": "user", "password": PASSWORD}).json["pending"]
    assert api.post("/api/v1/auth/2fa", json={"pending": pending, "code": wrong}).status_code == 401
    throttled = api.post("/api/v1/auth/2fa", json={"pending": pending, "code": code_at(secret)})
    assert throttled.status_code == 429 and throttled.json["error"] == "rate_limited"


def test_the_password_step_counts_once_for_the_browser_and_the_api(make_app: Any, people: People) -> None:
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    browser, api = client_at(app, "198.51.100.7"), client_at(app, "198.51.100.8")
    assert browser.login("top", "guess").status_code == 200
    assert browser.login("top", "guess").status_code == 200
    assert api.post("/api/v1/auth/login", json={"login": "top", "password": "guess"}).status_code == 401
    assert api.post("/api/v1/auth/login", json={"login": "top", "password": PASSWORD}).status_code == 429


def test_reset_codes_count_against_the_user_of_the_link(
    make_app: Any, people: People, smtp: SmtpSink
) -> None:
    """A client without the link's pending step cannot guess under someone else's count."""
    app = make_app(**{"2FA_LIMIT_PER_ACCOUNT": "3 per 15 minutes"})
    secret = enroll_app(app)
    wrong = wrong_code(code_at(secret))
    client_at(app, "198.51.100.7").submit("/password/forgot", {"identity": "user"})
    link = reset_link(smtp, "jane@example.com")
    guesser = client_at(app, "203.0.113.5")
    # Without opening the link first, a posted code starts nothing and checks nothing.
    assert guesser.submit(f"{link}/verify", {"code": wrong}).location == link
    for _ in range(3):
        fresh = client_at(app, "203.0.113.5")
        fresh.get(link)
        assert "Invalid authentication code." in fresh.submit(f"{link}/verify", {"code": wrong}).text
    owner = client_at(app, "198.51.100.7")
    owner.get(link)
    assert_throttled(owner.submit(f"{link}/verify", {"code": code_at(secret)}))


def test_a_reset_link_emails_a_limited_number_of_codes(make_app: Any, people: People, smtp: SmtpSink) -> None:
    app = make_app(RESET_LINK_LIMIT="3 per 15 minutes")
    people.require_group_2fa()
    client_at(app, "198.51.100.7").submit("/password/forgot", {"identity": "user"})
    link = reset_link(smtp, "jane@example.com")
    for _ in range(3):
        assert "2FA code" in client_at(app, "203.0.113.5").get(link).text  # each a new browser: a new code
    assert_throttled(client_at(app, "203.0.113.5").get(link))
    for _ in range(3):  # HEAD is a GET without the body: it counts with GET, and mails nothing more
        assert client_at(app, "203.0.113.5").head(link).status_code == 429
    read_code(smtp, "jane@example.com", nth=3)
    with app.app_context():
        codes = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.purpose == "2fa code")
        )
    assert codes == 3


def test_registering_is_throttled_per_address(make_app: Any) -> None:
    app = make_app(REGISTER_LIMIT_PER_ADDRESS="2 per hour")
    client = client_at(app, "198.51.100.7")
    for number in range(2):
        form = {
            "group_name": f"Team {number}",
            "manager_name": "Ann",
            "login": f"ann{number}",
            "password": "good password",
            "confirm": "good password",
            "email": "",
        }
        assert client.submit("/register", form).status_code == 302
        client.submit("/logout")
    assert_throttled(client.submit("/register", {**form, "login": "ann9"}))


def test_resend_waits_a_minute(app: Flask, people: People, smtp: SmtpSink, limiter_clock: Any) -> None:
    people.require_group_2fa()
    client = client_at(app, "198.51.100.7")
    client.login("user")
    assert client.submit("/2fa/resend", headers={"Referer": "http://localhost/2fa"}).location == "/2fa"
    response = client.submit("/2fa/resend", headers={"Referer": "http://localhost/2fa"})
    assert_throttled(response)
    assert '<a href="/2fa">Back</a>' in response.text
    limiter_clock.move(61)
    assert client.submit("/2fa/resend").location == "/2fa"
    assert len(smtp.wait_for(3)) == 3


def test_resend_at_most_five_times_in_15_minutes(
    app: Flask, people: People, smtp: SmtpSink, limiter_clock: Any
) -> None:
    people.require_group_2fa()
    client = client_at(app, "198.51.100.7")
    client.login("user")
    for _ in range(5):
        assert client.submit("/2fa/resend").location == "/2fa"
        limiter_clock.move(61)
    assert_throttled(client.submit("/2fa/resend"))
    limiter_clock.move(15 * 60)
    assert client.submit("/2fa/resend").location == "/2fa"


def test_gets_are_never_throttled(make_app: Any, people: People) -> None:
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="2 per minute")
    client = client_at(app, "198.51.100.7")
    for _ in range(10):
        assert client.get("/login").status_code == 200


# --- a logged-in user giving their password again ---------------------------------------------------


def _confirmations(people: People) -> dict[str, tuple[str, dict[str, str], str]]:
    """Every form where a logged-in user gives their password again: url, other fields, password field."""
    new = "a brand new password"
    return {
        "profile": (
            "/profile",
            {"profile-name": "Jane", "profile-email": "j@example.com"},
            "profile-current_password",
        ),
        "password": (
            "/profile/password",
            {"password-new_password": new, "password-confirm": new},
            "password-current_password",
        ),
        "confirm": ("/profile/security/confirm-password", {}, "password"),
        "disable": ("/profile/security/disable", {}, "disable-password"),
        "recovery codes": ("/profile/security/recovery-codes", {}, "codes-password"),
        "2FA reset": (f"/users/{people.ids['supervisor']}/reset-2fa", {}, "reset-password"),
    }


def _confirm(client: BrowserClient, people: People, form: str, password: str) -> Any:
    url, fields, password_field = _confirmations(people)[form]
    return client.submit(url, {**fields, password_field: password})


@pytest.mark.parametrize("form", ["profile", "password", "confirm", "disable", "recovery codes", "2FA reset"])
def test_every_password_confirmation_is_throttled(make_app: Any, people: People, form: str) -> None:
    app = make_app(PASSWORD_CONFIRMATION_LIMIT="1 per 15 minutes")
    login = "manager" if form == "2FA reset" else "user"
    if form in ("disable", "recovery codes", "2FA reset"):
        enroll_app(app, "supervisor" if form == "2FA reset" else login)
    client = client_at(app, "198.51.100.7")
    client.login(login)
    if form in ("disable", "recovery codes"):
        assert client.submit("/2fa/recovery", {"code": ENROLLED_RECOVERY_CODES[0]}).location == "/"
    refused = _confirm(client, people, form, "guess")
    assert refused.status_code == 200 and 'class="error"' in refused.text
    assert audit_trail(app)[-1] == ("password confirmation failed", login, None)
    assert_throttled(_confirm(client, people, form, PASSWORD))  # even the right password waits


def test_wrong_passwords_count_across_forms_and_only_for_their_user(make_app: Any, people: People) -> None:
    app = make_app(PASSWORD_CONFIRMATION_LIMIT="3 per 15 minutes")
    thief = client_at(app, "203.0.113.5")
    thief.login("user")
    for form in ("profile", "password", "confirm"):
        assert _confirm(thief, people, form, "guess").status_code == 200
    assert_throttled(_confirm(thief, people, "profile", "guess"))
    owner_elsewhere = client_at(app, "198.51.100.7")
    owner_elsewhere.login("user")
    assert_throttled(_confirm(owner_elsewhere, people, "profile", PASSWORD))  # the account is what counts
    manager = client_at(app, "203.0.113.5")
    manager.login("manager")
    assert _confirm(manager, people, "profile", PASSWORD).status_code == 302
    events = [event for event, actor, _ in audit_trail(app) if actor == "user"]
    assert events.count("password confirmation failed") == 3


def test_right_passwords_do_not_count(make_app: Any, people: People) -> None:
    app = make_app(PASSWORD_CONFIRMATION_LIMIT="2 per 15 minutes")
    client = client_at(app, "198.51.100.7")
    client.login("user")
    for _ in range(5):
        assert _confirm(client, people, "profile", PASSWORD).location == "/profile"


def test_a_form_error_beside_a_right_password_does_not_count(make_app: Any, people: People) -> None:
    app = make_app(PASSWORD_CONFIRMATION_LIMIT="1 per 15 minutes")
    client = client_at(app, "198.51.100.7")
    client.login("user")
    for _ in range(3):
        response = client.submit(
            "/profile/password",
            {
                "password-current_password": PASSWORD,
                "password-new_password": "short",
                "password-confirm": "other",
            },
        )
        assert response.status_code == 200 and 'class="error"' in response.text
    assert _confirm(client, people, "profile", PASSWORD).location == "/profile"


def test_anonymous_posts_go_to_the_login_uncounted(make_app: Any, people: People) -> None:
    app = make_app(PASSWORD_CONFIRMATION_LIMIT="1 per 15 minutes")
    client = client_at(app, "198.51.100.7")
    token = client.csrf_token()
    for _ in range(3):
        response = client.post(
            "/profile/security/disable", data={"csrf_token": token, "disable-password": "x"}
        )
        assert response.status_code == 302 and response.location.startswith("/login")


# --- shared storage ------------------------------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get(REDIS_URL_VARIABLE), reason=f"{REDIS_URL_VARIABLE} is not set")
def test_limits_are_kept_in_redis_when_configured(make_app: Any, people: People) -> None:
    import redis

    url = os.environ[REDIS_URL_VARIABLE]
    address = f"2001:db8::{os.getpid():x}:{time.monotonic_ns() % 65536:x}"  # keys of this test only
    app = make_app(RATELIMIT_STORAGE_URI=url)
    attacker = client_at(app, address)
    for _ in range(10):
        attacker.login("top", "guess")
    assert_throttled(attacker.login("top", "guess"))
    connection = redis.Redis.from_url(url)
    try:
        assert connection.keys(f"*{address}*")
    finally:
        for key in connection.scan_iter(f"*{address}*"):
            connection.delete(key)
        connection.close()


def test_behind_a_proxy_the_forwarded_address_is_throttled(make_app: Any, people: People) -> None:
    app = make_app(PROXY_FIX_X_FOR=1)
    proxy = client_at(app, "10.0.0.1")
    attacker = {"X-Forwarded-For": "203.0.113.5"}
    owner = {"X-Forwarded-For": "198.51.100.7"}
    for _ in range(10):
        proxy.submit("/login", {"login": "top", "password": "guess"}, headers=attacker)
    assert_throttled(proxy.submit("/login", {"login": "top", "password": "guess"}, headers=attacker))
    assert proxy.submit("/login", {"login": "top", "password": PASSWORD}, headers=owner).location == "/"


def test_without_proxy_fix_forwarded_headers_are_ignored(app: Flask, people: People) -> None:
    client = client_at(app, "203.0.113.5")
    for number in range(10):
        client.submit(
            "/login", {"login": "top", "password": "guess"}, headers={"X-Forwarded-For": f"10.1.1.{number}"}
        )
    assert_throttled(client.submit("/login", {"login": "top", "password": "guess"}))
