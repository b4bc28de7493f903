"""A manager requires the user's own factor; a user logs in with the emailed code and meets the grace page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, People, SmtpSink, read_code
from tests.test_browser import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


def give_the_emailed_code(page: Page, smtp: SmtpSink, address: str, nth: int = 1) -> None:
    expect(page.get_by_role("heading", name="Two Factor Authentication")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("2FA code").fill(read_code(smtp, address, nth=nth))
    page.get_by_role("button", name="Log in").click()


def test_manager_requires_the_users_own_factor_and_the_user_meets_the_grace_page(
    page: Page, live_server: str, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    log_in(page, live_server, "manager")
    give_the_emailed_code(page, smtp, "manager@example.com")
    page.get_by_role("link", name="Group").click()
    page.get_by_role("link", name="Configure").click()
    expect(page.locator("#without-own-factor")).to_contain_text("Jane User")
    expect(page.get_by_label("Emailed code or the user's own factor")).to_be_checked()
    page.get_by_label("The user's own authenticator app or security key").check()
    page.get_by_label("Grace period (days)").fill("7")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Members now need their own authenticator app or security key by")
    ).to_be_visible()
    expect(page.get_by_label("The user's own authenticator app or security key")).to_be_checked()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "own-factor-settings.png", full_page=True)
    page.get_by_role("button", name="Log out", exact=True).click()

    log_in(page, live_server, "user")
    give_the_emailed_code(page, smtp, "jane@example.com")
    expect(page.get_by_role("heading", name="Set up your own second factor")).to_be_visible()
    expect(page.get_by_text("You have 7 days left to set one up")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "own-factor-grace.png", full_page=True)
    page.get_by_role("link", name="Later, 7 days left").click()
    expect(page.get_by_role("heading", name="Hello, Jane User")).to_be_visible()
    page.get_by_role("link", name="Time", exact=True).click()
    expect(page.get_by_role("heading", name="Time", exact=True)).to_be_visible()  # asked once per login
    page.get_by_role("button", name="Log out", exact=True).click()

    log_in(page, live_server, "user")
    give_the_emailed_code(page, smtp, "jane@example.com", nth=2)
    page.get_by_role("link", name="Set up now").click()
    expect(page).to_have_url(re.compile(r"/profile/security$"))
    expect(page.get_by_role("link", name="Enable Two Factor Authentication")).to_be_visible()
