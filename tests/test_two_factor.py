"""Logging in when the group requires an emailed code (group two-factor authentication)."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import (
    PASSWORD,
    BrowserClient,
    People,
    SmtpSink,
    assert_labels,
    audit_trail,
    found,
    mail_queued,
    new_client,
    read_code,
    wait_for_status,
    wrong_code,
)
from timetracker import clock
from timetracker.extensions import db
from timetracker.models import OutboxMessage, PendingLogin


@pytest.fixture
def group_2fa(app: Flask, people: People) -> People:
    """Switch group two-factor authentication on for Acme."""
    people.require_group_2fa()
    return people


def code_form(code: str, password: str = PASSWORD) -> dict[str, str]:
    return {"code": code, "password": password}


def logged_in(client: BrowserClient) -> bool:
    return client.get("/").status_code == 200


def pending_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count(PendingLogin.id)))


# --- 1. the password comes first --------------------------------------------------------------


def test_wrong_password_sends_nothing(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    response = client.login("user", "wrong password")
    assert response.status_code == 200 and "Incorrect login or password." in response.text
    assert client.get("/2fa").location == "/login"
    assert pending_rows(app) == 0
    assert mail_queued(app) == []
    assert smtp.messages == []


# --- 2. no email, or a code by email ----------------------------------------------------------


def test_user_without_email_is_told_so_and_nothing_is_sent(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    response = client.login("noemail")
    assert response.status_code == 200
    assert (
        '<div class="alert alert-error" role="alert">No email associated with this login.</div>'
        in response.text
    )
    assert not logged_in(client)
    assert client.get("/2fa").location == "/login"
    assert mail_queued(app) == []
    assert audit_trail(app)[-1] == ("login refused: no email for the 2FA code", None, "noemail")


def test_a_wrong_password_for_a_user_without_email_gets_the_generic_error(
    client: BrowserClient, group_2fa: People
) -> None:
    response = client.login("noemail", "wrong password")
    assert "Incorrect login or password." in response.text
    assert "No email associated" not in response.text


def test_right_password_sends_a_code_and_leads_to_2fa(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    response = client.login("user")
    assert response.status_code == 302 and response.location == "/2fa"
    for path in ["/", "/profile", "/users"]:
        assert client.get(path).location.startswith("/login")
    message = smtp.wait_for(1)[0]
    assert message["Subject"] == "Time Tracker two-factor authentication code"
    assert message["To"] == "jane@example.com"
    body = message.get_body(("plain",)).get_content()
    assert re.search(r"^\s+\d{6}\s*$", body, re.MULTILINE)
    assert "valid for 10 minutes" in body and "tell a manager" in body


def test_code_length_follows_the_setting(make_app: Any, people: People, smtp: SmtpSink) -> None:
    app = make_app(**{"2FA_CODE_DIGITS": 8})
    people.require_group_2fa()
    client = new_client(app)
    client.login("user")
    assert re.fullmatch(r"\d{8}", read_code(smtp, "jane@example.com"))


@pytest.mark.parametrize("digits", [5, 11, "six"])
def test_code_length_outside_6_to_10_is_refused(make_app: Any, digits: Any) -> None:
    with pytest.raises(RuntimeError, match="TIMETRACKER_2FA_CODE_DIGITS"):
        make_app(**{"2FA_CODE_DIGITS": digits})


def test_code_is_stored_only_as_a_hash(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    wait_for_status(client, "The code was sent.")  # the sink holds the mail before the sender records it
    with app.app_context():
        pending = db.session.scalar(select(PendingLogin))
        assert code not in (pending.code_hash or "")
        assert len(pending.code_hash or "") == 64
        message = db.session.get(OutboxMessage, pending.code_message_id)
        db.session.refresh(message)
        assert message.status == "sent" and code not in message.body_text and message.body_html is None


# --- 3. the Two Factor Authentication page ------------------------------------------------------


def test_2fa_page_shows_what_the_issue_asks(client: BrowserClient, group_2fa: People) -> None:
    client.login("user")
    page = client.get("/2fa").text
    assert "<title>Two Factor Authentication · Time Tracker</title>" in page
    assert "<h1>Two Factor Authentication</h1>" in page
    assert "Check your email for 2FA code and enter it here." in page
    assert_labels(page, {"login": "Login", "password": "Password", "code": "2FA code"})
    login_input = found(r'<input[^>]*id="login"[^>]*>', page)
    assert "readonly" in login_input and 'value="user"' in login_input
    assert 'value="Log in"' in page and ">Resend code</button>" in page
    assert '<a href="/login">Back to login</a>' in page
    assert "j•••@example.com" in page


def test_login_shown_comes_from_the_server_not_the_form(
    client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    wrong = wrong_code(read_code(smtp, "jane@example.com"))
    page = client.submit("/2fa", {"login": "top", "code": wrong, "password": PASSWORD}).text
    assert 'value="user"' in found(r'<input[^>]*id="login"[^>]*>', page)


def test_correct_code_and_password_log_in_on_a_fresh_session(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    with client.session_transaction() as session:
        session["planted"] = "before the second factor"
    code = read_code(smtp, "jane@example.com")
    response = client.submit("/2fa", code_form(code))
    assert response.status_code == 302 and response.location == "/"
    assert logged_in(client)
    with client.session_transaction() as session:
        assert "planted" not in session and "pending_login" not in session
    assert pending_rows(app) == 0
    events = [event for event, _, _ in audit_trail(app)]
    assert events[-2:] == ["2FA code sent", "login"]


def test_next_survives_the_second_factor(client: BrowserClient, group_2fa: People, smtp: SmtpSink) -> None:
    client.submit("/login?next=%2Fprofile", {"login": "user", "password": PASSWORD})
    response = client.submit("/2fa", code_form(read_code(smtp, "jane@example.com")))
    assert response.location == "/profile"


def test_code_input_is_trimmed_and_spaces_and_dashes_ignored(
    client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    typed = f"  {code[:3]} - {code[3:]}  "
    assert client.submit("/2fa", code_form(typed)).location == "/"


def test_wrong_code_is_refused(client: BrowserClient, group_2fa: People, smtp: SmtpSink) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    wrong = wrong_code(code)
    response = client.submit("/2fa", code_form(wrong))
    assert response.status_code == 200 and "Invalid 2FA code." in response.text
    assert not logged_in(client)


def test_right_code_with_wrong_password_is_refused(
    client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    response = client.submit("/2fa", code_form(read_code(smtp, "jane@example.com"), "wrong password"))
    assert response.status_code == 200 and "Incorrect login or password." in response.text
    assert "Invalid 2FA code." not in response.text
    assert not logged_in(client)


def test_empty_code_is_a_field_error(client: BrowserClient, group_2fa: People) -> None:
    client.login("user")
    response = client.submit("/2fa", code_form(""))
    assert response.status_code == 200
    assert re.search(
        r'<label for="code">2FA code</label>.*?<p class="error"[^>]*>This field is required.</p>',
        response.text,
        re.S,
    )


@pytest.mark.parametrize(
    "typed", ["x" * 10_000, "12\x0034", "<script>", "1234567890123", "١٢٣٤٥٦", "' OR 1=1 --"]
)
def test_bad_codes_are_refused_without_harm(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink, typed: str
) -> None:
    client.login("user")
    response = client.submit("/2fa", code_form(typed))
    assert response.status_code == 200
    assert (
        "Invalid 2FA code." in response.text or "Field cannot be longer than 40 characters." in response.text
    )
    assert "<script>" not in response.text
    assert client.submit("/2fa", code_form(read_code(smtp, "jane@example.com"))).location == "/"


def test_2fa_without_a_pending_login_goes_to_login(client: BrowserClient, people: People) -> None:
    assert client.get("/2fa").location == "/login"
    assert client.submit("/2fa", code_form("123456")).location == "/login"
    assert client.submit("/2fa/resend").location == "/login"
    assert client.get("/2fa/status").location == "/login"


def test_expired_code_is_invalid(
    client: BrowserClient, group_2fa: People, smtp: SmtpSink, frozen_clock: Any
) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    frozen_clock.move(minutes=10, seconds=1)
    response = client.submit("/2fa", code_form(code))
    assert "Invalid 2FA code." in response.text
    assert not logged_in(client)


def test_code_just_before_expiry_works(
    client: BrowserClient, group_2fa: People, smtp: SmtpSink, frozen_clock: Any
) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    frozen_clock.move(minutes=9, seconds=59)
    assert client.submit("/2fa", code_form(code)).location == "/"


def test_a_login_left_pending_expires(
    client: BrowserClient, group_2fa: People, smtp: SmtpSink, frozen_clock: Any
) -> None:
    client.login("user")
    frozen_clock.move(minutes=31)
    assert client.get("/2fa").location == "/login"


# --- the code's life: single use, bound to one pending login and one browser ----------------------


def test_code_works_only_once(app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    assert client.submit("/2fa", code_form(code)).location == "/"
    client.submit("/logout")
    client.login("user")
    read_code(smtp, "jane@example.com", nth=2)
    response = client.submit("/2fa", code_form(code))
    assert "Invalid 2FA code." in response.text


def test_resend_voids_the_old_code(client: BrowserClient, group_2fa: People, smtp: SmtpSink) -> None:
    client.login("user")
    old = read_code(smtp, "jane@example.com")
    response = client.submit("/2fa/resend")
    assert response.location == "/2fa"
    assert "A new code is on its way." in client.get("/2fa").text
    new = read_code(smtp, "jane@example.com", nth=2)
    if old != new:
        assert "Invalid 2FA code." in client.submit("/2fa", code_form(old)).text
    assert client.submit("/2fa", code_form(new)).location == "/"


def test_a_removed_email_ends_the_wait_for_a_code(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    with app.app_context():
        group_2fa.user("user").email = None
        db.session.commit()
    assert client.submit("/2fa/resend").location == "/login"
    assert client.submit("/2fa", code_form(code)).location == "/login"
    assert "No email associated with this login." in client.login("user").text
    assert mail_queued(app) == [("jane@example.com", "Time Tracker two-factor authentication code")]


def test_code_of_another_user_does_not_work(app: Flask, group_2fa: People, smtp: SmtpSink) -> None:
    alice, bob = new_client(app), new_client(app)
    alice.login("user")
    bob.login("manager")
    alices_code = read_code(smtp, "jane@example.com")
    bobs_code = read_code(smtp, "manager@example.com")
    if alices_code != bobs_code:
        assert "Invalid 2FA code." in bob.submit("/2fa", code_form(alices_code)).text
    assert bob.submit("/2fa", code_form(bobs_code)).location == "/"


def test_code_carried_to_another_browser_does_not_work(app: Flask, group_2fa: People, smtp: SmtpSink) -> None:
    first, second = new_client(app), new_client(app)
    first.login("user")
    code = read_code(smtp, "jane@example.com")
    assert second.submit("/2fa", code_form(code)).location == "/login"
    second.login("user")
    second_code = read_code(smtp, "jane@example.com", nth=2)
    if code != second_code:
        assert "Invalid 2FA code." in second.submit("/2fa", code_form(code)).text
    assert first.submit("/2fa", code_form(code)).location == "/"


def test_sixth_try_needs_a_new_login(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    wrong = wrong_code(code)
    for _ in range(4):
        assert "Invalid 2FA code." in client.submit("/2fa", code_form(wrong)).text
    response = client.submit("/2fa", code_form(wrong))
    assert response.location == "/login"
    assert "Too many wrong codes" in client.get("/login").text
    sixth_try = client.submit("/2fa", code_form(code))
    assert sixth_try.location == "/login"  # even the right code is void now
    assert pending_rows(app) == 0
    assert ("2FA code voided", None, "user") in audit_trail(app)


def test_wrong_passwords_count_as_wrong_tries(
    client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    for _ in range(4):
        client.submit("/2fa", code_form(code, "wrong password"))
    assert client.submit("/2fa", code_form(code, "wrong password")).location == "/login"
    assert client.submit("/2fa", code_form(code)).location == "/login"


def test_a_new_login_starts_over_and_voids_the_old_pending_code(
    client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    first = read_code(smtp, "jane@example.com")
    client.login("user")
    second = read_code(smtp, "jane@example.com", nth=2)
    if first != second:
        assert "Invalid 2FA code." in client.submit("/2fa", code_form(first)).text
    assert client.submit("/2fa", code_form(second)).location == "/"


def test_user_deactivated_while_pending_cannot_finish(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    with app.app_context():
        group_2fa.user("user").active = False
        db.session.commit()
    assert client.submit("/2fa", code_form(code)).location == "/login"
    assert not logged_in(client)


def test_codes_and_passwords_never_reach_the_log(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # as an operator chasing a problem would
    client.login("user")
    code = read_code(smtp, "jane@example.com")
    client.submit("/2fa", code_form(code))
    assert logged_in(client)
    # "mail.log" is the test SMTP server (aiosmtpd) logging what it received, not us.
    ours = "\n".join(record.getMessage() for record in caplog.records if record.name != "mail.log")
    assert ours and code not in ours and PASSWORD not in ours


# --- 4. the override ---------------------------------------------------------------------------


def test_top_manager_logs_in_with_the_password_alone(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    response = client.login("top")
    assert response.location == "/"
    assert logged_in(client)
    assert smtp.messages == []
    assert audit_trail(app)[-2:] == [("2FA override used", "top", None), ("login", "top", None)]
    page = client.get("/group/audit").text
    assert "2FA override used" in page


def test_override_works_without_email_and_without_mail(make_app: Any, people: People) -> None:
    app = make_app(MAIL_SERVER=None)
    people.require_group_2fa()
    with app.app_context():
        people.user("top").email = None
        db.session.commit()
    client = new_client(app)
    assert client.login("top").location == "/"
    assert logged_in(client)


def test_override_is_not_recorded_when_the_group_has_2fa_off(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("top")
    assert "2FA override used" not in [event for event, _, _ in audit_trail(app)]


def test_granting_override_lets_a_manager_skip_the_code(
    app: Flask, client: BrowserClient, group_2fa: People, smtp: SmtpSink
) -> None:
    from timetracker.models import Role
    from timetracker.rights import Right

    with app.app_context():
        role = db.session.get(Role, group_2fa.role_id("Manager"))
        role.rights = role.rights | {Right.OVERRIDE_2FA}
        db.session.commit()
    assert client.login("manager").location == "/"
    assert smtp.messages == []


def test_with_group_2fa_off_nobody_needs_a_code(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    assert client.login("user").location == "/"
    assert logged_in(client)
    without_email = new_client(app)  # a browser of its own: a logged-in one is sent home whatever happens
    assert without_email.login("noemail").location == "/"
    assert "<h1>Hello, Nick Noemail</h1>" in without_email.get("/").text
    assert mail_queued(app) == [] and smtp.messages == []


def test_clock_is_timezone_aware(frozen_clock: Any) -> None:
    assert isinstance(clock.now(), datetime) and clock.now().utcoffset() == timedelta(0)
