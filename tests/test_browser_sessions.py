"""Two browsers of one user in Chromium: "Log out everywhere else" in one ends the other's session."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import People
from tests.test_browser import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


def test_log_out_everywhere_else_ends_the_other_browsers_session(
    browser: Browser, page: Page, live_server: str, people: People
) -> None:
    other_context = browser.new_context()
    other = other_context.new_page()
    log_in(other, live_server, "user")
    expect(other.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    log_in(page, live_server, "user")
    page.goto(f"{live_server}/profile/security")
    sessions = page.locator("table.sessions")
    expect(sessions.get_by_text("This browser")).to_have_count(1)
    expect(sessions.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("heading", name="Recent sign-ins")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "security_sessions.png", full_page=True)
    page.get_by_role("button", name="Log out everywhere else").click()
    expect(page.get_by_text("You are logged out everywhere else.")).to_be_visible()
    expect(sessions.locator("tbody tr")).to_have_count(1)
    other.goto(f"{live_server}/profile")
    expect(other).to_have_url(f"{live_server}/login?next=%2Fprofile")
    expect(other.get_by_role("button", name="Log in")).to_be_visible()
    page.goto(f"{live_server}/profile")
    expect(page).to_have_url(f"{live_server}/profile")
    other_context.close()
