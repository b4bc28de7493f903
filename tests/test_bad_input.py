"""Bad input on every form: a form error, never a 500, never a stored broken row.

A name may hold quotes and semicolons (O'Brien; a SQL-looking name is stored verbatim and
does no harm), and a password may hold any printable character; everything else listed in
``BAD`` is refused with a message on the page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.conftest import PASSWORD, BrowserClient, People, found
from timetracker.extensions import db
from timetracker.models import Group, Role, User

BAD = {
    "empty": "",
    "huge": "x" * 10_000,
    "nul": "ab\x00cd",
    "escape": "ab\x1b[31mcd",
    "bidi": "abc\u202efed",
    "sql": "Robert'); DROP TABLE users;--",
    "html": "<script>alert(1)</script>",
}


@dataclass(frozen=True)
class Case:
    """One form field: where it is, who submits it, a valid form, and what it accepts."""

    url: Callable[[People], str]
    actor: str | None
    valid: Callable[[People], dict[str, Any]]
    fields: tuple[str, ...]  # the field, and its confirmation when it has one
    accepts: frozenset[str] = frozenset()
    confirmed: bool = False  # the page asks for the password again first


def _user_form(people: People) -> dict[str, Any]:
    with people.app.app_context():
        role_id = people.role_id("User")
    return {
        "name": "Nora New",
        "login": "nora",
        "password": "good password",
        "confirm": "good password",
        "email": "nora@example.com",
        "role_id": role_id,
        "active": "y",
    }


def _edit_form(people: People) -> dict[str, Any]:
    return {
        **_user_form(people),
        "name": "Jane User",
        "login": "user",
        "password": "",
        "confirm": "",
        "email": "jane@example.com",
    }


REGISTER = {
    "group_name": "Team",
    "manager_name": "Ann",
    "login": "ann",
    "password": "good password",
    "confirm": "good password",
    "email": "ann@example.com",
}
PROFILE = {
    "profile-name": "Jane User",
    "profile-email": "jane@example.com",
    "profile-current_password": PASSWORD,
}
NEW_PASSWORD = {
    "password-current_password": PASSWORD,
    "password-new_password": "good password",
    "password-confirm": "good password",
}
ADVANCED = {"name": "Acme", "description": "Makers of things"}
SQL_NAME = frozenset({"sql"})
ANY_PASSWORD = frozenset({"sql", "html"})


def _fixed(url: str) -> Callable[[People], str]:
    return lambda people: url


def _form(values: dict[str, Any]) -> Callable[[People], dict[str, Any]]:
    return lambda people: dict(values)


def _edit_url(people: People) -> str:
    return f"/users/{people.ids['user']}/edit"


CASES = {
    "login.login": Case(_fixed("/login"), None, _form({"login": "user", "password": PASSWORD}), ("login",)),
    "login.password": Case(
        _fixed("/login"), None, _form({"login": "user", "password": PASSWORD}), ("password",)
    ),
    "register.group_name": Case(_fixed("/register"), None, _form(REGISTER), ("group_name",), SQL_NAME),
    "register.manager_name": Case(_fixed("/register"), None, _form(REGISTER), ("manager_name",), SQL_NAME),
    "register.login": Case(_fixed("/register"), None, _form(REGISTER), ("login",)),
    "register.password": Case(
        _fixed("/register"), None, _form(REGISTER), ("password", "confirm"), ANY_PASSWORD
    ),
    "register.email": Case(_fixed("/register"), None, _form(REGISTER), ("email",), frozenset({"empty"})),
    "new_user.name": Case(_fixed("/users/new"), "manager", _user_form, ("name",), SQL_NAME),
    "new_user.login": Case(_fixed("/users/new"), "manager", _user_form, ("login",)),
    "new_user.password": Case(
        _fixed("/users/new"), "manager", _user_form, ("password", "confirm"), ANY_PASSWORD
    ),
    "new_user.email": Case(_fixed("/users/new"), "manager", _user_form, ("email",), frozenset({"empty"})),
    "new_user.role_id": Case(_fixed("/users/new"), "manager", _user_form, ("role_id",)),
    "edit_user.name": Case(_edit_url, "manager", _edit_form, ("name",), SQL_NAME),
    "edit_user.login": Case(_edit_url, "manager", _edit_form, ("login",)),
    "edit_user.password": Case(
        _edit_url, "manager", _edit_form, ("password", "confirm"), ANY_PASSWORD | {"empty"}
    ),
    "edit_user.email": Case(_edit_url, "manager", _edit_form, ("email",), frozenset({"empty"})),
    "profile.name": Case(_fixed("/profile"), "user", _form(PROFILE), ("profile-name",), SQL_NAME),
    "profile.email": Case(
        _fixed("/profile"), "user", _form(PROFILE), ("profile-email",), frozenset({"empty"})
    ),
    "profile.current_password": Case(
        _fixed("/profile"), "user", _form(PROFILE), ("profile-current_password",)
    ),
    "password.current": Case(
        _fixed("/profile/password"), "user", _form(NEW_PASSWORD), ("password-current_password",)
    ),
    "advanced.name": Case(_fixed("/group/advanced"), "manager", _form(ADVANCED), ("name",), SQL_NAME),
    "advanced.description": Case(
        _fixed("/group/advanced"), "manager", _form(ADVANCED), ("description",), frozenset({"sql", "empty"})
    ),
    "confirm.password": Case(
        _fixed("/profile/security/confirm-password"), "user", _form({"password": PASSWORD}), ("password",)
    ),
    "enable.code": Case(
        _fixed("/profile/security/enable"), "user", _form({"code": "123456"}), ("code",), confirmed=True
    ),
    "password.new": Case(
        _fixed("/profile/password"),
        "user",
        _form(NEW_PASSWORD),
        ("password-new_password", "password-confirm"),
        ANY_PASSWORD,
    ),
}


def stored(app: Flask) -> list[tuple[Any, ...]]:
    """Return every group, role and user row, to tell whether anything changed."""
    with app.app_context():
        groups = [
            (g.id, g.name, g.description, g.two_factor_required) for g in db.session.scalars(select(Group))
        ]
        roles = [
            (r.id, r.group_id, r.name, r.rank, sorted(r.rights)) for r in db.session.scalars(select(Role))
        ]
        users = [
            (u.id, u.role_id, u.login, u.name, u.email, u.password_hash, u.active)
            for u in db.session.scalars(select(User))
        ]
    return [*groups, *roles, *users]


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize("case_name", list(CASES))
def test_bad_input_gives_a_form_error(
    app: Flask, client: BrowserClient, people: People, case_name: str, kind: str
) -> None:
    case = CASES[case_name]
    if case.actor:
        client.login(case.actor)
    if case.confirmed:
        client.submit("/profile/security/confirm-password", {"password": PASSWORD})
    form = case.valid(people)
    for field in case.fields:
        form[field] = BAD[kind]
    before = stored(app)

    response = client.submit(case.url(people), form)

    if kind in case.accepts:
        assert response.status_code == 302, response.text
        return
    assert response.status_code == 200
    assert 'class="error"' in response.text or "alert-error" in response.text
    assert BAD["html"] not in response.text
    assert stored(app) == before


def test_sql_looking_name_is_stored_verbatim_and_harmless(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("manager")
    client.submit("/users/new", {**_user_form(people), "name": BAD["sql"]})
    with app.app_context():
        assert db.session.scalar(select(User).where(User.login == "nora")).name == BAD["sql"]
        assert db.session.scalar(select(db.func.count(User.id))) == 9
    assert "Robert&#39;); DROP TABLE users;--" in client.get("/users").text


def test_garbage_in_the_rights_form_changes_nothing_it_may_not(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("manager")
    with app.app_context():
        url = f"/roles/{people.role_id('User')}/edit"
    before = stored(app)
    response = client.submit(
        url, {"no_such_right": "y", "track_own_time": BAD["huge"], "view_own_reports": BAD["nul"]}
    )
    assert response.status_code == 302
    assert stored(app) != before  # manage_own_settings was unticked; nothing else is touched
    with app.app_context():
        rights = {right.value for right in db.session.get(Role, people.role_id("User")).rights}
    assert rights == {"track_own_time", "view_own_reports"}


# --- numbers too large for the database ------------------------------------------------------------

# Ids are INTEGER columns: past 2**31 - 1 PostgreSQL says "integer out of range", and past 2**63 - 1
# SQLite raises OverflowError. Such a number names no row, so it gets the answer of an unknown one.
TOO_LARGE = [str(2**31), "9" * 25]
UNKNOWN_ID = str(2**31 - 1)
_MAIN = re.compile(r"<main.*</main>", re.DOTALL)


def _answer(response: TestResponse) -> tuple[int, str]:
    """Return the status and the page's content (the menu marks the page's section, if it has one)."""
    return response.status_code, found(_MAIN, response.text)


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/users/{}/edit"),
        ("POST", "/users/{}/edit"),
        ("POST", "/users/{}/reset-2fa"),
        ("GET", "/roles/{}/edit"),
        ("POST", "/roles/{}/edit"),
    ],
)
def test_an_id_too_large_in_the_path_is_not_found(
    client: BrowserClient, people: People, method: str, url: str, number: str
) -> None:
    client.login("top")

    def answer(user_id: str) -> tuple[int, str]:
        path = url.format(user_id)
        return _answer(client.submit(path, {}) if method == "POST" else client.get(path))

    assert answer(number)[0] == 404
    assert answer(number) == answer(UNKNOWN_ID)


@pytest.mark.parametrize("number", [*TOO_LARGE, "-" + "9" * 25])
@pytest.mark.parametrize("url", ["/group/audit?before={}", "/group/members?page={}"])
def test_a_number_too_large_in_the_query_is_ignored_like_a_word(
    client: BrowserClient, people: People, url: str, number: str
) -> None:
    client.login("top")
    response = client.get(url.format(number))
    assert response.status_code == 200
    assert _answer(response) == _answer(client.get(url.format("abc")))


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("form", [_user_form, _edit_form], ids=["new_user", "edit_user"])
def test_a_role_id_too_large_is_refused_like_an_unknown_one(
    app: Flask,
    client: BrowserClient,
    people: People,
    form: Callable[[People], dict[str, Any]],
    number: str,
) -> None:
    client.login("manager")
    url = "/users/new" if form is _user_form else _edit_url(people)
    before = stored(app)

    def answer(role_id: str) -> tuple[int, str]:
        return _answer(client.submit(url, {**form(people), "role_id": role_id}))

    assert answer(number)[0] == 403
    assert answer(number) == answer(UNKNOWN_ID)
    assert stored(app) == before


# --- bodies a browser form never sends ----------------------------------------------------------------

JSON_BODIES = [
    ("/login", {"login": "user", "password": "\ud800"}),
    ("/login", {"login": 5, "password": PASSWORD}),
    ("/login", {"login": "user", "password": 5}),
    ("/password/forgot", {"identity": {}}),
    ("/profile/password", {"current_password": "\ud800", "new_password": "x" * 10, "confirm": "x" * 10}),
    ("/2fa", {"login": "user", "password": PASSWORD, "code": "\ud800"}),
]


@pytest.mark.parametrize(("url", "body"), JSON_BODIES)
def test_pages_refuse_json_bodies(
    client: BrowserClient, people: People, url: str, body: dict[str, Any]
) -> None:
    if url.startswith("/profile"):
        client.login("user")
    token = client.csrf_token()
    response = client.post(url, json={"csrf_token": token, **body}, headers={"X-CSRFToken": token})
    assert response.status_code == 415
    assert "use the JSON API under /api/v1" in response.text


def test_pages_refuse_files(client: BrowserClient, people: People) -> None:
    token = client.csrf_token()
    form = {"csrf_token": token, "login": (io.BytesIO(b"user"), "login.txt"), "password": PASSWORD}
    response = client.post("/login", data=form, content_type="multipart/form-data")
    assert response.status_code == 400 and "This page takes no files." in response.text
    assert client.get("/").location.startswith("/login")
