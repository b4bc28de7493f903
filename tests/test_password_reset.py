"""Password reset by email, which asks for the second factor before a new password is set."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import itsdangerous.timed
import pytest
import werkzeug.security
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.conftest import (
    ENROLLED_RECOVERY_CODES,
    PASSWORD,
    RESET_LINK,
    BrowserClient,
    People,
    SmtpSink,
    assert_labels,
    at_once,
    audit_trail,
    code_at,
    enroll_app,
    mail_queued,
    new_client,
    read_code,
    reset_link,
    stop_sender,
    wrong_code,
)
from timetracker.extensions import db
from timetracker.security import passwords

ANSWER = "If that login exists, an email is on its way."
INVALID = "This password reset link is invalid, has expired or was used already."
NEW_PASSWORD = "a brand new password"


def ask_for_link(client: BrowserClient, identity: str) -> Any:
    return client.submit("/password/forgot", {"identity": identity})


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements ``engine`` runs inside the block."""
    statements: list[str] = []

    def remember(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def set_password(client: BrowserClient, link: str, password: str = NEW_PASSWORD) -> Any:
    return client.submit(link, {"new_password": password, "confirm": password})


def can_log_in(app: Flask, login: str, password: str) -> bool:
    return new_client(app).login(login, password).status_code == 302


# --- asking for a link ---------------------------------------------------------------------------


def test_login_page_links_to_the_forgot_page(client: BrowserClient) -> None:
    assert '<a href="/password/forgot">Forgot password?</a>' in client.get("/login").text
    assert_labels(client.get("/password/forgot").text, {"identity": "Email, or Login"})


# The last two hold a NUL byte, which PostgreSQL refuses in a query: it must not reach one.
@pytest.mark.parametrize(
    "identity",
    [
        "user",
        "JANE@example.com",
        "nobody",
        "nobody@example.com",
        "noemail",
        "jane\x00@example.com",
        "us\x00er",
    ],
)
def test_every_request_gets_the_same_answer(client: BrowserClient, people: People, identity: str) -> None:
    response = ask_for_link(client, identity)
    assert response.status_code == 302 and response.location == "/password/forgot"
    assert ANSWER in client.get("/password/forgot").text


def test_known_and_unknown_logins_cost_the_same_kind_of_work(
    make_app: Any, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither answer does slow work a stopwatch could tell apart: no password hash, no SMTP.

    Both are a few quick queries; the email goes out later from the outbox.
    """
    app = make_app(RESET_LIMIT_PER_ACCOUNT="100 per minute", RESET_LIMIT_PER_ADDRESS="100 per minute")
    client = new_client(app)
    token = client.csrf_token()
    stop_sender(app)  # from here on, an SMTP conversation could only come from the request itself

    def slow_work(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a reset request did slow work")

    for module in (werkzeug.security, passwords):
        monkeypatch.setattr(module, "check_password_hash", slow_work)
        monkeypatch.setattr(module, "generate_password_hash", slow_work)
    monkeypatch.setattr(smtplib.SMTP, "connect", slow_work)

    def statements_for(identity: str) -> int:
        with app.app_context(), count_statements(db.engine) as statements:
            response = client.post("/password/forgot", data={"csrf_token": token, "identity": identity})
        assert response.status_code == 302 and response.location == "/password/forgot"
        return len(statements)

    known, unknown = statements_for("user"), statements_for("nobody")
    assert known <= 12 and unknown <= 12, (known, unknown)
    assert known - unknown <= 3  # the queued email, and the role and group named in the audit row


def test_the_email_holds_a_link(client: BrowserClient, people: People, smtp: SmtpSink, app: Flask) -> None:
    ask_for_link(client, "user")
    body = smtp.wait_for(1)[0].get_body(("plain",)).get_content()
    assert "within 60 minutes" in body and RESET_LINK.search(body)
    assert audit_trail(app)[-1] == ("password reset requested", None, "user")


def test_links_use_the_base_url_when_set(make_app: Any, people: People, smtp: SmtpSink) -> None:
    app = make_app(BASE_URL="https://tt.example.com/")
    ask_for_link(new_client(app), "user")
    body = smtp.wait_for(1)[0].get_body(("plain",)).get_content()
    assert "https://tt.example.com/password/reset/" in body and "localhost" not in body


def test_no_email_for_unknown_or_inactive_or_address_less_users(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    with app.app_context():
        people.user("manager").active = False
        db.session.commit()
    for identity in ["nobody", "noemail", "manager"]:
        ask_for_link(client, identity)
    assert mail_queued(app) == []  # nothing queued, so nothing sent


# --- the link ---------------------------------------------------------------------------------------


def test_reset_without_a_second_factor(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    assert_labels(client.get(link).text, {"new_password": "New password", "confirm": "Confirm password"})
    response = set_password(client, link)
    assert response.location == "/login"
    assert "Your password was changed. Log in with your new password." in client.get("/login").text
    assert client.get("/").status_code == 302  # the reset did not log in
    assert can_log_in(app, "user", NEW_PASSWORD) and not can_log_in(app, "user", PASSWORD)
    assert ("password reset completed", None, "user") in audit_trail(app)
    assert smtp.wait_for(2)[-1]["Subject"] == "Your Time Tracker password was changed"


def test_the_link_works_once(client: BrowserClient, people: People, smtp: SmtpSink) -> None:
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    set_password(client, link)
    response = client.get(link)
    assert response.status_code == 400 and INVALID in response.text
    assert set_password(client, link, "yet another password").status_code == 400


def test_the_same_link_sent_twice_at_once_sets_one_password(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    browsers = [new_client(app), new_client(app)]
    for browser in browsers:
        assert "New password" in browser.get(link).text
    passwords_sent = ["first new password", "second new password"]
    answers = at_once(2, lambda index: set_password(browsers[index], link, passwords_sent[index]).status_code)
    assert sorted(answers) == [302, 400]
    winner = passwords_sent[answers.index(302)]
    assert [can_log_in(app, "user", password) for password in passwords_sent] == [
        password == winner for password in passwords_sent
    ]
    assert audit_trail(app).count(("password reset completed", None, "user")) == 1


def test_a_password_change_voids_older_links(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    app.test_cli_runner().invoke(args=["user", "set-password", "user", "--password", "changed meanwhile"])
    assert client.get(link).status_code == 400


def test_an_email_change_voids_the_links_sent_to_the_old_address(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    owner = new_client(app)
    owner.login("user")
    changed = owner.submit(
        "/profile",
        {
            "profile-name": "Jane User",
            "profile-email": "jane@new.example",
            "profile-current_password": PASSWORD,
        },
    )
    assert changed.status_code == 302, changed.text
    response = client.get(link)
    assert response.status_code == 400 and INVALID in response.text
    assert set_password(client, link).status_code == 400 and can_log_in(app, "user", PASSWORD)


def test_an_expired_link(
    client: BrowserClient, people: People, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    later = int(time.time()) + 3601
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
    assert client.get(link).status_code == 400


@pytest.mark.parametrize("damage", ["flip", "truncate", "other-salt"])
def test_a_tampered_link(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink, damage: str
) -> None:
    ask_for_link(client, "user")
    token = reset_link(smtp, "jane@example.com").rsplit("/", 1)[1]
    if damage == "flip":
        token = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    elif damage == "truncate":
        token = token[:-5]
    else:  # the same payload signed for another purpose
        with app.app_context():
            token = itsdangerous.URLSafeTimedSerializer(
                app.config["SECRET_KEY"], salt="wtf-csrf-token"
            ).dumps(
                itsdangerous.URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="x").loads_unsafe(token)[1]
            )
    assert client.get(f"/password/reset/{token}").status_code == 400


def test_a_2fa_code_is_no_reset_token_and_the_reverse(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    assert client.get(f"/password/reset/{code}").status_code == 400
    other = new_client(app)
    ask_for_link(other, "user")
    token = reset_link(smtp, "jane@example.com").rsplit("/", 1)[1]
    refused = client.submit("/2fa", {"code": token, "password": PASSWORD})
    assert refused.status_code == 200 and 'class="error"' in refused.text
    assert client.get("/").status_code == 302


# --- the second factor comes first ----------------------------------------------------------------------


def test_a_user_with_an_app_gives_its_code_first(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    secret = enroll_app(app)
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    page = client.get(link).text
    assert '<label for="code">Authentication code</label>' in page and "New password" not in page
    assert 'href="' + link + '/recovery">Need help?</a>' in page
    blocked = set_password(client, link)  # the new password is refused until the code is given
    assert "New password" not in blocked.text and can_log_in(app, "user", PASSWORD)
    wrong = wrong_code(code_at(secret))
    assert "Invalid authentication code." in client.submit(f"{link}/verify", {"code": wrong}).text
    assert client.submit(f"{link}/verify", {"code": code_at(secret)}).location == link
    assert "New password" in client.get(link).text
    assert set_password(client, link).location == "/login"
    assert client.get("/").status_code == 302
    # Logging in still needs the app.
    assert new_client(app).login("user", NEW_PASSWORD).location == "/2fa"


def test_a_user_with_an_app_may_give_a_recovery_code(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    enroll_app(app)
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    client.get(link)
    assert '<label for="code">Recovery code</label>' in client.get(f"{link}/recovery").text
    assert "Invalid recovery code." in client.submit(f"{link}/recovery", {"code": "zzzz-zzzz-zzzz"}).text
    assert client.submit(f"{link}/recovery", {"code": ENROLLED_RECOVERY_CODES[0]}).location == link
    assert set_password(client, link).location == "/login"


def test_a_group_2fa_user_gets_an_emailed_code_first(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    page = client.get(link).text
    assert '<label for="code">2FA code</label>' in page and "New password" not in page
    code = read_code(smtp, "jane@example.com")
    assert "to reset your password" in smtp.to("jane@example.com")[-1].get_body(("plain",)).get_content()
    assert "Invalid 2FA code." in client.submit(f"{link}/verify", {"code": wrong_code(code)}).text
    assert client.submit(f"{link}/verify", {"code": code}).location == link
    assert set_password(client, link).location == "/login"
    assert new_client(app).login("user", NEW_PASSWORD).location == "/2fa"


def test_a_factor_given_for_one_link_does_not_open_another(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = enroll_app(app)
    ask_for_link(client, "user")
    first = reset_link(smtp, "jane@example.com")
    client.get(first)
    client.submit(f"{first}/verify", {"code": code_at(secret)})
    later = int(time.time()) + 5  # a link made later differs (links of the same second are the same)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
    other = new_client(app)
    ask_for_link(other, "user")
    second = reset_link(smtp, "jane@example.com", nth=2)
    assert second != first
    assert "New password" not in client.get(second).text


def test_a_reset_ends_the_users_sessions(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    logged_in = new_client(app)
    logged_in.login("user")
    ask_for_link(client, "user")
    set_password(client, reset_link(smtp, "jane@example.com"))
    assert logged_in.get("/").status_code == 302


def test_new_password_must_be_acceptable(
    client: BrowserClient, people: People, smtp: SmtpSink, app: Flask
) -> None:
    ask_for_link(client, "user")
    link = reset_link(smtp, "jane@example.com")
    assert "Use at least 8 characters." in set_password(client, link, "short").text
    mismatch = client.submit(link, {"new_password": NEW_PASSWORD, "confirm": "other"})
    assert "The passwords do not match." in mismatch.text
    assert can_log_in(app, "user", PASSWORD)


# --- throttling ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", ["user", "nobody"])
def test_requests_are_throttled_per_login_the_same_for_unknown_ones(
    app: Flask, people: People, identity: str
) -> None:
    for number in range(3):
        client = new_client(app)
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
        assert ask_for_link(client, identity).status_code == 302
    last = new_client(app)
    last.environ_base["REMOTE_ADDR"] = "198.51.100.99"
    assert ask_for_link(last, identity).status_code == 429


def test_requests_are_throttled_per_address(app: Flask, client: BrowserClient, people: People) -> None:
    for number in range(5):
        assert ask_for_link(client, f"someone{number}").status_code == 302
    assert ask_for_link(client, "someone-else").status_code == 429


def test_reset_and_2fa_mails_do_not_block_each_other(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    client.login("user")
    read_code(smtp, "jane@example.com")
    client.submit("/2fa/resend")
    assert client.submit("/2fa/resend").status_code == 429  # 2FA resends used up for now
    other = new_client(app)
    for _ in range(3):
        ask_for_link(other, "user")
    reset_link(smtp, "jane@example.com", nth=3)  # reset mails still go out
    assert ask_for_link(other, "user").status_code == 429  # reset requests used up for now
    third = new_client(app)
    third.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert third.login("user").location == "/2fa"
    read_code(smtp, "jane@example.com", nth=3)  # and 2FA codes still go out
