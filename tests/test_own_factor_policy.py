"""The group's own-factor policy: grace days, the grace page, the gate, the mails, the report."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import (
    API,
    PASSWORD,
    AppClock,
    BrowserClient,
    People,
    SmtpSink,
    api_login,
    assert_error,
    audit_trail,
    code_at,
    enroll_app,
    found,
    mail_queued,
    mailed,
    new_client,
    read_code,
    start_enrollment,
    stop_sender,
)
from timetracker import clock
from timetracker.extensions import db
from timetracker.models import AuditEvent, Group, User
from timetracker.security.own_factor_policy import Owed, days_left, standing
from timetracker.services import membership

SETUP = "/profile/security/own-factor"
GRACE = "/profile/security/own-factor/grace"
SUBJECT = "Your group asks you to set up your own second factor for Time Tracker"
MOVED_SUBJECT = "A new date to set up your own second factor for Time Tracker"
DAYS_ERROR = "Give the grace period as a whole number of days from 0 to 30."
JANE = "jane@example.com"
WHOLE_TEXT = re.compile(r"(.*)", re.S)


# --- helpers ---------------------------------------------------------------------------------------------


def settings(**changes: Any) -> dict[str, Any]:
    """Return the advanced settings form of Acme with group 2FA on and the policy "own" for 7 days."""
    form = {
        "name": "Acme",
        "description": "",
        "two_factor": "y",
        "second_factor_policy": "own",
        "own_factor_grace_days": "7",
        "confirm_no_email": "y",  # Nick Noemail cannot get codes: switching 2FA on needs the box ticked
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def switch(app: Flask, **changes: Any) -> TestResponse:
    """Have the top manager (holding ``override_2fa``) save the advanced settings in a browser of its own."""
    manager = new_client(app)
    manager.login("top")
    return manager.submit("/group/advanced", settings(**changes))


def require_own(people: People, *, days: int = 7, deadline: datetime | None = None) -> None:
    """Make Acme require the user's own factor, as a switch now with ``days`` of grace would."""
    with people.app.app_context():
        group = db.session.get(Group, people.group_id)
        assert group is not None
        group.two_factor_required = True
        group.second_factor_policy = "own"
        group.own_factor_grace_days = days
        group.own_factor_deadline = deadline or clock.now() + timedelta(days=days)
        db.session.commit()


def log_in_with_code(
    client: BrowserClient,
    smtp: SmtpSink,
    login: str = "user",
    address: str = JANE,
    *,
    nth: int = 1,
    then: str = "",
) -> TestResponse:
    """Log in with the password and the emailed code; return the answer to the code."""
    client.submit(f"/login{then}", {"login": login, "password": PASSWORD})
    return client.submit("/2fa", {"code": read_code(smtp, address, nth=nth), "password": PASSWORD})


def owed(people: People, login: str) -> tuple[Owed, int]:
    with people.app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        assert user is not None
        found_standing = standing(user)
        return found_standing.owed, found_standing.days_left


def events(app: Flask, *names: str) -> list[tuple[str, str | None, str | None]]:
    return [row for row in audit_trail(app) if row[0] in names]


def details_of(app: Flask, event: str) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
        )
        return [row.details for row in rows]


def gated_routes(app: Flask, method: str) -> list[str]:
    """Return a URL of every page route taking ``method`` that is not open to a user owing the set-up."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.endpoint == "static" or rule.rule.startswith(API):
            continue
        if rule.rule.startswith("/profile/security") or (rule.endpoint == "auth.logout" and method == "POST"):
            continue
        urls.append(adapter.build(rule.endpoint, {argument: 1 for argument in rule.arguments}))
    return urls


# --- counting the days -----------------------------------------------------------------------------------

SWITCHED_AT = datetime.fromisoformat("2030-06-03T15:30:00+00:00")  # after the test's users were made


@pytest.mark.parametrize(
    ("before_deadline", "left"),
    [
        (timedelta(days=7), 7),
        (timedelta(days=6, seconds=1), 7),
        (timedelta(days=6), 6),
        (timedelta(days=1, microseconds=1), 2),
        (timedelta(days=1), 1),
        (timedelta(microseconds=1), 1),
        (timedelta(0), 0),
        (-timedelta(days=3), 0),
    ],
)
def test_days_left_are_24_hour_periods_rounded_up(before_deadline: timedelta, left: int) -> None:
    deadline = datetime.fromisoformat("2026-12-10T15:00:00+00:00")
    assert days_left(deadline, deadline - before_deadline) == left


def test_seven_days_of_grace_at_the_edges(frozen_clock: AppClock, people: People) -> None:
    require_own(people, days=7)
    assert owed(people, "user") == (Owed.GRACE, 7)
    frozen_clock.move(days=6, seconds=1)
    assert owed(people, "user") == (Owed.GRACE, 1)
    frozen_clock.move(days=1, seconds=-2)
    assert owed(people, "user") == (Owed.GRACE, 1)
    frozen_clock.move(seconds=1)
    assert owed(people, "user") == (Owed.NOW, 0)


def test_zero_days_means_at_once(frozen_clock: AppClock, people: People) -> None:
    require_own(people, days=0)
    assert owed(people, "user") == (Owed.NOW, 0)


def test_who_owes_nothing(people: People) -> None:
    enroll_app(people.app, "supervisor")
    require_own(people, days=0)
    assert owed(people, "top")[0] is Owed.NOTHING  # override_2fa
    assert owed(people, "supervisor")[0] is Owed.NOTHING  # has an app
    assert owed(people, "other-user")[0] is Owed.NOTHING  # another group
    with people.app.app_context():
        db.session.get(Group, people.group_id).second_factor_policy = "any"
        db.session.commit()
    assert owed(people, "user")[0] is Owed.NOTHING  # the emailed code is enough again


def test_policy_needs_group_two_factor(people: People) -> None:
    require_own(people, days=0)
    with people.app.app_context():
        db.session.get(Group, people.group_id).two_factor_required = False
        db.session.commit()
    assert owed(people, "user")[0] is Owed.NOTHING


def test_a_member_added_late_gets_their_own_grace(frozen_clock: AppClock, people: People) -> None:
    require_own(people, days=7)
    frozen_clock.move(days=10)
    with people.app.app_context():
        group = db.session.get(Group, people.group_id)
        details = membership.UserDetails(
            "Lou Late", "late", "late@example.com", people.role_id("User"), True, PASSWORD
        )
        membership.add_user(None, group, details)
    assert owed(people, "user") == (Owed.NOW, 0)
    assert owed(people, "late") == (Owed.GRACE, 7)
    frozen_clock.move(days=7)
    assert owed(people, "late") == (Owed.NOW, 0)


# --- the grace page --------------------------------------------------------------------------------------


def test_grace_page_once_per_login_and_later_goes_on(
    frozen_clock: AppClock, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    require_own(people, days=7)
    assert log_in_with_code(client, smtp, then="?next=%2Ftime").location == "/time"
    response = client.get("/time")
    assert response.status_code == 302 and response.location == f"{GRACE}?next=/time"
    page = client.get(response.location).text
    assert "You have 7 days left to set one up" in page
    assert '<a class="button primary" href="/profile/security">Set up now</a>' in page
    assert '<a class="button" href="/time">Later, 7 days left</a>' in page
    assert client.get("/time").status_code == 200  # "Later": where they were going, asked no more
    assert client.get("/").status_code == 200
    client.submit("/logout")
    log_in_with_code(client, smtp, nth=2)
    assert client.get("/").location == f"{GRACE}?next=/"  # the next login asks again


def test_grace_page_on_the_last_day(
    frozen_clock: AppClock, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    require_own(people, days=7)
    frozen_clock.move(days=7, seconds=-1)
    log_in_with_code(client, smtp)
    page = client.get(client.get("/").location).text
    assert "You have 1 day left to set one up" in page
    assert '<a class="button" href="/">Later, 1 day left</a>' in page
    frozen_clock.move(seconds=1)
    assert client.get("/").location == SETUP  # the deadline passed in the middle of the session


def test_grace_page_keeps_a_query_and_refuses_other_sites(
    client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    require_own(people, days=7)
    log_in_with_code(client, smtp)
    assert client.get("/time?day=2026-12-01").location == f"{GRACE}?next=/time?day%3D2026-12-01"
    page = client.get(f"{GRACE}?next=//evil.example/").text
    assert '<a class="button" href="/">Later, 7 days left</a>' in page


def test_grace_never_turns_a_form_away(client: BrowserClient, people: People, smtp: SmtpSink) -> None:
    require_own(people, days=7)
    log_in_with_code(client, smtp)
    token = client.csrf_token()  # read off a page, which the gate looks at: forget that it did
    with client.session_transaction() as session:
        session.pop("own_factor_looked")
    form = {"csrf_token": token, "zone-time_zone": "Europe/Berlin"}
    assert client.post("/profile/time-zone", data=form).location == "/profile"
    with people.app.app_context():
        assert people.user("user").time_zone == "Europe/Berlin"
    assert client.get("/profile").location == f"{GRACE}?next=/profile"  # the first page is asked


def test_a_session_at_work_is_asked_at_its_next_login(
    client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    log_in_with_code(client, smtp)
    assert client.get("/").status_code == 200
    require_own(people, days=7)
    assert client.get("/time").status_code == 200
    client.submit("/logout")
    log_in_with_code(client, smtp, nth=2)
    assert client.get("/time").location == f"{GRACE}?next=/time"


def test_the_manager_who_switches_carries_on(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("manager")  # the Manager role lacks override_2fa: the policy asks them too
    response = client.submit("/group/advanced", settings())
    assert response.location == "/group/advanced"
    page = client.get("/group/advanced").text
    assert "Members now need their own authenticator app or security key by " in page
    assert "4 of them were emailed." in page
    assert owed(people, "manager") == (Owed.GRACE, 7)


def test_grace_page_of_someone_who_owes_nothing_goes_on(client: BrowserClient, people: People) -> None:
    client.login("user")
    assert client.get(f"{GRACE}?next=/time").location == "/time"
    assert client.get(SETUP).location == "/profile/security"


# --- after the deadline ----------------------------------------------------------------------------------


@pytest.fixture
def forced(client: BrowserClient, people: People, smtp: SmtpSink) -> BrowserClient:
    """Jane, logged in with the emailed code, past her deadline."""
    require_own(people, days=0)
    assert log_in_with_code(client, smtp).location == "/"
    return client


def test_every_other_page_is_blocked(app: Flask, forced: BrowserClient) -> None:
    urls = gated_routes(app, "GET")
    assert {"/", "/time", "/reports", "/group/members", "/profile", "/login", "/users/1/edit"} <= set(urls)
    for url in urls:
        response = forced.get(url)
        assert (response.status_code, response.location) == (302, SETUP), url
    for url in gated_routes(app, "POST"):
        response = forced.submit(url, {})
        assert (response.status_code, response.location) == (302, SETUP), url


def test_the_set_up_page_and_what_stays_open(app: Flask, forced: BrowserClient) -> None:
    page = forced.get(SETUP).text
    assert "Nothing else in Time Tracker opens until you have set one up." in page
    assert '<a class="button primary" href="/profile/security">Set up now</a>' in page
    assert "Later" not in page
    assert forced.get("/profile/security").status_code == 200
    assert forced.get("/profile/security/confirm-password").status_code == 200
    static = forced.get("/static/style.css")
    static.close()
    assert static.status_code == 200
    assert forced.submit("/logout").location == "/login"
    assert forced.get("/").location.startswith("/login")


def test_a_forced_login_is_audited_once_and_the_set_up_lifts_the_gate(
    app: Flask, forced: BrowserClient, people: People
) -> None:
    forced.get("/time")
    forced.get("/reports")
    assert events(app, "own factor set-up forced") == [("own factor set-up forced", "user", None)]
    secret, _, _ = start_enrollment(forced)
    assert (
        forced.submit("/profile/security/enable", {"code": code_at(secret)}).location == "/profile/security"
    )
    assert forced.get("/profile/security").status_code == 200
    assert forced.get("/time").status_code == 200
    assert forced.get("/").status_code == 200
    assert events(app, "own factor set-up forced", "own factor set up after being forced") == [
        ("own factor set-up forced", "user", None),
        ("own factor set up after being forced", "user", None),
    ]
    assert owed(people, "user")[0] is Owed.NOTHING


def test_override_still_logs_in_with_the_password_alone(
    app: Flask, client: BrowserClient, people: People
) -> None:
    require_own(people, days=0)
    assert client.login("top").location == "/"
    assert client.get("/time").status_code == 200
    assert client.get("/group/advanced").status_code == 200
    assert not events(app, "own factor set-up forced")


def test_a_user_of_another_group_is_unaffected(client: BrowserClient, people: People) -> None:
    require_own(people, days=0)
    client.login("other-top")
    assert client.get("/time").status_code == 200
    assert client.get("/group/advanced").status_code == 200


def test_a_manager_reset_sends_the_user_to_the_set_up(
    app: Flask, frozen_clock: AppClock, people: People, smtp: SmtpSink
) -> None:
    enroll_app(app, "user")
    require_own(people, days=7)
    frozen_clock.move(days=8)
    assert owed(people, "user")[0] is Owed.NOTHING
    top = new_client(app)
    top.login("top")
    top.submit(f"/users/{people.ids['user']}/reset-2fa", {"reset-password": PASSWORD})
    assert owed(people, "user")[0] is Owed.NOW
    jane = new_client(app)
    assert log_in_with_code(jane, smtp).location == "/"
    assert jane.get("/").location == SETUP


# --- the API ---------------------------------------------------------------------------------------------


def api_token(api: FlaskClient, smtp: SmtpSink) -> str:
    pending = api_login(api, "user").json["pending"]
    done = api.post(
        f"{API}/auth/2fa", json={"pending": pending, "code": read_code(smtp, JANE), "password": PASSWORD}
    )
    assert done.status_code == 200, done.json
    return done.json["token"]


def test_every_api_call_but_logging_out_is_refused(app: Flask, people: People, smtp: SmtpSink) -> None:
    require_own(people, days=0)
    api = new_client(app)
    token = api_token(api, smtp)
    bearer = {"Authorization": f"Bearer {token}"}
    adapter = app.url_map.bind("localhost")
    refused = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint == "api.logout":
            continue
        url = adapter.build(rule.endpoint, {argument: 1 for argument in rule.arguments})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            anonymous = api.open(url, method=method, json={})
            if anonymous.status_code != 401 or anonymous.json["error"] != "invalid_token":
                continue  # open without a token (the sign-in, the schema): nothing of the user's
            response = api.open(url, method=method, json={}, headers=bearer)
            assert_error(response, 403, "own_factor_required")
            assert "Profile › Security" in response.json["message"]
            refused.append(f"{method} {rule.rule}")
    assert {
        f"GET {API}/me",
        f"GET {API}/time-entries",
        f"POST {API}/timer/start",
        f"GET {API}/reports",
    } <= set(refused)
    assert api.post(f"{API}/auth/logout", headers=bearer).status_code == 204
    assert_error(api.get(f"{API}/me", headers=bearer), 401, "invalid_token")


def test_the_api_works_in_the_grace_period(app: Flask, people: People, smtp: SmtpSink) -> None:
    require_own(people, days=7)
    api = new_client(app)
    token = api_token(api, smtp)
    assert api.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- switching: the settings page, the mails, the audit ------------------------------------------------


def test_settings_page_has_the_choices(client: BrowserClient, people: People) -> None:
    client.login("manager")
    page = client.get("/group/advanced").text
    assert "<legend>Second factor required</legend>" in page
    assert found(r'<input[^>]*value="any"[^>]*>', page).count("checked") == 1
    assert "<span>Emailed code or the user&#39;s own factor</span>" in page
    assert "<span>The user&#39;s own authenticator app or security key</span>" in page
    assert '<label for="own_factor_grace_days">Grace period (days)</label>' in page
    assert 'value="7"' in found(r'<input[^>]*id="own_factor_grace_days"[^>]*>', page)


def test_preflight_lists_who_has_no_own_factor(app: Flask, client: BrowserClient, people: People) -> None:
    enroll_app(app, "supervisor")
    client.login("manager")
    page = client.get("/group/advanced").text
    listed = found(r'<ul class="people" id="without-own-factor">(.*?)</ul>', page, 1, re.S)
    for name in ("Mia Manager", "Carl Comanager", "Jane User", "Nick Noemail"):
        assert name in listed
    for name in ("Tara Top", "Sue Supervisor", "Otto User"):
        assert name not in listed
    assert "(noemail, User, no email)" in listed


def test_switching_mails_each_affected_member_once(
    app: Flask, frozen_clock: AppClock, people: People, smtp: SmtpSink
) -> None:
    enroll_app(app, "supervisor")
    with app.app_context():
        people.user("user").time_zone = "Europe/Berlin"
        db.session.commit()
    frozen_clock.freeze(SWITCHED_AT)
    response = switch(app)
    assert response.location == "/group/advanced"
    text = _mail_text(smtp, JANE)
    manager_text = _mail_text(smtp, "manager@example.com")
    _mail_text(smtp, "comanager@example.com")
    stop_sender(app)
    queued = [recipient for recipient, subject in mail_queued(app) if subject == SUBJECT]
    assert sorted(queued) == ["comanager@example.com", JANE, "manager@example.com"]
    (mail,) = [mail for mail in smtp.to(JANE) if mail["Subject"] == SUBJECT]
    assert "your group Acme now asks every member for a second factor of their own" in text
    assert "Until 2030-06-10 17:30 (Europe/Berlin) you log in as before, with the emailed code." in text
    assert "http://localhost/profile/security" in text
    assert 'href="http://localhost/profile/security"' in mail.get_body(("html",)).get_content()
    assert "Until 2030-06-10 15:30 (UTC)" in manager_text
    with app.app_context():
        group = db.session.get(Group, people.group_id)
        assert group.second_factor_policy == "own" and group.own_factor_grace_days == 7
        assert group.own_factor_deadline == SWITCHED_AT + timedelta(days=7)
    (details,) = details_of(app, "group requires the user's own factor")
    assert details == {
        "grace_days": 7,
        "deadline": "2030-06-10T15:30:00+00:00",
        "emailed": ["comanager", "user", "manager"],
    }
    assert ("group requires the user's own factor", "top", None) in audit_trail(app)


def test_the_link_follows_base_url(make_app: Any, people: People, smtp: SmtpSink) -> None:
    switch(make_app(BASE_URL="https://tt.example.com"))
    assert "https://tt.example.com/profile/security" in _mail_text(smtp, JANE).splitlines()


def test_a_forged_host_never_gets_into_the_mail(app: Flask, people: People, smtp: SmtpSink) -> None:
    top = new_client(app)
    top.login("top")
    form = {"csrf_token": top.csrf_token(), **settings()}
    cookie = top.get_cookie("session")
    assert cookie is not None
    top.set_cookie("session", cookie.value, domain="evil.example")  # the same browser, at a forged host
    response = top.post("/group/advanced", data=form, headers={"Host": "evil.example"})
    assert response.location == "/group/advanced"
    text = _mail_text(smtp, JANE)
    assert "evil.example" not in text and "/profile/security" in text.splitlines()


def _mail_text(smtp: SmtpSink, address: str, subject: str = SUBJECT, nth: int = 1) -> str:
    """Wait for the ``nth`` own-factor mail with ``subject`` to ``address``; return its text."""
    return mailed(smtp, address, subject, WHOLE_TEXT, nth=nth)


def test_zero_days_forces_at_once(app: Flask, people: People, smtp: SmtpSink) -> None:
    switch(app, own_factor_grace_days="0")
    assert "after your password and the emailed code, Time Tracker asks you to set one up" in _mail_text(
        smtp, JANE
    )
    jane = new_client(app)
    log_in_with_code(jane, smtp)
    assert jane.get("/").location == SETUP


def test_changing_the_days_moves_the_deadline(
    app: Flask, frozen_clock: AppClock, people: People, smtp: SmtpSink
) -> None:
    switch(app)
    frozen_clock.move(days=2)
    assert switch(app, own_factor_grace_days="10").location == "/group/advanced"
    with app.app_context():
        group = db.session.get(Group, people.group_id)
        start = group.own_factor_deadline - timedelta(days=10)
    assert start == clock.now() - timedelta(days=2)  # still counted from the switch
    assert owed(people, "user") == (Owed.GRACE, 8)
    assert "Until " in _mail_text(smtp, JANE, MOVED_SUBJECT)
    stop_sender(app)
    told = [(recipient, subject) for recipient, subject in mail_queued(app) if recipient == JANE]
    assert told == [(JANE, SUBJECT), (JANE, MOVED_SUBJECT)]
    (details,) = details_of(app, "own factor deadline moved")
    assert details["grace_days"] == 10 and details["old_grace_days"] == 7
    switch(app, own_factor_grace_days="1")
    assert owed(people, "user") == (Owed.NOW, 0)  # shortened past today: the set-up is owed now


def test_switching_back_clears_the_deadline(app: Flask, people: People, smtp: SmtpSink) -> None:
    switch(app, own_factor_grace_days="0")
    assert owed(people, "user")[0] is Owed.NOW
    switch(app, second_factor_policy="any")
    assert owed(people, "user")[0] is Owed.NOTHING
    with app.app_context():
        assert db.session.get(Group, people.group_id).own_factor_deadline is None
    assert events(app, "group requires the user's own factor", "group accepts the emailed code again") == [
        ("group requires the user's own factor", "top", None),
        ("group accepts the emailed code again", "top", None),
    ]
    switch(app, two_factor=None, second_factor_policy="own")  # "own" kept while 2FA is off: no effect
    assert owed(people, "user")[0] is Owed.NOTHING
    assert len(events(app, "group requires the user's own factor")) == 1


def test_every_policy_change_is_in_the_audit_log(app: Flask, people: People, smtp: SmtpSink) -> None:
    switch(app, two_factor=None, second_factor_policy="own", own_factor_grace_days="5")
    (details,) = details_of(app, "group settings changed")
    assert details == {"fields": ["second_factor_policy", "own_factor_grace_days"]}
    assert not events(app, "group requires the user's own factor")  # 2FA is off: nothing changes yet
    switch(app, second_factor_policy="own", own_factor_grace_days="5")
    assert [event for event, _, _ in audit_trail(app)][-2:] == [
        "group 2FA switched on",
        "group requires the user's own factor",
    ]


@pytest.mark.parametrize("days", ["", "-1", "31", "seven", "7.5", "1e3", "99999999999999999999"])
def test_bad_grace_days_save_nothing(app: Flask, people: People, smtp: SmtpSink, days: str) -> None:
    response = switch(app, name="Renamed", own_factor_grace_days=days)
    assert response.status_code == 200
    assert DAYS_ERROR in found(r'<div class="field has-error">.*?</div>', response.text, 0, re.S)
    _assert_unchanged(app, people)


@pytest.mark.parametrize("policy", ["", "strong", "OWN"])
def test_bad_policy_saves_nothing(app: Flask, people: People, policy: str) -> None:
    response = switch(app, name="Renamed", second_factor_policy=policy)
    assert response.status_code == 200
    assert "Choose from the list." in response.text
    _assert_unchanged(app, people)


def _assert_unchanged(app: Flask, people: People) -> None:
    with app.app_context():
        group = db.session.get(Group, people.group_id)
        assert (group.name, group.two_factor_required, group.second_factor_policy) == ("Acme", False, "any")
        assert group.own_factor_grace_days == 7 and group.own_factor_deadline is None
    assert [event for event, _, _ in audit_trail(app) if event.startswith(("group", "own"))] == [
        "group created",
        "group created",
    ]
    stop_sender(app)
    assert not [subject for _, subject in mail_queued(app) if subject == SUBJECT]


@pytest.mark.parametrize("login", ["comanager", "supervisor", "user"])
def test_only_managers_of_advanced_settings_may_switch(app: Flask, people: People, login: str) -> None:
    client = new_client(app)
    client.login(login)
    assert client.submit("/group/advanced", settings()).status_code == 403
    _assert_unchanged(app, people)


# --- the members report ----------------------------------------------------------------------------------


def test_members_report_and_csv_show_each_deadline(
    app: Flask, frozen_clock: AppClock, people: People, smtp: SmtpSink
) -> None:
    enroll_app(app, "supervisor")
    frozen_clock.freeze(SWITCHED_AT)
    switch(app)
    frozen_clock.move(days=3)
    with app.app_context():
        group = db.session.get(Group, people.group_id)
        details = membership.UserDetails(
            "Lou Late", "late", "late@example.com", people.role_id("User"), True, PASSWORD
        )
        membership.add_user(None, group, details)
    manager = new_client(app)
    manager.login("top")
    rows = {row[1]: row for row in csv.reader(io.StringIO(manager.get("/group/members.csv").text))}
    assert rows["Login"][-1] == "Own factor due (UTC)"
    assert rows["user"][-1] == rows["noemail"][-1] == rows["manager"][-1] == "2030-06-10 15:30:00"
    assert rows["late"][-1] == "2030-06-13 15:30:00"  # added 3 days after the switch: 7 days from then
    assert rows["top"][-1] == rows["supervisor"][-1] == ""
    assert rows["user"][5] == "email code (group)"  # still logs in with the code meanwhile
    page = manager.get("/group/members").text
    assert '<td class="nowrap own-factor-due">2030-06-10 15:30</td>' in page
    without = manager.get("/group/members.csv?without_two_factor=1").text
    assert [row[1] for row in csv.reader(io.StringIO(without))][1:] == ["noemail", "top"]
