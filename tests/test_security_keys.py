"""Security keys and passkeys: real ceremonies of a software key, judged by the ``webauthn`` package."""

from __future__ import annotations

import html
import json
import re
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
    at_once,
    audit_trail,
    code_at,
    confirm_password,
    enroll_app,
    found,
    mailed,
    new_client,
    reset_link,
    session_copy,
    stop_sender,
)
from tests.webauthn_device import SoftwareKey, b64url
from timetracker.extensions import db
from timetracker.models import PendingLogin, RecoveryCode, WebAuthnChallenge

ORIGIN = "http://localhost"
NEW = "/profile/security/keys/new"
CEREMONY_REFUSED = "The security key&#39;s answer was not accepted"
KEY_REFUSED = "That security key was not accepted: try again, or use another way below."
ADDED_SUBJECT = "A security key was added to your Time Tracker login"
REMOVED_SUBJECT = "A security key was removed from your Time Tracker login"


@pytest.fixture
def app(make_app: Any) -> Flask:
    """Return the app as the relying party ``localhost``, reached at ``ORIGIN``."""
    return make_app(BASE_URL=ORIGIN)


# --- helpers ---------------------------------------------------------------------------------------


def options_on(page: str) -> dict[str, Any]:
    """Return the WebAuthn options a page hands to static/js/security_key.js."""
    attribute = found(r"data-options=(\"[^\"]*\"|'[^']*')", page, 1)[1:-1]
    options: dict[str, Any] = json.loads(html.unescape(attribute))
    return options


def open_add_page(client: BrowserClient) -> dict[str, Any]:
    confirm_password(client, then=NEW)
    return options_on(client.get(NEW).text)


def add_key(client: BrowserClient, key: SoftwareKey, name: str = "Blue key", **device: Any) -> TestResponse:
    """Open the add page of the logged-in user, let ``key`` answer, and post its answer."""
    credential = key.create(open_add_page(client), device.pop("origin", ORIGIN), **device)
    return client.submit(NEW, {"name": name, "credential": json.dumps(credential)})


def with_key(app: Flask, login: str = "user", name: str = "Blue key") -> SoftwareKey:
    """Give ``login`` a key through the pages, and log out; return the key."""
    key = SoftwareKey()
    client = new_client(app)
    client.login(login)
    response = add_key(client, key, name)
    assert response.status_code == 302, response.text
    client.submit("/logout")
    return key


def key_page(client: BrowserClient, login: str = "user") -> str:
    """Log in with the password and return the /2fa page that asks for the key."""
    assert client.login(login).location == "/2fa"
    return client.get("/2fa").text


def answer(client: BrowserClient, credential: dict[str, Any], url: str = "/2fa/key") -> TestResponse:
    return client.submit(url, {"credential": json.dumps(credential)})


def key_login(client: BrowserClient, key: SoftwareKey, login: str = "user", **device: Any) -> TestResponse:
    options = options_on(key_page(client, login))
    return answer(client, key.get(options, device.pop("origin", ORIGIN), **device))


def logged_in(client: BrowserClient) -> bool:
    return client.get("/").status_code == 200


def stored_keys(app: Flask, people: People, login: str = "user") -> list[tuple[str, int]]:
    with app.app_context():
        return [(key.name, key.sign_count) for key in people.user(login).security_keys]


def tries_left(app: Flask) -> list[int]:
    with app.app_context():
        return [row.tries_left for row in db.session.scalars(db.select(PendingLogin))]


# --- adding a key ----------------------------------------------------------------------------------


def test_adding_a_key_shows_it_mails_and_makes_recovery_codes(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    client.login("user")
    assert client.get(NEW).location.startswith("/profile/security/confirm-password")  # password first
    key = SoftwareKey()
    response = add_key(client, key, "  Blue key  ")
    assert response.location == "/profile/security/keys/recovery-codes"
    codes_page = client.get(response.location)
    codes = re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code></li>", codes_page.text)
    assert len(codes) == 10 and codes_page.headers["Cache-Control"] == "no-store"
    assert client.get("/profile/security/recovery-codes.txt").text.count("-") >= 20  # download works too
    page = client.get("/profile/security").text
    assert "Security key &#34;Blue key&#34; was added" in codes_page.text  # the flash, on the next page
    assert "<td>Blue key</td>" in page and "Never" in page
    assert stored_keys(app, people) == [("Blue key", 0)]
    with app.app_context():
        user = people.user("user")
        assert user.webauthn_handle is not None and len(user.webauthn_handle) == 32
        assert str(user.id).encode() != user.webauthn_handle
        assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 10
        assert db.session.scalar(db.select(db.func.count(WebAuthnChallenge.id))) == 0  # spent
    assert ("security key added", "user", None) in audit_trail(app)
    assert mailed(smtp, "jane@example.com", ADDED_SUBJECT, re.compile(r"key called \"(.*?)\"")) == "Blue key"


def test_a_key_logs_in_after_the_password(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    page = key_page(client)
    assert "Use your security key" in page and "Need help?" in page
    assert "authenticator app" not in page  # the user has no app
    assert "Security keys need JavaScript" in page and "a recovery code instead" in page
    assert not logged_in(client)
    response = key_login(new_client(app), key)
    assert response.location == "/"
    client = new_client(app)
    assert key_login(client, key).location == "/" and logged_in(client)
    assert stored_keys(app, people) == [("Blue key", 2)]
    assert audit_trail(app).count(("security key used", "user", None)) == 2
    assert "Never" not in client.get("/profile/security").text


def test_a_second_key_excludes_the_first_and_both_work(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    key_login(client, key)
    options = open_add_page(client)
    assert [item["id"] for item in options["excludeCredentials"]] == [b64url(key.credentials[0].id)]
    with pytest.raises(ValueError, match="already registered"):
        key.create(options, ORIGIN)  # the browser refuses the same key twice
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    phone = SoftwareKey(counting=False)
    assert add_key(client, phone, "My phone").location == "/profile/security"  # codes exist already
    assert [name for name, _ in stored_keys(app, people)] == ["Blue key", "My phone"]
    assert key_login(new_client(app), phone).location == "/"
    assert key_login(new_client(app), phone).location == "/"  # a passkey that never counts
    assert key_login(new_client(app), key).location == "/"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the key a name"),
        ("    ", "Give the key a name"),
        ("x" * 101, "Use at most 100 characters for the key&#39;s name."),
        ("blue KEY", "You already have a key called &#34;blue KEY&#34;: choose another name."),
    ],
)
def test_bad_key_names_are_refused(app: Flask, people: People, name: str, message: str) -> None:
    key = with_key(app, name="Blue key")
    client = new_client(app)
    key_login(client, key)
    response = add_key(client, SoftwareKey(), name)
    assert response.status_code == 200 and message in response.text
    assert stored_keys(app, people) == [("Blue key", 1)]


@pytest.mark.parametrize(
    "device",
    [{"origin": "http://evil.example"}, {"origin": "http://localhost:8000"}, {"rp_id": "evil.example"}],
    ids=["wrong origin", "wrong port", "wrong RP id"],
)
def test_a_registration_for_another_site_is_refused(
    app: Flask, client: BrowserClient, people: People, device: dict[str, str]
) -> None:
    client.login("user")
    response = add_key(client, SoftwareKey(), **device)
    assert response.status_code == 200 and CEREMONY_REFUSED in response.text
    assert stored_keys(app, people) == []


def test_a_registration_answer_works_once(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    credential = json.dumps(SoftwareKey().create(open_add_page(client), ORIGIN))
    assert client.submit(NEW, {"name": "First", "credential": credential}).status_code == 302
    again = client.submit(NEW, {"name": "Second", "credential": credential})
    assert CEREMONY_REFUSED in again.text and stored_keys(app, people) == [("First", 0)]


def test_a_registration_challenge_of_another_browser_is_refused(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("user")
    options = open_add_page(client)  # this browser's challenge
    other = new_client(app)
    other.login("user")
    open_add_page(other)
    credential = json.dumps(SoftwareKey().create(options, ORIGIN))
    response = other.submit(NEW, {"name": "Stolen", "credential": credential})
    assert CEREMONY_REFUSED in response.text and stored_keys(app, people) == []
    manager = new_client(app)
    manager.login("manager")
    open_add_page(manager)
    response = manager.submit(NEW, {"name": "Stolen", "credential": credential})
    assert CEREMONY_REFUSED in response.text and stored_keys(app, people, "manager") == []


def test_an_expired_registration_challenge_is_refused(
    app: Flask, client: BrowserClient, people: People, frozen_clock: AppClock
) -> None:
    client.login("user")
    credential = json.dumps(SoftwareKey().create(open_add_page(client), ORIGIN))
    frozen_clock.move(minutes=5, seconds=1)
    confirm_password(client, then=NEW)
    response = client.submit(NEW, {"name": "Late", "credential": credential})
    assert CEREMONY_REFUSED in response.text and stored_keys(app, people) == []


@pytest.mark.parametrize("credential", ["", "{}", "not json", json.dumps({"id": "x", "rawId": "%%"})])
def test_garbage_instead_of_a_key_is_refused(
    app: Flask, client: BrowserClient, people: People, credential: str
) -> None:
    client.login("user")
    open_add_page(client)
    response = client.submit(NEW, {"name": "Garbage", "credential": credential})
    assert response.status_code == 200 and stored_keys(app, people) == []


# --- logging in: what is refused ---------------------------------------------------------------------


def assert_refused(app: Flask, client: BrowserClient, response: TestResponse, event: str) -> None:
    assert response.location == "/2fa"
    assert KEY_REFUSED in client.get("/2fa").text
    assert not logged_in(client)
    assert audit_trail(app)[-1][0] == event


@pytest.mark.parametrize(
    "device",
    [{"origin": "http://evil.example"}, {"origin": "https://localhost"}, {"rp_id": "evil.example"}],
    ids=["wrong origin", "wrong scheme", "wrong RP id"],
)
def test_an_assertion_for_another_site_is_refused(app: Flask, people: People, device: dict[str, str]) -> None:
    key = with_key(app)
    client = new_client(app)
    response = key_login(client, key, **device)
    assert_refused(app, client, response, "security key refused")
    assert tries_left(app) == [4] and stored_keys(app, people) == [("Blue key", 0)]


def test_a_replayed_assertion_is_refused(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    credential = key.get(options_on(key_page(client)), ORIGIN)
    assert answer(client, credential).location == "/"
    thief = new_client(app)
    key_page(thief)
    assert_refused(app, thief, answer(thief, credential), "security key refused")
    assert stored_keys(app, people) == [("Blue key", 1)]


def test_the_same_answer_sent_twice_at_once_logs_in_once(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    credential = key.get(options_on(key_page(client)), ORIGIN)
    copy = session_copy(app, client)  # the same pending login, as a double click sends it
    token = client.csrf_token()
    browsers = [client, copy]
    answers = at_once(
        2,
        lambda index: (
            browsers[index]
            .post("/2fa/key", data={"csrf_token": token, "credential": json.dumps(credential)})
            .location
        ),
    )
    assert "/" in answers and set(answers) <= {"/", "/2fa"}  # the loser: gone, or its challenge spent
    assert audit_trail(app).count(("security key used", "user", None)) == 1
    assert stored_keys(app, people) == [("Blue key", 1)]


def test_the_challenge_of_another_pending_login_is_refused(app: Flask, people: People) -> None:
    key = with_key(app)
    victim, attacker = new_client(app), new_client(app)
    credential = key.get(options_on(key_page(victim)), ORIGIN)
    key_page(attacker)
    assert_refused(app, attacker, answer(attacker, credential), "security key refused")
    assert answer(victim, key.get(options_on(victim.get("/2fa").text), ORIGIN)).location == "/"


def test_an_expired_login_challenge_is_refused(app: Flask, people: People, frozen_clock: AppClock) -> None:
    key = with_key(app)
    client = new_client(app)
    credential = key.get(options_on(key_page(client)), ORIGIN)
    frozen_clock.move(minutes=5, seconds=1)
    assert_refused(app, client, answer(client, credential), "security key refused")


def test_a_counter_going_back_is_refused_as_a_cloned_key(app: Flask, people: People) -> None:
    key = with_key(app)
    assert key_login(new_client(app), key).location == "/"
    assert key_login(new_client(app), key).location == "/"
    key.credentials[0].sign_count = 0  # the clone counts from where it was copied: 1, not above 2
    client = new_client(app)
    response = key_login(client, key)
    assert_refused(app, client, response, "security key refused: counter went back (cloned?)")
    assert stored_keys(app, people) == [("Blue key", 2)]


def test_a_key_of_another_user_is_refused(app: Flask, people: People) -> None:
    with_key(app, "user")
    managers = with_key(app, "manager")
    client = new_client(app)
    options = options_on(key_page(client, "user"))
    response = answer(client, managers.get(options, ORIGIN))
    assert_refused(app, client, response, "security key refused")
    assert stored_keys(app, people, "manager") == [("Blue key", 0)]
    with app.app_context():
        from timetracker.models import AuditEvent

        row = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert row is not None and row.details["reason"] == "another user's key"


def test_an_assertion_with_another_user_handle_is_refused(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    response = answer(client, key.get(options_on(key_page(client)), ORIGIN, user_handle=b"someone else"))
    assert_refused(app, client, response, "security key refused")


def test_a_removed_key_no_longer_logs_in(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    key_login(client, key)
    key_id = key_id_of(app, people)
    assert client.submit(f"/profile/security/keys/{key_id}/remove", {"password": PASSWORD}).status_code == 302
    assert client.login("user").location == "/"  # no factor of their own is left: the password alone
    assert stored_keys(app, people) == []


def test_five_refused_keys_end_the_pending_login(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    key_page(client)
    for _ in range(5):
        response = answer(client, key.get(options_on(client.get("/2fa").text), "http://evil.example"))
    assert response.location == "/login" and tries_left(app) == []


# --- the other factors on the same page ----------------------------------------------------------------


def test_the_app_and_recovery_codes_stay_available_beside_the_key(app: Flask, people: People) -> None:
    with_key(app)
    secret = enroll_app(app)
    client = new_client(app)
    page = key_page(client)
    assert "Use your security key" in page and "Authentication code" in page and "Need help?" in page
    assert client.submit("/2fa", {"code": code_at(secret)}).location == "/"
    client = new_client(app)
    key_page(client)
    assert "Use your security key instead" in client.get("/2fa/recovery").text
    assert client.submit("/2fa/recovery", {"code": "aaaa-bbbb-cccc"}).location == "/"
    assert ("recovery code used", "user", None) in audit_trail(app)


def test_the_page_without_javascript_offers_the_other_factors(app: Flask, people: People) -> None:
    with_key(app)
    enroll_app(app)
    page = key_page(new_client(app))
    noscript = found(r'<p class="check warn no-js">(.*?)</p>', page, 1, re.S)
    assert "Security keys need JavaScript" in noscript
    assert "a code from your authenticator app or a recovery code instead" in noscript
    assert re.search(r'<form method="post" action="/2fa/key"[^>]* hidden>', page)


# --- removing ----------------------------------------------------------------------------------------


def key_id_of(app: Flask, people: People, login: str = "user") -> int:
    with app.app_context():
        return people.user(login).security_keys[0].id


def test_removing_needs_the_password_mails_and_ends_other_sessions(
    app: Flask, people: People, smtp: SmtpSink
) -> None:
    key = with_key(app)
    client, other = new_client(app), new_client(app)
    key_login(client, key)
    key_login(other, key)
    url = f"/profile/security/keys/{key_id_of(app, people)}/remove"
    page = client.get(url).text
    assert "Remove security key “Blue key”" in page and "your recovery codes go with it" in page
    wrong = client.submit(url, {"password": "wrong"})
    assert wrong.status_code == 200 and "The password is not correct." in wrong.text
    assert stored_keys(app, people) == [("Blue key", 2)]
    response = client.submit(url, {"password": PASSWORD})
    assert response.location == "/profile/security"
    assert "Security key &#34;Blue key&#34; was removed." in client.get("/profile/security").text
    assert stored_keys(app, people) == [] and logged_in(client) and not logged_in(other)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0  # the last own factor
    assert ("security key removed", "user", None) in audit_trail(app)
    mailed(smtp, "jane@example.com", REMOVED_SUBJECT, re.compile(r"key called \"(.*?)\""))
    subjects = [message["Subject"] for message in smtp.to("jane@example.com")]
    assert [subject for subject in subjects if "security key" in subject] == [ADDED_SUBJECT, REMOVED_SUBJECT]


def test_another_users_key_is_not_found_and_stays(app: Flask, people: People) -> None:
    with_key(app, "manager")
    client = new_client(app)
    client.login("user")
    url = f"/profile/security/keys/{key_id_of(app, people, 'manager')}/remove"
    assert client.get(url).status_code == 404
    assert client.submit(url, {"password": PASSWORD}).status_code == 404
    assert client.submit("/profile/security/keys/999999/remove", {"password": PASSWORD}).status_code == 404
    assert stored_keys(app, people, "manager") == [("Blue key", 0)]


# --- the rest of the product ------------------------------------------------------------------------------


def test_the_members_report_says_security_key(app: Flask, people: People) -> None:
    with_key(app)
    client = new_client(app)
    client.login("top")
    row = found(r"<td>user</td>.*?</tr>", client.get("/group/members").text, 0, re.S)
    assert "security key" in row


def test_a_managers_2fa_reset_removes_the_keys(app: Flask, people: People, smtp: SmtpSink) -> None:
    with_key(app)
    client = new_client(app)
    client.login("manager")
    page = client.get(f"/users/{people.ids['user']}/edit").text
    assert "security key" in page and "Reset two-factor authentication" in page
    response = client.submit(f"/users/{people.ids['user']}/reset-2fa", {"reset-password": PASSWORD})
    assert response.location == f"/users/{people.ids['user']}/edit"
    assert stored_keys(app, people) == []
    assert new_client(app).login("user").location == "/"
    reset = "Two-factor authentication was reset on your Time Tracker login"
    assert (
        mailed(smtp, "jane@example.com", reset, re.compile(r"your\s+(1 security key),")) == "1 security key"
    )


def test_a_password_reset_asks_for_the_key(app: Flask, people: People, smtp: SmtpSink) -> None:
    key = with_key(app)
    client = new_client(app)
    client.submit("/password/forgot", {"identity": "user"})
    link = reset_link(smtp, "jane@example.com")
    page = client.get(link).text
    assert "Use your security key" in page and "New password" not in page
    token = link.rsplit("/", 1)[1]
    refused = answer(client, key.get(options_on(page), "http://evil.example"), f"/password/reset/{token}/key")
    assert refused.location == link.replace(ORIGIN, "") and "New password" not in client.get(link).text
    good = answer(client, key.get(options_on(client.get(link).text), ORIGIN), f"/password/reset/{token}/key")
    assert good.location == link.replace(ORIGIN, "")
    assert "New password" in client.get(link).text


def test_without_a_base_url_keys_are_unavailable(make_app: Any, smtp: SmtpSink) -> None:
    app = make_app()
    client = new_client(app)
    client.submit(
        "/register",
        {
            "group_name": "Solo",
            "manager_name": "Sol Solo",
            "login": "solo",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    page = client.get("/profile/security").text
    assert "Security keys cannot be used on this server yet" in page and "Add security key" not in page
    confirm_password(client, then=NEW)
    assert "Security keys cannot be used on this server yet" in client.get(NEW).text
    output = app.test_cli_runner().invoke(args=["check"]).output
    assert "security keys: unavailable: set TIMETRACKER_BASE_URL" in output
    stop_sender(app)


# --- the JSON API -------------------------------------------------------------------------------------------


def api_key_login(api: FlaskClient) -> tuple[str, dict[str, Any]]:
    response = api_login(api, "user")
    assert response.status_code == 200 and response.json is not None
    assert response.json["second_factor"] == "security_key"
    return response.json["pending"], response.json["options"]


def test_the_api_login_with_a_key(app: Flask, people: People) -> None:
    key = with_key(app)
    api = app.test_client()
    pending, options = api_key_login(api)
    assert options["rpId"] == "localhost" and len(options["allowCredentials"]) == 1
    wrong = api.post(
        f"{API}/auth/2fa", json={"pending": pending, "credential": key.get(options, "http://evil")}
    )
    assert_error(wrong, 401, "invalid_key")
    pending, options = api_key_login(api)
    response = api.post(f"{API}/auth/2fa", json={"pending": pending, "credential": key.get(options, ORIGIN)})
    assert response.status_code == 200 and response.json is not None
    me = api.get(f"{API}/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200 and me.json is not None and me.json["user"]["login"] == "user"
    replay = api.post(f"{API}/auth/2fa", json={"pending": pending, "credential": key.get(options, ORIGIN)})
    assert_error(replay, 401, "invalid_pending")


def test_the_api_refuses_a_credential_that_is_not_an_object(app: Flask, people: People) -> None:
    with_key(app)
    api = app.test_client()
    pending, _ = api_key_login(api)
    assert_error(
        api.post(f"{API}/auth/2fa", json={"pending": pending, "credential": "text"}), 400, "invalid_request"
    )
    assert_error(api.post(f"{API}/auth/2fa", json={"pending": pending}), 400, "invalid_request")
