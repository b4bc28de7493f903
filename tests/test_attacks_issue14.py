"""An attacker's probes of issue 14: security keys, server-side sessions and the own-factor gate."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from webauthn.helpers import encode_cbor, parse_cbor

from tests.conftest import (
    API,
    PASSWORD,
    BrowserClient,
    People,
    api_login,
    assert_error,
    at_once,
    audit_trail,
    edit_form,
    new_client,
    reset_link,
    token_for,
)
from tests.test_own_factor_policy import log_in_with_code, require_own, settings, switch
from tests.test_security_keys import (
    NEW,
    ORIGIN,
    add_key,
    answer,
    key_id_of,
    key_login,
    key_page,
    logged_in,
    open_add_page,
    options_on,
    stored_keys,
    with_key,
)
from tests.webauthn_device import SoftwareKey, b64url, from_b64url
from timetracker.extensions import db
from timetracker.models import Group, SecurityKey, UserSession
from timetracker.security.security_keys import relying_party


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(BASE_URL=ORIGIN)


def _with_public_key(credential: dict[str, Any], cose: Any) -> dict[str, Any]:
    """Return ``credential`` (a registration) with its attested public key replaced by ``cose``."""
    attestation = parse_cbor(from_b64url(credential["response"]["attestationObject"]))
    auth_data = attestation["authData"]
    end = 55 + int.from_bytes(auth_data[53:55], "big")
    attestation["authData"] = auth_data[:end] + encode_cbor(cose)
    credential["response"]["attestationObject"] = b64url(encode_cbor(attestation))
    return credential


@pytest.mark.parametrize(
    "cose",
    [{}, {1: 2, 3: -7, -1: 1, -2: b"x" * 32, -3: b"y" * 32}, {1: 2, 3: -7, -1: 99, -2: b"x", -3: b"y"}],
    ids=["empty key", "point off the curve", "unknown curve"],
)
def test_a_registration_with_an_unusable_public_key_is_refused(
    app: Flask, client: BrowserClient, people: People, cose: Any
) -> None:
    client.login("user")
    credential = _with_public_key(SoftwareKey().create(open_add_page(client), ORIGIN), cose)
    response = client.submit(NEW, {"name": "Forged", "credential": json.dumps(credential)})
    assert response.status_code == 200 and "was not accepted" in response.text
    assert stored_keys(app, people) == []


def test_the_same_name_added_twice_at_once_stores_one_key(app: Flask, people: People) -> None:
    browsers = [new_client(app), new_client(app)]
    answers = []
    for browser in browsers:
        browser.login("user")
        answers.append(json.dumps(SoftwareKey().create(open_add_page(browser), ORIGIN)))
    tokens = [browser.csrf_token() for browser in browsers]
    statuses = at_once(
        2,
        lambda index: (
            browsers[index]
            .post(NEW, data={"csrf_token": tokens[index], "name": "Same", "credential": answers[index]})
            .status_code
        ),
    )
    assert sorted(statuses) == [200, 302]
    assert stored_keys(app, people) == [("Same", 0)]


@pytest.mark.parametrize("logins", [("user", "manager"), ("user", "user")], ids=["two users", "one user"])
def test_one_credential_added_twice_at_once_is_stored_once(
    app: Flask, people: People, logins: tuple[str, str]
) -> None:
    browsers = [new_client(app), new_client(app)]
    answers = []
    for browser, login in zip(browsers, logins, strict=True):
        browser.login(login)
        options = open_add_page(browser)
        with mock.patch("tests.webauthn_device.secrets", mock.Mock(token_bytes=lambda _: b"c" * 16)):
            answers.append(json.dumps(SoftwareKey().create(options, ORIGIN)))
    tokens = [browser.csrf_token() for browser in browsers]
    statuses = at_once(
        2,
        lambda index: (
            browsers[index]
            .post(
                NEW,
                data={"csrf_token": tokens[index], "name": f"Shared {index}", "credential": answers[index]},
            )
            .status_code
        ),
    )
    assert sorted(statuses) == [200, 302]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SecurityKey.id))) == 1


def test_a_credential_of_another_user_cannot_be_registered_again(app: Flask, people: People) -> None:
    client = new_client(app)
    client.login("user")
    with mock.patch("tests.webauthn_device.secrets", mock.Mock(token_bytes=lambda _: b"d" * 16)):
        assert add_key(client, SoftwareKey()).status_code == 302
    thief = new_client(app)
    thief.login("manager")
    with mock.patch("tests.webauthn_device.secrets", mock.Mock(token_bytes=lambda _: b"d" * 16)):
        response = add_key(thief, SoftwareKey())
    assert response.status_code == 200 and "already registered" in response.text
    assert stored_keys(app, people, "manager") == [] and stored_keys(app, people) == [("Blue key", 0)]


def test_a_registration_challenge_does_not_answer_a_login(app: Flask, people: People) -> None:
    key = with_key(app)
    attacker = new_client(app)
    key_page(attacker)
    registering = new_client(app)
    key_login(registering, key)
    options = open_add_page(registering)  # a live challenge bound to the user and that browser
    response = answer(attacker, key.get(options, ORIGIN))
    assert response.location == "/2fa" and not logged_in(attacker)


def test_registration_needs_a_recent_password_also_on_post(app: Flask, people: People) -> None:
    client = new_client(app)
    client.login("user")
    response = client.submit(NEW, {"name": "No password", "credential": "{}"})
    assert response.location.startswith("/profile/security/confirm-password")
    assert stored_keys(app, people) == []


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": 5},
        {"id": "AA", "rawId": "AA", "type": "public-key", "response": []},
        {"id": "AA", "rawId": "AA", "type": "public-key", "response": {"clientDataJSON": 5}},
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {
                "clientDataJSON": "eyJjaGFsbGVuZ2UiOjV9",
                "authenticatorData": "AA",
                "signature": "AA",
                "userHandle": 5,
            },
        },
        {"id": "x" * 100_000},
    ],
)
def test_garbage_credentials_in_the_api_are_refused(app: Flask, people: People, credential: Any) -> None:
    with_key(app)
    api = app.test_client()
    pending = api_login(api, "user").json["pending"]  # type: ignore[index]
    response = api.post(f"{API}/auth/2fa", json={"pending": pending, "credential": credential})
    assert response.status_code in (400, 401), response.text


@pytest.mark.parametrize("credential", ["[]", "5", '{"id": null}', "x" * 30_000, '"' + "a" * 19_000 + '"'])
def test_garbage_answers_on_the_key_page_are_refused(app: Flask, people: People, credential: str) -> None:
    with_key(app)
    client = new_client(app)
    key_page(client)
    response = client.submit("/2fa/key", {"credential": credential})
    assert response.location == "/2fa" and not logged_in(client)


def test_a_key_assertion_of_the_user_answers_no_other_pending_login(app: Flask, people: People) -> None:
    key = with_key(app)
    with_key(app, "manager")
    victim = new_client(app)
    options = options_on(key_page(victim, "manager"))  # the manager's pending login
    response = answer(victim, key.get(options, ORIGIN))  # the user's key
    assert response.location == "/2fa" and not logged_in(victim)


def test_another_users_session_cannot_be_ended(app: Flask, people: People) -> None:
    jane, mia = new_client(app), new_client(app)
    jane.login("user")
    mia.login("manager")
    with app.app_context():
        janes = db.session.scalar(db.select(UserSession.id).where(UserSession.user_id == people.ids["user"]))
    assert mia.submit(f"/profile/security/sessions/{janes}/logout").status_code == 404
    assert mia.submit(f"/profile/security/sessions/{janes.upper()}/logout").status_code == 404
    assert logged_in(jane)


def test_the_security_tab_shows_no_token(app: Flask, people: People) -> None:
    client = new_client(app)
    client.login("user")
    api = app.test_client()
    token = token_for(api, "user")
    page = client.get("/profile/security").text
    cookie = client.get_cookie("session")
    assert cookie is not None and token not in page and token[3:] not in page


def test_deactivation_ends_the_api_token_and_the_pending_login(app: Flask, people: People) -> None:
    key = with_key(app)
    api = app.test_client()
    pending = api_login(api, "user").json  # type: ignore[assignment]
    assert pending is not None
    manager = new_client(app)
    manager.login("manager")
    response = manager.submit(f"/users/{people.ids['user']}/edit", edit_form(people, "user", active=None))
    assert response.status_code == 302, response.text
    late = api.post(
        f"{API}/auth/2fa",
        json={"pending": pending["pending"], "credential": key.get(pending["options"], ORIGIN)},
    )
    assert_error(late, 401, "invalid_pending")


def test_a_removed_key_ends_the_api_tokens_it_gave(app: Flask, people: People) -> None:
    key = with_key(app)
    api = app.test_client()
    started = api_login(api, "user").json
    assert started is not None
    issued = api.post(
        f"{API}/auth/2fa",
        json={"pending": started["pending"], "credential": key.get(started["options"], ORIGIN)},
    ).json
    assert issued is not None
    client = new_client(app)
    key_login(client, key)
    url = f"/profile/security/keys/{key_id_of(app, people)}/remove"
    assert client.submit(url, {"password": PASSWORD}).status_code == 302
    me = api.get(f"{API}/me", headers={"Authorization": f"Bearer {issued['token']}"})
    assert_error(me, 401, "invalid_token")


def test_a_user_agent_with_line_breaks_stays_in_the_alerts_body(
    app: Flask, people: People, smtp: Any
) -> None:
    client = new_client(app)
    client.forget_device()
    agent = "Evil/1.0\r\nBcc: thief@evil.example\r\nSubject: Reset now"
    response = client.submit(
        "/login",
        {"login": "user", "password": PASSWORD},
        environ_overrides={"HTTP_USER_AGENT": agent, "REMOTE_ADDR": "192.0.2.7"},
        headers={"X-Forwarded-For": "198.51.100.66"},  # no proxy is trusted: a spoofed address
    )
    assert response.location == "/"
    message = next(m for m in smtp.wait_for(1) if m["Subject"] == "New sign-in to Time Tracker")
    assert message["Bcc"] is None and message["To"] == "jane@example.com"
    assert "thief@evil.example" not in message.as_string()
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "192.0.2.7" in body and "198.51.100.66" not in body


@pytest.mark.parametrize(
    "url", ["/2fa/key", "/profile/security/sessions/logout-others", "/profile/security/keys/new"]
)
def test_the_new_forms_need_the_csrf_token(app: Flask, people: People, url: str) -> None:
    with_key(app)
    client = new_client(app)
    if url == "/2fa/key":
        key_page(client)
    else:
        client.login("manager")
    response = client.post(url, data={"credential": "{}", "name": "x"})
    assert response.status_code == 400, response.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/profile/security/../../time",
        "/profile/securityx",
        "/profile/security%2F..%2F..%2Ftime",
        "/profile//security/../time",
    ],
)
def test_the_gate_is_not_opened_by_a_path_trick(
    app: Flask, client: BrowserClient, people: People, smtp: Any, path: str
) -> None:
    require_own(people, days=0)
    assert log_in_with_code(client, smtp).location == "/"
    for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"):
        response = client.open(path, method=method)
        assert response.status_code in (302, 308, 404, 405), (method, response.status_code)
        if response.status_code == 302:
            assert response.location == "/profile/security/own-factor", (method, response.location)
        if response.status_code == 308:  # merged slashes: the page it names is gated in turn
            assert response.location.endswith("/time"), (method, response.location)
    assert client.get("/time").location == "/profile/security/own-factor"


def test_a_forced_user_cannot_use_the_api_with_a_browser_cookie(
    app: Flask, client: BrowserClient, people: People, smtp: Any
) -> None:
    require_own(people, days=0)
    assert log_in_with_code(client, smtp).location == "/"
    assert client.get(f"{API}/me").status_code == 401
    assert client.get(f"{API}/time/entries").status_code in (401, 404)


def test_a_huge_challenge_in_the_answer_is_refused(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    options = options_on(key_page(client))
    options["challenge"] = b64url(b"z" * 12_000)
    response = answer(client, key.get(options, ORIGIN))
    assert response.location == "/2fa" and not logged_in(client)


def test_removing_one_key_twice_at_once_removes_it_once(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    key_login(client, key)
    url = f"/profile/security/keys/{key_id_of(app, people)}/remove"
    token = client.csrf_token()
    statuses = at_once(
        2, lambda _: client.post(url, data={"csrf_token": token, "password": PASSWORD}).status_code
    )
    assert 500 not in statuses and stored_keys(app, people) == []
    assert [row[0] for row in audit_trail(app)].count("security key removed") == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"own_factor_grace_days": "99999999999999999999999"},
        {"own_factor_grace_days": "-1"},
        {"own_factor_grace_days": "31"},
        {"own_factor_grace_days": "1e3"},
        {"second_factor_policy": "none"},
        {"second_factor_policy": "own", "own_factor_grace_days": ""},
    ],
)
def test_bad_policy_settings_are_refused(app: Flask, people: People, changes: dict[str, str]) -> None:
    response = switch(app, **changes)
    assert response.status_code == 200, response.status_code
    with app.app_context():
        group = db.session.get(Group, people.group_id)
        assert group is not None and group.own_factor_deadline is None


def test_a_user_cannot_switch_the_policy(app: Flask, people: People) -> None:
    client = new_client(app)
    client.login("user")
    assert client.submit("/group/advanced", settings()).status_code in (403, 404)
    with app.app_context():
        group = db.session.get(Group, people.group_id)
        assert group is not None and group.second_factor_policy == "any"


def test_the_api_key_answer_sent_twice_at_once_gives_one_token(app: Flask, people: People) -> None:
    key = with_key(app)
    api = app.test_client()
    started = api_login(api, "user").json
    assert started is not None
    body = {"pending": started["pending"], "credential": key.get(started["options"], ORIGIN)}
    statuses = at_once(2, lambda _: app.test_client().post(f"{API}/auth/2fa", json=body).status_code)
    assert sorted(statuses) == [200, 401]
    with app.app_context():
        assert (
            db.session.scalar(db.select(db.func.count(UserSession.id)).where(UserSession.kind == "api")) == 1
        )


def test_a_planted_session_cookie_is_not_the_login(app: Flask, people: People) -> None:
    attacker = new_client(app)
    attacker.login("user")
    attacker.submit("/logout")
    attacker.get("/login")
    planted = attacker.get_cookie("session")
    assert planted is not None
    victim = new_client(app)
    victim.set_cookie("session", planted.value)
    assert victim.login("user").location == "/"
    attacker.set_cookie("session", planted.value)
    assert not logged_in(attacker) and logged_in(victim)
    assert victim.get_cookie("session").value != planted.value  # type: ignore[union-attr]


def test_the_api_login_does_not_tell_whose_login_exists(app: Flask, people: People) -> None:
    with_key(app)
    api = app.test_client()
    unknown = api_login(api, "nobody-here", "wrong password")
    known = api_login(api, "user", "wrong password")
    assert (unknown.status_code, unknown.json) == (known.status_code, known.json)
    assert "options" not in (known.json or {})


def test_a_pending_login_of_the_browser_is_no_api_pending(app: Flask, people: People) -> None:
    key = with_key(app)
    client = new_client(app)
    options = options_on(key_page(client))
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    token = serializer.loads(cookie.value)["pending_login"]  # the browser can read its own cookie
    api = app.test_client()
    response = api.post(f"{API}/auth/2fa", json={"pending": token, "credential": key.get(options, ORIGIN)})
    assert_error(response, 401, "invalid_pending")


@pytest.mark.parametrize(
    ("base_url", "origin"),
    [
        ("https://TT.Example.com", "https://tt.example.com"),
        ("https://tt.example.com:443/", "https://tt.example.com"),
        ("http://tt.example.com:80", "http://tt.example.com"),
        ("https://someone@tt.example.com:8443/app", "https://tt.example.com:8443"),
    ],
)
def test_the_origin_is_the_one_a_browser_sends(make_app: Any, base_url: str, origin: str) -> None:
    app = make_app(BASE_URL=base_url)
    with app.test_request_context():
        assert relying_party().origin == origin and relying_party().id == "tt.example.com"


DEEP = "[" * 19_000  # within the form's limit, deeper than the JSON parser recurses


def test_a_deeply_nested_answer_on_the_key_page_is_refused(app: Flask, people: People) -> None:
    with_key(app)
    client = new_client(app)
    key_page(client)
    response = client.submit("/2fa/key", {"credential": DEEP})
    assert response.location == "/2fa" and not logged_in(client)


def test_a_deeply_nested_registration_is_refused(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    open_add_page(client)
    response = client.submit(NEW, {"name": "Deep", "credential": DEEP})
    assert response.status_code == 200 and stored_keys(app, people) == []


def test_a_deeply_nested_api_body_is_refused(app: Flask, people: People) -> None:
    with_key(app)
    api = app.test_client()
    pending = api_login(api, "user").json["pending"]  # type: ignore[index]
    deep = "[" * 100_000
    body = json.dumps({"pending": pending, "credential": {"id": 0}}).replace("0", deep)
    response = api.post(f"{API}/auth/2fa", data=body, content_type="application/json")
    assert response.status_code == 400, response.status_code
    anyone = api.post(f"{API}/auth/login", data='{"login": ' + deep, content_type="application/json")
    assert anyone.status_code == 400, anyone.status_code  # before any password: not a 500


def test_registering_a_taken_login_does_not_log_in_as_its_owner(app: Flask, people: People) -> None:
    with_key(app)
    client = new_client(app)
    form = {"group_name": "Mine", "manager_name": "Me", "login": "USER ", "password": PASSWORD}
    response = client.submit("/register", {**form, "confirm": PASSWORD})
    assert response.status_code == 200 and not logged_in(client)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(UserSession.id))) == 0


def test_a_reset_link_sets_no_password_before_the_key(app: Flask, people: People, smtp: Any) -> None:
    with_key(app)
    thief = new_client(app)  # holds the mailbox, not the key
    thief.submit("/password/forgot", {"identity": "user"})
    link = reset_link(smtp, "jane@example.com").replace(ORIGIN, "")
    token = link.rsplit("/", 1)[1]
    new = {"new_password": "a brand new password 1", "confirm": "a brand new password 1"}
    for url in (link, f"/password/reset/{token}/verify", f"/password/reset/{token}/recovery"):
        thief.submit(url, {**new, "code": "000000"})
    thief.submit(f"/password/reset/{token}/key", {**new, "credential": "{}"})
    assert thief.submit(link, new).status_code == 200  # the key's page again
    assert new_client(app).login("user", "a brand new password 1").location is None
    assert new_client(app).login("user").location == "/2fa"


def test_a_registration_answer_does_not_log_in(app: Flask, people: People) -> None:
    with_key(app)
    client = new_client(app)
    options = options_on(key_page(client))
    creation = {**options, "rp": {"id": "localhost"}, "user": {"id": b64url(b"u" * 32)}}
    response = answer(client, SoftwareKey().create(creation, ORIGIN))  # webauthn.create, not .get
    assert response.location == "/2fa" and not logged_in(client)


def test_a_login_answer_does_not_register_a_key(app: Flask, client: BrowserClient, people: People) -> None:
    key = with_key(app)
    key_login(client, key)
    options = open_add_page(client)
    assertion = key.get(options, ORIGIN)  # webauthn.get over the registration's challenge
    response = client.submit(NEW, {"name": "Other", "credential": json.dumps(assertion)})
    assert response.status_code == 200 and stored_keys(app, people) == [("Blue key", 1)]
