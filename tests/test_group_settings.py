"""The group page, its advanced settings, the two-factor switch and its pre-flight."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from tests.conftest import BrowserClient, People, SmtpSink, audit_trail, found, free_port
from timetracker.extensions import db
from timetracker.models import Group


def two_factor_on(app: Flask, people: People) -> bool:
    with app.app_context():
        return db.session.get(Group, people.group_id).two_factor_required


def settings_form(**changes: Any) -> dict[str, Any]:
    form = {"name": "Acme", "description": "", "two_factor": "y"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def wait_for_frame(client: BrowserClient, text: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while text not in (page := client.get("/group/advanced/test-mail/status").text):
        assert time.monotonic() < deadline, page
        time.sleep(0.05)
    return page


# --- who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "status"),
    [("top", 200), ("manager", 200), ("comanager", 403), ("supervisor", 403), ("user", 403)],
)
def test_rights_on_advanced_settings(client: BrowserClient, people: People, login: str, status: int) -> None:
    client.login(login)
    response = client.get("/group/advanced")
    assert response.status_code == status
    if status == 403:
        assert "Access denied." in response.text
        assert client.submit("/group/advanced", settings_form()).status_code == 403
        assert client.submit("/group/advanced/test-mail").status_code == 403


def test_anonymous_visitor_is_sent_to_login(client: BrowserClient) -> None:
    assert client.get("/group/advanced").location.startswith("/login?next=")
    assert client.get("/group").location.startswith("/login?next=")


@pytest.mark.parametrize(
    ("login", "status", "advanced_row"),
    [("top", 200, True), ("manager", 200, True), ("comanager", 200, False), ("supervisor", 403, False)],
)
def test_group_page_offers_advanced_settings_only_to_those_who_may(
    client: BrowserClient, people: People, login: str, status: int, advanced_row: bool
) -> None:
    client.login(login)
    response = client.get("/group")
    assert response.status_code == status
    if status == 200:
        assert ("Advanced settings" in response.text) is advanced_row
        assert ('<a href="/group/advanced">Configure</a>' in response.text) is advanced_row


def test_advanced_settings_page_has_the_labels_and_starts_off(client: BrowserClient, people: People) -> None:
    client.login("manager")
    page = client.get("/group/advanced").text
    assert "<h1>Advanced settings</h1>" in page
    assert '<label for="name">Group name</label>' in page
    assert '<label for="description">Description</label>' in page
    assert (
        '<label class="checkbox" for="two_factor">' in page
        and "<span>Two factor authentication</span>" in page
    )
    assert 'value="Save"' in page
    checkbox = found(r'<input[^>]*id="two_factor"[^>]*>', page)
    assert "checked" not in checkbox


# --- the pre-flight ---------------------------------------------------------------------------------


def test_preflight_lists_active_users_without_email_and_override(
    app: Flask, client: BrowserClient, people: People
) -> None:
    with app.app_context():
        people.user("top").email = None  # has override_2fa: not listed
        people.user("supervisor").email = None
        people.user("supervisor").active = False  # inactive: not listed
        db.session.commit()
    client.login("manager")
    page = client.get("/group/advanced").text
    preflight = page.split('id="preflight"')[1].split("</section>")[0]
    assert f'<a href="/users/{people.ids["noemail"]}/edit">Nick Noemail</a>' in preflight
    assert "Tara Top" not in preflight and "Sue Supervisor" not in preflight
    assert "Mail is configured: <code>127.0.0.1:" in preflight


def test_preflight_says_when_there_is_no_mail_server(make_app: Any, people: People) -> None:
    client = make_app(MAIL_SERVER=None).test_client()
    client.login("manager")
    assert "No mail server is configured: codes cannot be emailed" in client.get("/group/advanced").text


def test_preflight_all_clear(app: Flask, client: BrowserClient, people: People) -> None:
    with app.app_context():
        people.user("noemail").email = "nick@example.com"
        db.session.commit()
    client.login("manager")
    page = client.get("/group/advanced").text
    assert "Every active user who would need a code has an email address." in page
    assert 'id="confirm_no_email"' not in page


def test_test_email_is_delivered_through_the_outbox(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    client.login("manager")
    assert "No test email was sent yet." in client.get("/group/advanced").text
    response = client.submit("/group/advanced/test-mail")
    assert response.status_code == 302 and response.location == "/group/advanced#preflight"
    page = client.get("/group/advanced").text
    assert "A test email to manager@example.com is on its way" in page
    assert '<iframe class="delivery" src="/group/advanced/test-mail/status"' in page
    assert smtp.wait_for(1)[0]["To"] == "manager@example.com"
    frame = wait_for_frame(client, "The test email was sent.")
    assert 'http-equiv="refresh"' not in frame
    assert audit_trail(app)[-1] == ("test email sent", "manager", None)


def test_test_email_refused_is_shown_with_the_reason(
    client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    smtp.refuse = "550 5.7.1 Relaying denied"
    client.login("manager")
    client.submit("/group/advanced/test-mail")
    wait_for_frame(client, "The test email could not be sent: 550 5.7.1 Relaying denied.")


def test_test_email_to_a_dead_server_is_still_trying(make_app: Any, people: People) -> None:
    client = make_app(MAIL_PORT=free_port()).test_client()
    client.login("manager")
    client.submit("/group/advanced/test-mail")
    frame = wait_for_frame(
        client, "Still trying to email the test email (attempt 1 failed: ConnectionRefusedError"
    )
    assert 'http-equiv="refresh"' in frame


def test_test_email_needs_an_address(app: Flask, client: BrowserClient, people: People) -> None:
    with app.app_context():
        people.user("manager").email = None
        db.session.commit()
    client.login("manager")
    client.submit("/group/advanced/test-mail")
    assert "You have no email address: add one in your profile first." in client.get("/group/advanced").text


def test_no_test_mail_frame_before_the_first_test(client: BrowserClient, people: People) -> None:
    client.login("manager")
    assert client.get("/group/advanced/test-mail/status").status_code == 404


# --- switching ------------------------------------------------------------------------------------


def test_switching_on_with_users_without_email_needs_confirmation(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("manager")
    response = client.submit("/group/advanced", settings_form())
    assert response.status_code == 200
    assert "Tick this box to switch two-factor authentication on anyway." in response.text
    assert not two_factor_on(app, people)

    response = client.submit("/group/advanced", settings_form(confirm_no_email="y"))
    assert response.status_code == 302
    assert two_factor_on(app, people)
    page = client.get("/group/advanced").text
    assert "These users cannot log in until they have an email: Nick Noemail." in page
    assert audit_trail(app)[-1] == ("group 2FA switched on", "manager", None)


def test_switching_on_when_everyone_has_email(app: Flask, client: BrowserClient, people: People) -> None:
    with app.app_context():
        people.user("noemail").active = False
        db.session.commit()
    client.login("top")
    assert client.submit("/group/advanced", settings_form()).status_code == 302
    assert "Two-factor authentication is on for the group." in client.get("/group").text
    assert two_factor_on(app, people)


def test_switching_off_is_audited(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")  # the top manager needs no code
    client.submit("/group/advanced", settings_form(confirm_no_email="y"))
    response = client.submit("/group/advanced", settings_form(two_factor=None))
    assert response.status_code == 302
    assert not two_factor_on(app, people)
    assert "Two-factor authentication is off for the group." in client.get("/group").text
    assert [event for event, _, _ in audit_trail(app)][-2:] == [
        "group 2FA switched on",
        "group 2FA switched off",
    ]


def test_name_and_description_are_saved_and_audited(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("manager")
    response = client.submit(
        "/group/advanced", settings_form(name="Acme Ltd", description="Makers", two_factor=None)
    )
    assert response.status_code == 302
    with app.app_context():
        group = db.session.get(Group, people.group_id)
        assert (group.name, group.description, group.two_factor_required) == ("Acme Ltd", "Makers", False)
    assert audit_trail(app)[-1] == ("group settings changed", "manager", None)
    assert "Makers" in client.get("/group").text
