"""Links in emails never follow a Host header the operator does not trust."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.conftest import People, found, stop_sender
from timetracker.extensions import db
from timetracker.models import OutboxMessage


def ask_for_reset(app: Flask, host: str, identity: str = "user") -> Any:
    """Ask for a reset link for ``identity`` as a browser that reached the app as ``host``.

    The app's sender is stopped first: the links are read from the outbox, and a delivered
    message no longer holds its body.
    """
    stop_sender(app)
    client = app.test_client()
    page = client.get("/password/forgot", headers={"Host": host})
    if page.status_code != 200:
        return page
    token = found(r'name="csrf_token"[^>]*value="([^"]+)"', page.text, 1)
    form = {"csrf_token": token, "identity": identity}
    return client.post("/password/forgot", data=form, headers={"Host": host})


def links_mailed(app: Flask) -> list[str]:
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body_text).where(OutboxMessage.purpose == "password reset")
        )
        return [found(r"https?://\S+", body) for body in bodies]


def test_a_forged_host_gets_no_link_without_a_base_url(app: Flask, people: People) -> None:
    response = ask_for_reset(app, "evil.example")
    assert response.status_code == 503
    assert "TIMETRACKER_BASE_URL" in response.text
    assert links_mailed(app) == []


def test_the_refusal_does_not_tell_whether_the_login_exists(app: Flask, people: People) -> None:
    assert ask_for_reset(app, "evil.example", "nobody-by-that-name").status_code == 503


def test_an_empty_trusted_hosts_list_trusts_no_host(make_app: Any, people: People) -> None:
    app = make_app(TRUSTED_HOSTS=[])  # Werkzeug lets every host through then
    assert ask_for_reset(app, "evil.example").status_code == 503
    assert links_mailed(app) == []


def test_loopback_is_trusted_in_testing_and_debug(app: Flask, people: People) -> None:
    assert ask_for_reset(app, "127.0.0.1:5000").status_code == 302
    assert links_mailed(app)[0].startswith("http://127.0.0.1:5000/password/reset/")


def test_outside_debug_not_even_loopback_is_trusted(make_app: Any, people: People) -> None:
    app = make_app(TESTING=False)
    assert ask_for_reset(app, "localhost").status_code == 503


def test_the_base_url_wins_over_any_host(make_app: Any, people: People) -> None:
    app = make_app(BASE_URL="https://tt.example.com/")
    assert ask_for_reset(app, "evil.example").status_code == 302
    assert links_mailed(app)[0].startswith("https://tt.example.com/password/reset/")


def test_trusted_hosts_let_the_request_address_through(make_app: Any, people: People) -> None:
    app = make_app(TRUSTED_HOSTS=["tt.example.com"])
    refused = ask_for_reset(app, "evil.example")
    assert refused.status_code == 400 and "does not answer to that host name" in refused.text
    assert ask_for_reset(app, "tt.example.com").status_code == 302
    assert links_mailed(app) == [links_mailed(app)[0]]
    assert links_mailed(app)[0].startswith("http://tt.example.com/password/reset/")


def test_flask_check_accepts_trusted_hosts_instead_of_a_base_url(make_app: Any) -> None:
    app = make_app(TRUSTED_HOSTS=["tt.example.com", "tt.internal"])
    output = app.test_cli_runner().invoke(args=["check"]).output
    assert (
        "ok    links: emails link to the host each request came to, one of tt.example.com, tt.internal"
        in output
    )
