"""Every form POST without a CSRF token is refused with 400 and changes nothing."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tests.conftest import PASSWORD, BrowserClient, People, audit_trail


def post_urls(app: Flask, people: People) -> list[str]:
    """Return a URL for every route that accepts POST, with ids the top manager may use."""
    project, (task,) = people.add_project("Website", ("Design",))
    entry = people.add_entry("top", project, date(2026, 11, 18))
    saved_report = people.add_saved_report("top", "Last month", "period=last_month")
    with app.app_context():
        ids = {
            "user_id": people.ids["user"],
            "role_id": people.role_id("Supervisor"),
            "token": "any-token",
            "project_id": project,
            "task_id": task,
            "entry_id": entry,
            "report_id": saved_report,
            "session_id": "0" * 64,
            "key_id": 1,
        }
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()) and not rule.rule.startswith("/api/"):
            urls.append(rule.build({name: ids[name] for name in rule.arguments})[1])
    return urls


def test_there_are_post_routes_to_check(app: Flask, people: People) -> None:
    assert {"/login", "/logout", "/register", "/users/new", "/profile", "/profile/password"} <= set(
        post_urls(app, people)
    )


def test_every_post_without_token_is_refused(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    before = audit_trail(app)
    payload = {"login": "top", "password": PASSWORD, "name": "Changed", "group_name": "X"}
    for url in post_urls(app, people):
        response = client.post(url, data=payload)
        assert response.status_code == 400, url
        assert "Reload the page and try again." in response.text
    assert audit_trail(app) == before
    assert client.get("/").status_code == 200  # still logged in: logout was refused too


def test_a_token_from_another_session_is_refused(app: Flask, client: BrowserClient, people: People) -> None:
    stolen = app.test_client().csrf_token()
    response = client.post("/login", data={"csrf_token": stolen, "login": "top", "password": PASSWORD})
    assert response.status_code == 400


def test_only_the_token_authenticated_api_is_exempt() -> None:
    from timetracker.extensions import csrf

    assert csrf._exempt_views == set()  # no browser view
    assert {blueprint.name for blueprint in csrf._exempt_blueprints} == {"api"}
