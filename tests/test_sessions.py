"""Server-side sessions: what the cookie holds, ending sessions, expiry, last seen, the cost of a request."""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login import current_user, login_required
from sqlalchemy import event, func, select

from tests.conftest import (
    API,
    PASSWORD,
    AppClock,
    BrowserClient,
    People,
    audit_trail,
    base_config,
    edit_form,
    enroll_app,
    new_client,
    session_copy,
    token_for,
)
from timetracker import create_app
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import ApiToken, SecurityKey, UserSession
from timetracker.security import devices

SECURITY = "/profile/security"
CHROME_ON_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
_SESSION_FORM = re.compile(r'action="/profile/security/sessions/([0-9a-f]{64})/logout"')


def logged_in(client: FlaskClient) -> bool:
    """Tell whether a page behind the login opens for ``client``."""
    return client.get(SECURITY).status_code == 200


def session_rows(app: Flask, login: str | None = None) -> list[tuple[str, str, str]]:
    """Return the stored sessions as (user login, kind, device), oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(UserSession).order_by(UserSession.created_at, UserSession.id))
        found = [(row.user.login, row.kind, row.device) for row in rows]
    return [row for row in found if login is None or row[0] == login]


def other_session_ids(client: BrowserClient) -> list[str]:
    """Return the ids of the sessions that have their own "Log out" button on the Security tab."""
    return _SESSION_FORM.findall(client.get(SECURITY).text)


def me(api: FlaskClient, token: str) -> int:
    return api.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code


# --- what the browser holds ----------------------------------------------------------------------


def test_the_cookie_holds_only_the_session_token(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    with client.session_transaction() as session:
        token = session["login"]
        assert set(session) <= {"login", "csrf_token", "_permanent", "_flashes"}
    [row] = session_rows(app)
    assert row[:2] == ("user", "browser")
    with app.app_context():
        stored = db.session.scalar(select(UserSession))
        assert stored is not None and stored.id != token and len(token) >= 43
        assert stored.id == hashlib.sha256(token.encode()).hexdigest()


def test_a_copied_cookie_dies_at_logout(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    copy = session_copy(app, client)
    assert logged_in(copy)
    client.submit("/logout")
    assert session_rows(app) == []
    response = copy.get(SECURITY)
    assert response.status_code == 302 and response.location.startswith("/login")
    assert audit_trail(app)[-1] == ("logout", "user", None)


@pytest.mark.parametrize("value", ["", "x" * 43, 12, None, ["a"], "a" * 5000, "../../etc"])
def test_bad_session_tokens_are_not_logged_in(
    app: Flask, client: BrowserClient, people: People, value: Any
) -> None:
    client.login("user")
    with client.session_transaction() as session:
        session["login"] = value
    response = client.get(SECURITY)
    assert response.status_code == 302 and response.location.startswith("/login")


def test_another_users_session_id_in_the_cookie_is_not_theirs(
    app: Flask, client: BrowserClient, people: People
) -> None:
    """The row's id is stored, the token is not: knowing a session's id does not give its session."""
    other = new_client(app)
    other.login("manager")
    with app.app_context():
        manager_session = db.session.scalar(select(UserSession.id))
    client.login("user")
    with client.session_transaction() as session:
        session["login"] = manager_session
    assert client.get(SECURITY).status_code == 302


# --- ending sessions from the Security tab ----------------------------------------------------------


def test_log_out_everywhere_else(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    laptop, phone = new_client(app), new_client(app)
    laptop.login("user")
    phone.login("user")
    elsewhere = new_client(app)
    elsewhere.login("manager")
    api = app.test_client()
    token = token_for(api, "user")
    assert len(other_session_ids(client)) == 3
    response = client.submit(f"{SECURITY}/sessions/logout-others")
    assert response.location == SECURITY
    assert "You are logged out everywhere else." in client.get(SECURITY).text
    assert logged_in(client) and not logged_in(laptop) and not logged_in(phone)
    assert me(api, token) == 401
    assert logged_in(elsewhere)  # another user's session is not theirs to end
    assert [row[1] for row in session_rows(app, "user")] == ["browser"]
    with app.app_context():
        assert db.session.scalar(select(func.count(ApiToken.id))) == 0
    assert ("sessions ended", "user", "user") in audit_trail(app)


def test_log_out_one_session(app: Flask, client: BrowserClient, people: People) -> None:
    laptop = new_client(app)
    laptop.login("user")
    client.login("user")
    [laptop_id] = other_session_ids(client)
    response = client.submit(f"{SECURITY}/sessions/{laptop_id}/logout")
    assert response.location == SECURITY
    assert "That session is logged out." in client.get(SECURITY).text
    assert not logged_in(laptop) and logged_in(client)
    assert audit_trail(app)[-1] == ("session ended", "user", None)


def test_another_users_session_cannot_be_logged_out(
    app: Flask, client: BrowserClient, people: People
) -> None:
    victim = new_client(app)
    victim.login("manager")
    with app.app_context():
        victim_id = db.session.scalar(select(UserSession.id))
    client.login("user")
    before = audit_trail(app)
    for session_id in (victim_id, "f" * 64, "not-an-id", "A" * 64):
        assert client.submit(f"{SECURITY}/sessions/{session_id}/logout").status_code == 404
    assert logged_in(victim) and len(session_rows(app)) == 2
    assert audit_trail(app) == before


def test_ending_sessions_needs_a_post_with_the_csrf_token(
    app: Flask, client: BrowserClient, people: People
) -> None:
    laptop = new_client(app)
    laptop.login("user")
    client.login("user")
    [laptop_id] = other_session_ids(client)
    assert client.get(f"{SECURITY}/sessions/{laptop_id}/logout").status_code == 405
    assert client.post(f"{SECURITY}/sessions/{laptop_id}/logout").status_code == 400
    assert client.post(f"{SECURITY}/sessions/logout-others").status_code == 400
    assert logged_in(laptop)


def test_the_page_lists_each_session_with_this_browser_marked(
    app: Flask, client: BrowserClient, people: People, frozen_clock: AppClock
) -> None:
    client.environ_base["HTTP_USER_AGENT"] = CHROME_ON_LINUX
    laptop = new_client(app)
    laptop.environ_base["HTTP_USER_AGENT"] = FIREFOX_ON_WINDOWS
    laptop.login("user")
    client.login("user")
    token_for(app.test_client(), "user")
    page = client.get(SECURITY).text
    section = page[page.index("Where you're logged in") :]
    assert "Chrome 120 on Linux" in section and "Firefox 121 on Windows" in section
    assert section.count("This browser") == 1
    assert "API token" in section
    assert "Log out everywhere else" in section
    assert frozen_clock.now().strftime("%Y-%m-%d") in section


def test_the_api_token_is_revoked_from_the_sessions_page(
    app: Flask, client: BrowserClient, people: People
) -> None:
    api = app.test_client()
    token = token_for(api, "user")
    assert me(api, token) == 200
    client.login("user")
    [api_session] = other_session_ids(client)
    client.submit(f"{SECURITY}/sessions/{api_session}/logout")
    assert me(api, token) == 401
    with app.app_context():
        assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_the_api_logout_ends_its_session(app: Flask, people: People) -> None:
    api = app.test_client()
    token = token_for(api, "user")
    assert session_rows(app) == [("user", "api", devices.describe(""))]
    assert api.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert session_rows(app) == [] and me(api, token) == 401
    assert audit_trail(app)[-1] == ("API token revoked", "user", None)


# --- what ends every session of a user ---------------------------------------------------------------


def test_a_password_change_ends_every_other_session_and_token(
    app: Flask, client: BrowserClient, people: People
) -> None:
    laptop = new_client(app)
    laptop.login("user")
    api = app.test_client()
    token = token_for(api, "user")
    client.login("user")
    form = {
        "current_password": PASSWORD,
        "new_password": "a new good password",
        "confirm": "a new good password",
    }
    response = client.submit("/profile/password", {f"password-{key}": value for key, value in form.items()})
    assert response.location == "/profile", response.text
    assert logged_in(client) and not logged_in(laptop) and me(api, token) == 401
    assert [row[1] for row in session_rows(app)] == ["browser"]
    assert ("sessions ended", "user", "user") in audit_trail(app)


def test_a_managers_2fa_reset_ends_every_session_of_the_user(
    app: Flask, client: BrowserClient, people: People
) -> None:
    jane = new_client(app)
    jane.login("user")
    token_for(app.test_client(), "user")
    enroll_app(app, "user")  # her sessions stop counting, but stay until the reset
    assert [row[0] for row in session_rows(app)] == ["user", "user"]
    client.login("manager")
    response = client.submit(f"/users/{people.ids['user']}/reset-2fa", {"reset-password": PASSWORD})
    assert response.location == f"/users/{people.ids['user']}/edit"
    assert [row[0] for row in session_rows(app)] == ["manager"]
    assert ("sessions ended", "manager", "user") in audit_trail(app)


def test_deactivation_ends_every_session_of_the_user(
    app: Flask, client: BrowserClient, people: People
) -> None:
    jane = new_client(app)
    jane.login("user")
    api = app.test_client()
    token = token_for(api, "user")
    client.login("manager")
    with app.app_context():
        user_id = people.user("user").id
    response = client.submit(f"/users/{user_id}/edit", edit_form(people, "user", active=None))
    assert response.status_code == 302, response.text
    assert not logged_in(jane) and me(api, token) == 401
    assert [row[0] for row in session_rows(app)] == ["manager"]
    assert ("sessions ended", "manager", "user") in audit_trail(app)


# --- idle and absolute ends, last seen ---------------------------------------------------------------


def test_an_idle_session_ends(client: BrowserClient, people: People, frozen_clock: AppClock) -> None:
    client.login("user")
    frozen_clock.move(minutes=119)
    assert logged_in(client)  # in use: seen again
    frozen_clock.move(minutes=119)
    assert logged_in(client)
    frozen_clock.move(minutes=121)
    assert not logged_in(client)


def test_the_idle_timeout_is_configurable(make_app: Any, frozen_clock: AppClock) -> None:
    app = make_app(SESSION_IDLE_TIMEOUT=600)
    from tests.conftest import _new_group

    with app.app_context():
        _new_group("Acme", "top", "Tara Top")
    client = new_client(app)
    client.login("top")
    frozen_clock.move(minutes=9)
    assert logged_in(client)
    frozen_clock.move(minutes=11)
    assert not logged_in(client)


def test_a_session_in_use_ends_after_its_lifetime(
    app: Flask, client: BrowserClient, people: People, frozen_clock: AppClock
) -> None:
    client.login("user")
    for _ in range(23):
        frozen_clock.move(minutes=30)
        assert logged_in(client)  # 11.5 hours, used every half hour
    frozen_clock.move(minutes=30)
    assert not logged_in(client)


def test_an_api_token_is_not_ended_by_idleness_but_by_its_lifetime(
    app: Flask, people: People, frozen_clock: AppClock
) -> None:
    api = app.test_client()
    token = token_for(api, "user")
    frozen_clock.move(days=29)
    assert me(api, token) == 200
    frozen_clock.move(days=1)
    assert me(api, token) == 401


def test_last_seen_is_written_at_most_once_a_minute(
    app: Flask, client: BrowserClient, people: People, frozen_clock: AppClock
) -> None:
    client.login("user")

    def last_seen() -> Any:
        with app.app_context():
            return db.session.scalar(select(UserSession.last_seen_at))

    logged_in_at = last_seen()
    frozen_clock.move(seconds=59)
    client.get(SECURITY)
    assert last_seen() == logged_in_at
    frozen_clock.move(seconds=1)
    client.get(SECURITY)
    assert last_seen() == frozen_clock.now()
    seen = last_seen()
    frozen_clock.move(seconds=30)
    client.get(SECURITY)
    assert last_seen() == seen


# --- the cost of a request ---------------------------------------------------------------------------


def test_an_authenticated_request_costs_one_statement(make_app: Any, frozen_clock: AppClock) -> None:
    """The session, its user, the role and group, the app and the keys: one primary-key read."""
    app = make_app()

    @app.route("/whoami")
    @login_required
    def whoami() -> str:
        from timetracker.security.second_factor import second_factor_for

        return f"{current_user.login} {second_factor_for(current_user).value} {current_user.group.name}"

    from tests.conftest import _new_group
    from timetracker.models.user_session import SessionKind
    from timetracker.security import sessions
    from timetracker.security.second_factor import Factor

    with app.test_request_context():
        user = _new_group("Acme", "top", "Tara Top")
        db.session.add_all(
            SecurityKey(user=user, name=f"key {n}", credential_id=bytes([n]), public_key=b"k") for n in (1, 2)
        )
        new = sessions.create(user, SessionKind.BROWSER, Factor.SECURITY_KEY, lifetime=3600)
        db.session.commit()
    client = new_client(app)
    with client.session_transaction() as session:
        session["login"] = new.token
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: _in_this_thread(statements, args[2]))
    assert client.get("/whoami").text == "top security_key Acme"
    assert len(statements) == 1 and "user_sessions" in statements[0], statements
    statements.clear()
    frozen_clock.move(minutes=1)
    assert client.get("/whoami").text == "top security_key Acme"
    assert len(statements) == 2 and statements[1].startswith("UPDATE user_sessions"), statements


def _in_this_thread(statements: list[str], statement: str) -> None:
    """Note a statement of the request (the test client's thread), not of the mail sender's."""
    if threading.get_ident() == _TEST_THREAD:
        statements.append(statement)


_TEST_THREAD = threading.get_ident()


# --- pruning, configuration, device names --------------------------------------------------------------


def test_ended_sessions_are_pruned_with_the_outbox(
    app: Flask, client: BrowserClient, people: People, frozen_clock: AppClock
) -> None:
    idle = new_client(app)
    idle.login("user")
    api = app.test_client()
    token_for(api, "manager")
    frozen_clock.move(hours=1, minutes=30)
    client.login("supervisor")
    frozen_clock.move(minutes=31)
    with app.app_context():
        outbox.purge()
    assert [row[:2] for row in session_rows(app)] == [("manager", "api"), ("supervisor", "browser")]
    frozen_clock.move(days=31)
    with app.app_context():
        outbox.purge()
    assert session_rows(app) == []


@pytest.mark.parametrize("value", [0, 59, -1, "7200", None, True, float("inf"), float("nan")])
def test_a_bad_idle_timeout_is_refused_at_start(value: Any) -> None:
    with pytest.raises(RuntimeError, match="TIMETRACKER_SESSION_IDLE_TIMEOUT"):
        create_app(base_config(SESSION_IDLE_TIMEOUT=value, SQLALCHEMY_DATABASE_URI="sqlite://"))


@pytest.mark.parametrize(
    ("user_agent", "described"),
    [
        (CHROME_ON_LINUX, "Chrome 120 on Linux"),
        (FIREFOX_ON_WINDOWS, "Firefox 121 on Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.1 Mobile/15E148 Safari/604.1",
            "Mobile Safari 17 on iOS",
        ),
        ("curl/8.4.0", "curl 8"),
        ("", "Unknown browser or app"),
        ("\x00\x01 nonsense", "Unknown browser or app"),
        ("x" * 100_000, "Unknown browser or app"),
    ],
)
def test_devices_are_described_shortly(user_agent: str, described: str) -> None:
    assert devices.describe(user_agent) == described


def test_a_long_device_name_is_cut_to_the_column() -> None:
    assert len(devices.describe("Mozilla/5.0 " + "Chrome/1" + "a" * 400)) <= 200
