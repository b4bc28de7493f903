"""The time settings: the group's first day of week, time zone and lock date, and a user's own zone."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from tests.conftest import BrowserClient, People, assert_labels, audit_trail
from timetracker.extensions import db
from timetracker.models import Group


def group(app: Flask, people: People) -> Group:
    with app.app_context():
        found = db.session.get(Group, people.group_id)
        assert found is not None
        db.session.expunge(found)
        return found


def settings(**changes: str) -> dict[str, str]:
    return {"first_day_of_week": "0", "time_zone": "UTC", "lock_date": "", **changes}


def test_the_group_page_has_the_basic_settings(client: BrowserClient, people: People) -> None:
    client.login("comanager")  # manage_basic_settings
    page = client.get("/group").text
    assert_labels(
        page,
        {
            "first_day_of_week": "First day of week",
            "time_zone": "Time zone",
            "lock_date": "Lock time on and before",
        },
    )
    assert '<option selected value="0">Monday</option>' in page and 'type="date"' in page


def test_saving_the_basic_settings_is_audited(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("comanager")
    form = settings(first_day_of_week="6", time_zone="Europe/Berlin", lock_date="2026-10-31")
    response = client.submit("/group", form)
    assert response.location == "/group"
    assert "Basic settings saved." in client.get("/group").text
    saved = group(app, people)
    assert (saved.first_day_of_week, saved.time_zone, saved.lock_date) == (
        6,
        "Europe/Berlin",
        date(2026, 10, 31),
    )
    assert ("group settings changed", "comanager", None) in audit_trail(app)
    assert (
        client.submit("/group", settings(first_day_of_week="6", time_zone="Europe/Berlin")).location
        == "/group"
    )
    assert group(app, people).lock_date is None  # emptied: nothing is locked


@pytest.mark.parametrize(
    "bad",
    [
        {"first_day_of_week": "7"},
        {"first_day_of_week": "x"},
        {"time_zone": "Mars/Olympus"},
        {"time_zone": ""},
        {"lock_date": "2026-02-30"},
        {"lock_date": "soon"},
    ],
)
def test_bad_basic_settings_change_nothing(
    app: Flask, client: BrowserClient, people: People, bad: dict[str, str]
) -> None:
    client.login("comanager")
    response = client.submit("/group", settings(**bad))
    assert response.status_code == 200 and 'class="error"' in response.text
    saved = group(app, people)
    assert (saved.first_day_of_week, saved.time_zone, saved.lock_date) == (0, "UTC", None)


def test_only_managers_of_basic_settings_may_save_them(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("supervisor")
    assert client.submit("/group", settings(lock_date="2030-01-01")).status_code == 403
    assert group(app, people).lock_date is None


def test_a_user_chooses_their_own_time_zone(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    page = client.get("/profile").text
    assert '<label for="zone-time_zone">Time zone</label>' in page and "The group&#39;s: UTC" in page
    assert client.submit("/profile/time-zone", {"zone-time_zone": "Pacific/Auckland"}).location == "/profile"
    with app.app_context():
        assert people.user("user").time_zone == "Pacific/Auckland"
    refused = client.submit("/profile/time-zone", {"zone-time_zone": "Nowhere/Land"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.text
    assert client.submit("/profile/time-zone", {"zone-time_zone": ""}).location == "/profile"
    with app.app_context():
        assert people.user("user").time_zone is None  # back to the group's
