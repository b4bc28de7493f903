"""New-device alerts: the device cookie, known browsers per user, and the "New sign-in" email."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import (
    PASSWORD,
    USUAL_DEVICE,
    BrowserClient,
    People,
    SmtpSink,
    mail_queued,
    new_client,
    read_code,
    stop_sender,
    token_for,
)
from tests.test_mail import HangingServer, hanging_server, messages_in_outbox  # noqa: F401  (the fixture)
from timetracker.extensions import db
from timetracker.models import KnownDevice
from timetracker.security.devices import COOKIE

SUBJECT = "New sign-in to Time Tracker"
CHROME_ON_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


def new_browser(app: Flask) -> BrowserClient:
    """Return a browser that never logged in (without the people's usual device cookie)."""
    browser = new_client(app)
    browser.forget_device()
    return browser


@pytest.fixture
def client(app: Flask) -> BrowserClient:
    return new_browser(app)


def alerts(app: Flask) -> list[str]:
    """Return the recipients of the "New sign-in" emails in the outbox, oldest first."""
    return [recipient for recipient, subject in mail_queued(app) if subject == SUBJECT]


def known_devices(app: Flask) -> int:
    """Count the browsers users logged in from, besides the people's usual one."""
    usual = hashlib.sha256(USUAL_DEVICE.encode()).hexdigest()
    with app.app_context():
        return len(list(db.session.scalars(select(KnownDevice).where(KnownDevice.token_hash != usual))))


def test_a_new_browser_gets_one_alert_and_then_none(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    client.environ_base["HTTP_USER_AGENT"] = CHROME_ON_LINUX
    client.login("user")
    [mail] = smtp.wait_for(1)
    assert mail["Subject"] == SUBJECT and mail["To"] == "jane@example.com"
    text = mail.get_body(("plain",)).get_content()
    with app.app_context():
        user = people.user("user")
        when = user.last_login_at.astimezone(user.zone).strftime("%Y-%m-%d %H:%M")
        zone = user.zone.key
    assert f"When:    {when} ({zone})" in text
    assert "Address: 127.0.0.1" in text and "Device:  Chrome 120 on Linux" in text
    assert "reset it" in text and "tell a manager" in text
    client.submit("/logout")
    client.login("user")
    assert client.get("/profile/security").status_code == 200
    assert alerts(app) == ["jane@example.com"]
    assert known_devices(app) == 1


def test_another_user_on_the_same_browser_gets_their_own_alert(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("user")
    client.submit("/logout")
    client.login("manager")
    client.submit("/logout")
    client.login("user")
    assert alerts(app) == ["jane@example.com", "manager@example.com"]


def test_another_browser_of_the_same_user_gets_an_alert(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("user")
    new_browser(app).login("user")
    assert alerts(app) == ["jane@example.com", "jane@example.com"]


def test_the_alert_comes_once_the_second_factor_is_given(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    client.login("user")
    assert alerts(app) == []  # only the code so far: the password alone is no sign-in
    code = read_code(smtp, "jane@example.com")
    assert client.submit("/2fa", {"code": code, "password": PASSWORD}).location == "/"
    assert alerts(app) == ["jane@example.com"]


def test_the_device_cookie(app: Flask, client: BrowserClient, people: People) -> None:
    response = client.login("user")
    [cookie] = [header for header in response.headers.getlist("Set-Cookie") if header.startswith(COOKIE)]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert f"Max-Age={730 * 24 * 3600}" in cookie
    https = new_browser(app)
    response = https.submit(
        "/login",
        {"login": "manager", "password": PASSWORD},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},  # Flask-WTF's check over HTTPS
    )
    assert response.location == "/", response.text
    assert "Secure" in next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))


@pytest.mark.parametrize("value", ["", "short", "x" * 44, "é" * 43, "a b" * 15, "../" * 15])
def test_a_bad_device_cookie_is_a_new_browser(
    app: Flask, client: BrowserClient, people: People, value: str
) -> None:
    client.set_cookie(COOKIE, value)
    assert client.login("user").location == "/"
    sent = client.get_cookie(COOKIE)
    assert sent is not None and sent.value != value and len(sent.value) == 43
    assert alerts(app) == ["jane@example.com"]


def test_a_copied_device_cookie_of_another_user_still_alerts(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("manager")
    device = client.get_cookie(COOKIE)
    assert device is not None
    thief = new_browser(app)
    thief.set_cookie(COOKIE, device.value)
    thief.login("user")
    assert alerts(app) == ["manager@example.com", "jane@example.com"]


def test_registration_records_the_browser_without_an_alert(app: Flask, client: BrowserClient) -> None:
    form = {
        "group_name": "Newco",
        "manager_name": "Nina New",
        "login": "nina",
        "password": "a good password",
        "confirm": "a good password",
        "email": "nina@example.com",
    }
    assert client.submit("/register", form).location == "/"
    assert known_devices(app) == 1 and alerts(app) == []
    client.submit("/logout")
    client.login("nina", "a good password")
    assert alerts(app) == []
    new_browser(app).login("nina", "a good password")
    assert alerts(app) == ["nina@example.com"]


def test_a_user_without_email_logs_in_without_an_alert(
    app: Flask, client: BrowserClient, people: People
) -> None:
    assert client.login("noemail").location == "/"
    assert mail_queued(app) == [] and known_devices(app) == 1


def test_api_logins_send_no_alert(app: Flask, people: People) -> None:
    token_for(app.test_client(), "user")
    assert alerts(app) == [] and known_devices(app) == 0


def test_a_stopped_sender_leaves_the_alert_queued_and_the_login_done(
    app: Flask, client: BrowserClient, people: People
) -> None:
    stop_sender(app)
    assert client.login("user").location == "/"
    assert client.get("/profile/security").status_code == 200
    [message] = messages_in_outbox(app)
    assert (message.subject, message.status, message.attempts) == (SUBJECT, "queued", 0)


def test_a_hanging_mail_server_never_holds_up_the_login(
    make_app: Any,
    people: People,
    hanging_server: HangingServer,  # noqa: F811
) -> None:
    """The login answers while the alert's SMTP conversation is still in flight: it never waited for it."""
    app = make_app(MAIL_PORT=hanging_server.port, MAIL_TIMEOUT=3)
    client = new_browser(app)
    assert client.login("user").location == "/"
    assert hanging_server.connected.wait(10), "the sender never tried the server"
    [message] = messages_in_outbox(app)
    assert (message.subject, message.status, message.attempts) == (SUBJECT, "sending", 0)
    assert client.get("/profile/security").status_code == 200
