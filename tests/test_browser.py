"""Walks through the pages in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, People, SmtpSink, read_code

pytestmark = pytest.mark.browser


def test_register_add_a_user_log_out_and_log_in_as_them(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Create group").click()

    page.get_by_label("Group name").fill("Walkers")
    page.get_by_label("Manager name").fill("Wendy Walker")
    page.get_by_label("Login").fill("wendy")
    page.get_by_label("Password", exact=True).fill("wendy's password")
    page.get_by_label("Confirm password").fill("wendy's password")
    page.get_by_label("Email (optional)").fill("wendy@example.com")
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_text("Your group Walkers is ready.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Top manager")

    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Add user").click()
    page.get_by_label("Name").fill("Walt Worker")
    page.get_by_label("Login").fill("walt")
    page.get_by_label("Password", exact=True).fill("walt's password")
    page.get_by_label("Confirm password").fill("walt's password")
    page.get_by_label("Email").fill("walt@example.com")
    page.get_by_label("Role").select_option(label="User")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("User Walt Worker was added.")).to_be_visible()
    expect(page.locator("table")).to_contain_text("walt@example.com")

    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("Login").fill("walt")
    page.get_by_label("Password").fill("walt's password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Hello, Walt Worker")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Walkers")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)


def test_wrong_password_shows_the_generic_error(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Login").fill("nobody")
    page.get_by_label("Password").fill("a guess")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect login or password.")
    expect(page.get_by_label("Password")).to_have_value("")


def log_in(page: Page, base: str, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_manager_switches_on_2fa_and_a_user_logs_in_with_the_emailed_code(
    page: Page, live_server: str, people: People, smtp: SmtpSink
) -> None:
    log_in(page, live_server, "manager")
    page.get_by_role("link", name="Group").click()
    page.get_by_role("link", name="Configure").click()
    expect(page.get_by_role("heading", name="Advanced settings")).to_be_visible()
    expect(page.locator("#preflight")).to_contain_text("Nick Noemail")
    page.get_by_label("Two factor authentication").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tick this box to switch two-factor authentication on anyway.")).to_be_visible()
    page.get_by_label("Two factor authentication").check()
    page.get_by_label("Switch it on anyway").check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("These users cannot log in until they have an email: Nick Noemail.")
    ).to_be_visible()
    page.get_by_role("button", name="Log out", exact=True).click()

    log_in(page, live_server, "user")
    expect(page.get_by_role("heading", name="Two Factor Authentication")).to_be_visible()
    expect(page.get_by_text("Check your email for 2FA code and enter it here.")).to_be_visible()
    expect(page.get_by_label("Login")).to_have_value("user")
    expect(page.frame_locator("iframe.delivery").get_by_text("The code was sent.")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("2FA code").fill(read_code(smtp, "jane@example.com"))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Jane User")).to_be_visible()
    page.get_by_role("button", name="Log out", exact=True).click()

    log_in(page, live_server, "noemail")
    expect(page.get_by_role("alert")).to_have_text("No email associated with this login.")

    log_in(page, live_server, "top")
    expect(page.get_by_role("heading", name="Hello, Tara Top")).to_be_visible()


def test_user_enables_an_authenticator_and_logs_in_with_it_then_with_a_recovery_code(
    page: Page, live_server: str, people: People, smtp: SmtpSink
) -> None:
    log_in(page, live_server, "user")
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Security").click()
    page.get_by_role("link", name="Enable Two Factor Authentication").click()
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("svg").first).to_be_visible()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    recovery_codes = page.locator("ol.codes code").all_inner_texts()
    assert len(recovery_codes) == 10
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_text("Two-factor authentication is on")).to_be_visible()
    page.get_by_role("button", name="Log out", exact=True).click()

    log_in(page, live_server, "user")
    expect(page.get_by_label("Authentication code")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Jane User")).to_be_visible()
    page.get_by_role("button", name="Log out", exact=True).click()

    log_in(page, live_server, "user")
    page.get_by_role("link", name="Need help?").click()
    page.get_by_label("Recovery code").fill(recovery_codes[0])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Jane User")).to_be_visible()


SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"


def test_a_day_of_work_with_the_timer_an_entry_and_the_week_grid(
    page: Page, live_server: str, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    website, (design, _) = people.add_project("Website", ("Design", "Build"))
    log_in(page, live_server, "user")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("2FA code").fill(read_code(smtp, "jane@example.com"))
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Time", exact=True).click()
    expect(page.get_by_role("heading", name="Time", exact=True)).to_be_visible()
    page.locator("#timer-project_id").select_option(label="Website")
    page.get_by_role("button", name="Start timer").click()
    expect(page.get_by_role("heading", name="Timer running")).to_be_visible()
    expect(page.locator(".elapsed")).to_have_text("0:00")
    page.get_by_role("button", name="Stop timer").click()
    expect(page.get_by_text("Timer stopped: 0:01.")).to_be_visible()  # a first minute counts one

    page.locator("#entry-project_id").select_option(label="Website")
    expect(page.locator("#entry-task_id optgroup[label=Website]")).not_to_have_attribute("hidden", "")
    page.locator("#entry-task_id").select_option(label="Design")
    page.get_by_label("Duration").fill("1:30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Time saved.")).to_be_visible()
    expect(page.locator(".totals .total").first).to_have_text("1:31")  # with the timer's minute
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "time.png", full_page=True)

    page.get_by_role("link", name="Week", exact=True).click()
    expect(page.locator(".week-sum")).to_have_text("1:31")
    cell = page.locator(f"input[name^='cell-{website}-{design}-']").and_(page.locator("[value='1:30']"))
    cell.fill("2:15")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The week was saved.")).to_be_visible()
    expect(page.locator(".week-sum")).to_have_text("2:16")
    page.screenshot(path=SCREENSHOTS / "week.png", full_page=True)

    page.get_by_role("link", name="Day", exact=True).click()
    expect(page.locator(".totals .total").first).to_have_text("2:16")


def test_a_manager_reports_last_month_by_user_and_project_exports_it_and_saves_it(
    page: Page, live_server: str, people: People
) -> None:
    website, _ = people.add_project("Website", ())
    support, _ = people.add_project("Support", ())
    first_of_last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    people.add_entry("user", website, first_of_last_month, minutes=90)
    people.add_entry("user", support, first_of_last_month + timedelta(days=1), minutes=30)
    people.add_entry("supervisor", website, first_of_last_month + timedelta(days=2), minutes=240)
    log_in(page, live_server, "manager")

    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_label("Period").select_option(label="Last month")
    page.get_by_label("Group by").select_option(label="User")
    page.get_by_label("then by").select_option(label="Project")
    page.get_by_role("button", name="Generate").click()
    chart = page.get_by_role("img", name="Hours per user")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(2)
    expect(page.locator(".grand-total .total")).to_have_text("6:00")
    expect(page.locator("h3", has_text="Jane User")).to_contain_text("2:00")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "report.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    last_of_last_month = date.today().replace(day=1) - timedelta(days=1)
    assert download.suggested_filename == f"time-{first_of_last_month}-{last_of_last_month}.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith('"Date","User login","User name","Project"') and len(lines) == 4

    page.get_by_label("Report name").fill("Monthly by user")
    page.get_by_role("button", name="Save as").click()
    expect(page.get_by_text("Report Monthly by user was saved.")).to_be_visible()
    saved = page.locator(".saved-reports tr", has_text="Monthly by user")
    saved.get_by_role("link", name="Open").click()
    expect(page.get_by_role("img", name="Hours per user")).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.screenshot(path=SCREENSHOTS / "report-phone.png", full_page=True)
