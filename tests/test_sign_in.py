"""One way into the second factor and one way out: the holes two requests at once used to open,
and sessions and tokens that no longer meet the rule when it asks for more."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import (
    PASSWORD,
    AppClock,
    BrowserClient,
    People,
    SmtpSink,
    at_once,
    audit_trail,
    code_at,
    enroll_app,
    new_client,
    read_code,
    session_copy,
    start_enrollment,
    wrong_code,
)
from timetracker.extensions import db
from timetracker.models import ApiToken, AuditEvent, PendingLogin, UserSession

API = "/api/v1"


def api_login(app: Flask, who: str) -> Any:
    """Log ``who`` in through the API from a client of its own, with the right password."""
    return new_client(app).post(f"{API}/auth/login", json={"login": who, "password": PASSWORD})


def api_pending(app: Flask, who: str) -> str:
    """Start an API login of ``who`` (group 2FA on) and return the pending token."""
    response = api_login(app, who)
    assert response.status_code == 200 and response.json["second_factor"] == "email", response.json
    return response.json["pending"]


def api_code(app: Flask, pending: str, code: str) -> Any:
    return new_client(app).post(
        f"{API}/auth/2fa", json={"pending": pending, "code": code, "password": PASSWORD}
    )


def count_events(app: Flask, event: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.event == event))


def me(app: Flask, token: str) -> int:
    return new_client(app).get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code


# --- tries and single use under concurrency ---------------------------------------------------------


def test_wrong_codes_two_at_a_time_judge_exactly_five(app: Flask, people: People, smtp: SmtpSink) -> None:
    people.require_group_2fa()
    pending = api_pending(app, "user")
    real = read_code(smtp, "jane@example.com")
    wrong = wrong_code(real)
    answers = []
    for _ in range(6):
        answers += at_once(2, lambda _: api_code(app, pending, wrong))
    assert all(answer.status_code == 401 for answer in answers), [a.status_code for a in answers]
    errors = Counter(answer.json["error"] for answer in answers)
    assert errors == {"invalid_code": 4, "start_again": 1, "invalid_pending": 7}
    assert count_events(app, "2FA code failed") == 5
    assert count_events(app, "2FA code voided") == 1
    assert api_code(app, pending, real).json["error"] == "invalid_pending"


def test_the_right_code_four_times_at_once_gives_one_token(
    app: Flask, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    pending = api_pending(app, "user")
    code = read_code(smtp, "jane@example.com")
    answers = at_once(4, lambda _: api_code(app, pending, code))
    assert sorted(answer.status_code for answer in answers) == [200, 401, 401, 401]
    assert {answer.json["error"] for answer in answers if answer.status_code == 401} == {"invalid_pending"}
    with app.app_context():
        assert db.session.scalar(select(func.count(ApiToken.id))) == 1
        assert db.session.scalar(select(func.count(PendingLogin.id))) == 0
    assert [event for event, _, _ in audit_trail(app)].count("login") == 1


def test_a_double_submitted_code_logs_the_browser_in_once(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    client.login("user")
    form = {
        "csrf_token": client.csrf_token(),
        "password": PASSWORD,
        "code": read_code(smtp, "jane@example.com"),
    }
    twins = [session_copy(app, client) for _ in range(2)]
    answers = at_once(2, lambda index: twins[index].post("/2fa", data=form))
    locations = sorted(answer.location for answer in answers)
    assert locations in (["/", "/"], ["/", "/login"])  # the loser ran after the winner, or beside it
    assert [event for event, _, _ in audit_trail(app)].count("login") == 1
    # The loser leaves the browser's cookie as the winner set it: it sends none of its own.
    cookies = [answer.headers.getlist("Set-Cookie") for answer in answers]
    assert sum(any(cookie.startswith("session=") for cookie in sent) for sent in cookies) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(UserSession.id))) == 1  # one session, not two


# --- sessions and tokens that did not pass the factor the rule now asks for -------------------------


def switch_group_2fa_on(client: BrowserClient) -> Any:
    form = {"name": "Acme", "description": "", "two_factor": "y", "confirm_no_email": "y"}
    return client.submit("/group/advanced", form)


def test_switching_group_2fa_on_ends_password_only_sessions_and_tokens(
    app: Flask, client: BrowserClient, people: People
) -> None:
    token = api_login(app, "user").json["token"]
    browser = new_client(app)
    browser.login("user")
    manager_elsewhere = new_client(app)
    manager_elsewhere.login("manager")
    top = new_client(app)
    top.login("top")
    assert me(app, token) == 200 and browser.get("/").status_code == 200

    client.login("manager")
    assert switch_group_2fa_on(client).location == "/group/advanced"

    assert me(app, token) == 401
    assert browser.get("/").location.startswith("/login")
    assert manager_elsewhere.get("/").location.startswith("/login")
    assert client.get("/group/advanced").status_code == 200  # the browser that switched it on
    assert top.get("/").status_code == 200  # override_2fa: the password alone is still enough


def test_sessions_that_gave_the_emailed_code_survive_the_switch_off_and_on(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    browser = new_client(app)
    browser.login("user")
    browser.submit("/2fa", {"password": PASSWORD, "code": read_code(smtp, "jane@example.com")})
    client.login("top")
    client.submit("/group/advanced", {"name": "Acme", "description": ""})  # off
    switch_group_2fa_on(client)
    assert browser.get("/").status_code == 200


def test_adding_an_app_keeps_only_the_session_that_added_it(
    app: Flask, client: BrowserClient, people: People
) -> None:
    token = api_login(app, "user").json["token"]
    other_browser = new_client(app)
    other_browser.login("user")
    client.login("user")
    secret, _, _ = start_enrollment(client)
    confirmed = client.submit("/profile/security/enable", {"code": code_at(secret)})
    assert confirmed.location == "/profile/security"

    assert client.get("/profile/security").status_code == 200
    assert other_browser.get("/").location.startswith("/login")
    assert me(app, token) == 401


def test_a_new_app_ends_what_the_old_app_let_in(
    app: Flask, client: BrowserClient, people: People, step_clock: AppClock
) -> None:
    """A thief who logged in with the old app's code (a copied phone) loses it when the owner re-enrolls."""
    old_secret = enroll_app(app, "user")
    thief = new_client(app)
    thief.login("user")
    assert thief.submit("/2fa", {"code": code_at(old_secret)}).location == "/"
    step_clock.move(seconds=30)
    pending = api_login(app, "user").json["pending"]
    answer = new_client(app).post(f"{API}/auth/2fa", json={"pending": pending, "code": code_at(old_secret)})
    thiefs_token = answer.json["token"]
    assert thief.get("/").status_code == 200 and me(app, thiefs_token) == 200

    step_clock.move(seconds=30)
    client.login("user")
    client.submit("/2fa", {"code": code_at(old_secret)})
    disabled = client.submit("/profile/security/disable", {"disable-password": PASSWORD})
    assert disabled.location == "/profile/security"
    assert thief.get("/").location.startswith("/login")  # disabling ended the old app's sessions ...
    assert me(app, thiefs_token) == 401  # ... and tokens
    assert client.get("/profile/security").status_code == 200  # but not the owner's own

    assert thief.login("user").location == "/"  # the app is off: the password alone lets in, until ...
    new_secret, _, _ = start_enrollment(client)
    enabled = client.submit("/profile/security/enable", {"code": code_at(new_secret)})
    assert enabled.location == "/profile/security"
    assert thief.get("/").location.startswith("/login")  # ... the new app ends every other session
    assert client.get("/profile/security").status_code == 200


def test_a_pending_emailed_code_stops_counting_once_the_user_adds_an_app(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    waiting = new_client(app)
    waiting.login("user")
    code = read_code(smtp, "jane@example.com")
    enroll_app(app, "user")
    assert waiting.submit("/2fa", {"password": PASSWORD, "code": code}).location == "/login"
    assert waiting.get("/").location.startswith("/login")
