"""Security keys in a real browser: Chromium's virtual authenticator (CDP), the server on localhost."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, CDPSession, Page, expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, People, enroll_app, free_port
from timetracker.extensions import db
from timetracker.models import SecurityKey

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def app(make_app: Any, port: int) -> Flask:
    """Return the app as the relying party ``localhost``: WebAuthn refuses 127.0.0.1 as an RP id."""
    return make_app(BASE_URL=f"http://localhost:{port}")


@pytest.fixture
def live_server(app: Flask, port: int) -> Iterator[str]:
    """Serve the app on ``port`` and return its address as the browser must open it."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def virtual_authenticator(page: Page) -> Iterator[tuple[CDPSession, str]]:
    """Give ``page`` a virtual security key that answers by itself; yield the CDP session and its id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    authenticator_id = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    yield cdp, authenticator_id
    cdp.send("WebAuthn.disable")


def log_in(page: Page, base: str, login: str = "user") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_add_a_key_then_log_in_with_password_and_key(
    page: Page, live_server: str, people: People, virtual_authenticator: tuple[CDPSession, str]
) -> None:
    cdp, authenticator_id = virtual_authenticator
    log_in(page, live_server)
    page.goto(f"{live_server}/profile/security")
    page.get_by_role("link", name="Add security key").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Key name").fill("Virtual key")
    page.get_by_role("button", name="Add security key").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("ol.codes li")).to_have_count(10)
    page.get_by_role("link", name="Done").click()
    table = page.locator("table.security-keys")
    expect(table).to_contain_text("Virtual key")
    expect(table).to_contain_text("Never")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "security-keys.png", full_page=True)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert len(credentials) == 1 and credentials[0]["rpId"] == "localhost"

    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    log_in(page, live_server)
    expect(page).to_have_url(re.compile(r"/2fa$"))
    expect(page.get_by_role("button", name="Use your security key")).to_be_visible()
    expect(page.get_by_role("link", name="Need help?")).to_be_visible()
    expect(page.get_by_text("Security keys need JavaScript")).to_have_count(0)  # the script took it away
    page.screenshot(path=SCREENSHOTS / "two-factor-key.png", full_page=True)
    page.get_by_role("button", name="Use your security key").click()
    expect(page.get_by_role("heading", name="Hello, Jane User")).to_be_visible()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert credentials[0]["signCount"] >= 1
    page.goto(f"{live_server}/profile/security")
    expect(page.locator("table.security-keys")).not_to_contain_text("Never")


def test_without_javascript_the_page_says_so_and_offers_the_other_factors(
    browser: Browser, live_server: str, app: Flask, people: People
) -> None:
    with app.app_context():
        user = people.user("user")
        db.session.add(SecurityKey(user=user, name="Old key", credential_id=b"\x01" * 16, public_key=b"\x02"))
        db.session.commit()
    enroll_app(app)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    expect(page).to_have_url(re.compile(r"/2fa$"))
    expect(page.get_by_text("Security keys need JavaScript")).to_be_visible()
    expect(page.get_by_role("button", name="Use your security key")).to_be_hidden()
    expect(page.get_by_label("Authentication code")).to_be_visible()
    expect(page.get_by_role("link", name="Need help?")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "two-factor-key-no-javascript.png", full_page=True)
    context.close()
