"""The Time page: a day of entries, by duration or start and finish, the totals, the timer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from tests.conftest import AppClock, BrowserClient, People, assert_labels, at_once, new_client, session_copy
from timetracker import messages
from timetracker.errors import PermissionDenied
from timetracker.extensions import db
from timetracker.models import Group, Project, Task, TimeEntry
from timetracker.services import time_entries

DAY = "2026-11-18"  # a Wednesday


@pytest.fixture
def work(people: People) -> dict[str, Any]:
    """Acme has a project "Website" with tasks Design and Build, and an inactive "Old"."""
    website, (design, build) = people.add_project("Website", ("Design", "Build"))
    old, _ = people.add_project("Old", active=False)
    return {"website": website, "design": design, "build": build, "old": old}


def entries(app: Flask, login: str = "user") -> list[TimeEntry]:
    with app.app_context():
        rows = db.session.scalars(select(TimeEntry).order_by(TimeEntry.id)).all()
        return [row for row in rows if row.user.login == login]


def entry_form(project: int, **fields: Any) -> dict[str, Any]:
    return {"entry-project_id": project, **{f"entry-{name}": value for name, value in fields.items()}}


def test_the_page_shows_what_the_issue_asks(
    client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    page = client.get(f"/time?date={DAY}").text
    assert_labels(
        page,
        {
            "entry-project_id": "Project",
            "entry-task_id": "Task",
            "entry-duration": "Duration",
            "entry-start": "Start",
            "entry-finish": "Finish",
            "entry-note": "Note",
        },
    )
    for text in (
        "Previous day",
        "Today",
        "Next day",
        'type="date"',
        "Day total",
        "Week total",
        'value="Save"',
    ):
        assert text in page, text
    assert ">Old<" not in page  # an inactive project takes no new time


# --- durations ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("1:30", 90),
        ("1.5", 90),
        ("1,5", 90),
        ("1h 30m", 90),
        ("90m", 90),
        ("1h", 60),
        ("0:05", 5),
        ("24:00", 1440),
        ("0.25", 15),
        ("8", 480),
        (" 2h ", 120),
        ("1H 15M", 75),
    ],
)
def test_every_duration_format(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], typed: str, minutes: int
) -> None:
    client.login("user")
    response = client.submit(f"/time?date={DAY}", entry_form(work["website"], duration=typed))
    assert response.location == f"/time?date={DAY}", response.text
    assert [entry.minutes for entry in entries(app)] == [minutes]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "more than zero and at most 24 hours"),
        ("0:00", "more than zero and at most 24 hours"),
        ("24:01", "more than zero and at most 24 hours"),
        ("25", "more than zero and at most 24 hours"),
        ("abc", "Give a duration such as 1:30"),
        ("1:75", "Give a duration such as 1:30"),
        ("-1", "Give a duration such as 1:30"),
        ("1.5.5", "Give a duration such as 1:30"),
        ("1h30", "Give a duration such as 1:30"),
        ("h", "Give a duration such as 1:30"),
        ("9" * 200, "Give a duration such as 1:30"),
    ],
)
def test_every_bad_duration_is_a_field_error(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], typed: str, message: str
) -> None:
    client.login("user")
    response = client.submit(f"/time?date={DAY}", entry_form(work["website"], duration=typed))
    assert response.status_code == 200 and message in response.text
    assert entries(app) == []


# --- start and finish ---------------------------------------------------------------------------------


def test_start_and_finish_make_the_duration(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    client.submit(f"/time?date={DAY}", entry_form(work["website"], start="09:15", finish="12:45"))
    [entry] = entries(app)
    assert entry.minutes == 210 and entry.day == date(2026, 11, 18)
    assert entry.start_at == datetime(2026, 11, 18, 9, 15, tzinfo=UTC)  # the group's zone is UTC
    page = client.get(f"/time?date={DAY}").text
    assert "09:15–12:45" in page and "3:30" in page


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"start": "12:00", "finish": "09:00"}, "The finish is before the start."),
        ({"start": "12:00", "finish": "12:00"}, "The finish is before the start."),
        ({"start": "12:00"}, "Give both a start and a finish time, or neither."),
        ({"finish": "12:00"}, "Give both a start and a finish time, or neither."),
        ({}, "Give either a duration or a start and finish time."),
        ({"duration": "1:00", "start": "09:00", "finish": "10:00"}, "Give either a duration or a start"),
        ({"start": "25:00", "finish": "26:00"}, "Not a valid time value."),
    ],
)
def test_start_and_finish_rules(
    app: Flask,
    client: BrowserClient,
    people: People,
    work: dict[str, Any],
    given: dict[str, str],
    message: str,
) -> None:
    client.login("user")
    response = client.submit(f"/time?date={DAY}", entry_form(work["website"], **given))
    assert response.status_code == 200 and message in response.text
    assert entries(app) == []


def test_a_day_holds_at_most_24_hours(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    assert (
        client.submit(f"/time?date={DAY}", entry_form(work["website"], duration="20:00")).status_code == 302
    )
    refused = client.submit(f"/time?date={DAY}", entry_form(work["website"], duration="4:01"))
    assert refused.status_code == 200 and f"That makes more than 24 hours on {DAY}." in refused.text
    assert client.submit(f"/time?date={DAY}", entry_form(work["website"], duration="4:00")).status_code == 302
    assert sum(entry.minutes or 0 for entry in entries(app)) == 24 * 60


# --- projects, tasks, notes ------------------------------------------------------------------------------


def test_only_a_task_of_the_chosen_project(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    other, (other_task,) = people.add_project("Other project", ("Elsewhere",))
    client.login("user")
    refused = client.submit(
        f"/time?date={DAY}", entry_form(work["website"], task_id=other_task, duration="1")
    )
    assert refused.status_code == 200 and "Choose an active task of this project." in refused.text
    ok = client.submit(f"/time?date={DAY}", entry_form(work["website"], task_id=work["design"], duration="1"))
    assert ok.status_code == 302 and entries(app)[0].task_id == work["design"]


@pytest.mark.parametrize("project", ["old", "other group", "missing", "huge", "text"])
def test_a_project_that_cannot_take_time_is_refused(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], project: str
) -> None:
    elsewhere, _ = people.add_project("Theirs", group_id=people.other_group_id)
    ids = {"old": work["old"], "other group": elsewhere, "missing": 99999, "huge": 2**40, "text": "x"}
    client.login("user")
    response = client.submit(
        f"/time?date={DAY}", {**entry_form(0, duration="1"), "entry-project_id": ids[project]}
    )
    assert response.status_code == 200 and entries(app) == []
    no_id = project in ("huge", "text")  # no row can have it: the choice itself is wrong
    expected = messages.NOT_FROM_THE_LIST if no_id else messages.PROJECT_UNAVAILABLE
    assert expected in response.text


def test_notes_take_lines_but_no_control_characters(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    bad = client.submit(f"/time?date={DAY}", entry_form(work["website"], duration="1", note="bell\x07"))
    assert bad.status_code == 200 and "no control characters other than line breaks" in bad.text
    too_long = client.submit(f"/time?date={DAY}", entry_form(work["website"], duration="1", note="x" * 2001))
    assert too_long.status_code == 200 and "Use at most 2000 characters." in too_long.text
    ok = client.submit(
        f"/time?date={DAY}", entry_form(work["website"], duration="1", note="line one\r\nline two")
    )
    assert ok.status_code == 302 and entries(app)[0].note == "line one\nline two"


def test_deactivating_a_project_keeps_its_entries(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    client.submit(f"/time?date={DAY}", entry_form(work["website"], task_id=work["build"], duration="2"))
    with app.app_context():
        db.session.execute(update(Project).where(Project.id == work["website"]).values(active=False))
        db.session.execute(update(Task).where(Task.id == work["build"]).values(active=False))
        db.session.commit()
    page = client.get(f"/time?date={DAY}").text
    assert "Website" in page and "Build" in page and "2:00" in page  # the entry stays, shown as it was
    assert 'value="' + str(work["website"]) + '"' not in page.split("entries-heading")[0]  # no new time
    [entry] = entries(app)
    edit_page = client.get(f"/time/{entry.id}/edit").text
    assert (
        f'selected value="{work["website"]}"' in edit_page
        and f'selected value="{work["build"]}"' in edit_page
    )
    edit = client.submit(
        f"/time/{entry.id}/edit",
        {**entry_form(work["website"], task_id=work["build"], duration="3"), "entry-day": DAY},
    )
    assert edit.status_code == 302 and entries(app)[0].minutes == 180  # its own entry can still be corrected


# --- the day's list, editing and deleting -------------------------------------------------------


def add(client: BrowserClient, project: int, duration: str = "1:00", day: str = DAY, **fields: Any) -> None:
    response = client.submit(f"/time?date={day}", entry_form(project, duration=duration, **fields))
    assert response.status_code == 302, response.text


def test_totals_of_the_day_and_the_week(client: BrowserClient, people: People, work: dict[str, Any]) -> None:
    client.login("user")
    add(client, work["website"], "1:30")
    add(client, work["website"], "2:15")
    add(client, work["website"], "4:00", day="2026-11-16")  # Monday: the same week
    add(client, work["website"], "8:00", day="2026-11-15")  # Sunday: the week before
    page = client.get(f"/time?date={DAY}").text
    assert '<dd class="total">3:45<' in page  # day total
    assert '<dd class="total">7:45<' in page  # week total, Monday to Sunday


def test_the_groups_first_day_of_week_moves_the_week_total(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    with app.app_context():
        db.session.execute(update(Group).where(Group.id == people.group_id).values(first_day_of_week=6))
        db.session.commit()
    client.login("user")
    add(client, work["website"], "1:00")
    add(client, work["website"], "8:00", day="2026-11-15")  # Sunday: now the week's first day
    page = client.get(f"/time?date={DAY}").text
    assert '<dd class="total">9:00<' in page and "(from 2026-11-15)" in page


def test_edit_changes_the_entry_and_its_date(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    add(client, work["website"], "1:00", note="first try")
    [entry] = entries(app)
    page = client.get(f"/time/{entry.id}/edit").text
    assert_labels(page, {"entry-day": "Date", "entry-project_id": "Project", "entry-duration": "Duration"})
    assert 'value="1:00"' in page and "first try" in page
    form = {
        **entry_form(work["website"], task_id=work["design"], duration="2:30", note="done"),
        "entry-day": "2026-11-19",
    }
    assert client.submit(f"/time/{entry.id}/edit", form).location == "/time?date=2026-11-19"
    [changed] = entries(app)
    assert (changed.day, changed.minutes, changed.task_id, changed.note) == (
        date(2026, 11, 19),
        150,
        work["design"],
        "done",
    )


def test_delete_asks_first_on_a_page_of_its_own(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    add(client, work["website"], "1:00")
    [entry] = entries(app)
    asked = client.submit(f"/time/{entry.id}/delete")
    assert asked.status_code == 200 and "Delete this entry?" in asked.text and entries(app) != []
    assert client.submit(f"/time/{entry.id}/delete", {"confirmed": "yes"}).location == f"/time?date={DAY}"
    assert entries(app) == []
    assert client.post(f"/time/{entry.id}/delete", data={"confirmed": "yes"}).status_code in (
        400,
        404,
    )  # no token


# --- the lock date -------------------------------------------------------------------------------------


def lock(app: Flask, people: People, on: str) -> None:
    with app.app_context():
        db.session.execute(
            update(Group).where(Group.id == people.group_id).values(lock_date=date.fromisoformat(on))
        )
        db.session.commit()


def test_locked_days_are_read_only_without_the_right(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    add(client, work["website"], "1:00")
    [entry] = entries(app)
    lock(app, people, DAY)
    page = client.get(f"/time?date={DAY}").text
    assert f"Time on and before {DAY} is locked" in page and f"/time/{entry.id}/edit" not in page
    assert client.submit(f"/time?date={DAY}", entry_form(work["website"], duration="1")).status_code == 200
    assert client.get(f"/time/{entry.id}/edit").status_code == 403
    form = {**entry_form(work["website"], duration="5"), "entry-day": "2026-11-20"}
    assert client.submit(f"/time/{entry.id}/edit", form).status_code == 403
    assert client.submit(f"/time/{entry.id}/delete", {"confirmed": "yes"}).status_code == 403
    moved_in = client.submit("/time?date=2026-11-19", entry_form(work["website"], duration="1"))
    assert moved_in.status_code == 302  # the day after the lock is open
    [kept, _] = entries(app)
    assert (kept.day, kept.minutes) == (date(2026, 11, 18), 60)


def test_an_open_entry_cannot_be_moved_into_a_locked_day(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    add(client, work["website"], "1:00", day="2026-11-20")
    [entry] = entries(app)
    lock(app, people, DAY)
    form = {**entry_form(work["website"], duration="1"), "entry-day": DAY}
    refused = client.submit(f"/time/{entry.id}/edit", form)
    assert refused.status_code == 200 and f"Time on and before {DAY} is locked." in refused.text
    assert entries(app)[0].day == date(2026, 11, 20)


def test_override_date_lock_may_change_locked_days(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("supervisor")  # Supervisors hold override_date_lock
    add(client, work["website"], "1:00")
    lock(app, people, DAY)
    [entry] = entries(app, "supervisor")
    form = {**entry_form(work["website"], duration="2"), "entry-day": DAY}
    assert client.submit(f"/time/{entry.id}/edit", form).status_code == 302
    assert entries(app, "supervisor")[0].minutes == 120


# --- the timer ----------------------------------------------------------------------------------------


def start(client: BrowserClient, project: int, query: str = "", **fields: Any) -> Any:
    form = {"timer-project_id": project, **{f"timer-{name}": value for name, value in fields.items()}}
    return client.submit(f"/time/timer/start{query}", form)


def test_the_timer_starts_runs_and_stops(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    client.login("user")
    assert (
        start(client, work["website"], task_id=work["design"], note="mockups").location == f"/time?date={DAY}"
    )
    frozen_clock.move(minutes=95)
    page = client.get("/time").text
    assert (
        "Timer running" in page
        and "since 09:00" in page
        and ">1:35<" in page
        and 'value="Stop timer"' in page
    )
    assert 'data-started="2026-11-18T09:00:00+00:00"' in page  # the local script keeps it current
    again = start(client, work["website"])
    assert again.status_code == 200 and "A timer is already running; stop it first." in again.text
    assert client.submit("/time/timer/stop").location == f"/time?date={DAY}"
    [entry] = entries(app)
    assert (entry.minutes, entry.task_id, entry.note) == (95, work["design"], "mockups")
    assert entry.finish_at == datetime(2026, 11, 18, 10, 35, tzinfo=UTC)
    assert "Timer running" not in client.get("/time").text


def test_a_timer_is_stopped_from_another_browser(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    client.login("user")
    start(client, work["website"])
    phone = new_client(app)
    phone.login("user")
    frozen_clock.move(minutes=30)
    assert "Timer running" in phone.get("/time").text
    phone.submit("/time/timer/stop")
    assert entries(app)[0].minutes == 30
    late = client.submit("/time/timer/stop", follow_redirects=True)
    assert "No timer is running." in late.text and entries(app)[0].minutes == 30


def test_two_starts_at_once_make_one_timer(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    token = client.csrf_token()
    browsers = [client, session_copy(app, client)]
    form = {"csrf_token": token, "timer-project_id": work["website"]}
    answers = at_once(2, lambda index: browsers[index].post("/time/timer/start", data=form).status_code)
    assert sorted(answers) == [200, 302]
    assert len(entries(app)) == 1


def test_a_timer_left_over_midnight_ends_on_its_day_within_24_hours(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 11, 18, 20, 0, tzinfo=UTC))
    client.login("user")
    add(client, work["website"], "3:00")
    start(client, work["website"])
    frozen_clock.move(hours=30)  # forgotten until the day after next
    client = new_client(app)  # the login of that day has ended meanwhile
    client.login("user")
    stopped = client.submit("/time/timer/stop", follow_redirects=True)
    assert "Timer stopped at 21:00: a day holds at most 24 hours." in stopped.text
    timer = entries(app)[-1]
    assert timer.day == date(2026, 11, 18) and timer.minutes == 21 * 60


# --- time zones -------------------------------------------------------------------------------------------


def test_today_follows_each_users_zone(
    app: Flask, people: People, work: dict[str, Any], frozen_clock: AppClock
) -> None:
    with app.app_context():
        people.user("user").time_zone = "Pacific/Auckland"
        people.user("supervisor").time_zone = "America/Los_Angeles"
        db.session.commit()
    frozen_clock.freeze(
        datetime(2026, 11, 18, 20, 0, tzinfo=UTC)
    )  # Thursday 09:00 in Auckland, Wednesday 12:00 in LA
    auckland, los_angeles = new_client(app), new_client(app)
    auckland.login("user")
    los_angeles.login("supervisor")
    assert "Thursday, 19 November 2026" in auckland.get("/time").text
    assert "Wednesday, 18 November 2026" in los_angeles.get("/time").text
    start(auckland, work["website"])
    start(los_angeles, work["website"])
    assert "since 09:00" in auckland.get("/time").text and "since 12:00" in los_angeles.get("/time").text
    frozen_clock.move(hours=1)
    auckland.submit("/time/timer/stop")
    los_angeles.submit("/time/timer/stop")
    assert entries(app, "user")[0].day == date(2026, 11, 19)
    assert entries(app, "supervisor")[0].day == date(2026, 11, 18)


def test_start_and_finish_are_the_users_local_times(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    with app.app_context():
        people.user("user").time_zone = "Pacific/Auckland"
        db.session.commit()
    client.login("user")
    add(client, work["website"], "", start="09:00", finish="10:30")
    [entry] = entries(app)
    assert entry.start_at == datetime(2026, 11, 17, 20, 0, tzinfo=UTC)  # NZDT is UTC+13
    assert "09:00–10:30" in client.get(f"/time?date={DAY}").text


# --- on behalf of others ---------------------------------------------------------------------------------


def test_a_supervisor_tracks_time_for_a_user(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("supervisor")
    page = client.get("/time").text
    assert '<label for="user">User</label>' in page and "Jane User" in page and "Tara Top" not in page
    user = people.ids["user"]
    response = client.submit(f"/time?date={DAY}&user={user}", entry_form(work["website"], duration="2"))
    assert response.location == f"/time?date={DAY}&user={user}"
    [entry] = entries(app)
    assert entry.entered_by_id == people.ids["supervisor"]
    assert "entered by Sue Supervisor" in client.get(f"/time?date={DAY}&user={user}").text
    owner = new_client(app)
    owner.login("user")
    assert "entered by" in owner.get(f"/time?date={DAY}").text


@pytest.mark.parametrize(
    "target", ["top", "manager", "comanager", "other-user", "99999", "2147483648", "x", ""]
)
def test_a_supervisor_may_not_work_for_anyone_else(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], target: str
) -> None:
    user_id = people.ids.get(target, target)
    client.login("supervisor")
    assert client.get(f"/time?user={user_id}").status_code == 403
    response = client.submit(f"/time?date={DAY}&user={user_id}", entry_form(work["website"], duration="2"))
    assert response.status_code == 403 and entries(app, target) == [] and len(entries(app, "supervisor")) == 0


def test_a_user_may_not_work_for_others_nor_touch_their_entries(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("supervisor")
    add(client, work["website"], "1:00")
    [theirs] = entries(app, "supervisor")
    me = new_client(app)
    me.login("user")
    assert me.get(f"/time?user={people.ids['supervisor']}").status_code == 403
    assert me.get(f"/time/{theirs.id}/edit").status_code == 404
    form = {**entry_form(work["website"], duration="9"), "entry-day": DAY}
    assert me.submit(f"/time/{theirs.id}/edit", form).status_code == 404
    assert me.submit(f"/time/{theirs.id}/delete", {"confirmed": "yes"}).status_code == 404
    assert me.submit(f"/time/timer/stop?user={people.ids['supervisor']}").status_code == 403
    assert entries(app, "supervisor")[0].minutes == 60


def test_another_groups_entry_is_not_found(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    theirs, _ = people.add_project("Theirs", group_id=people.other_group_id)
    entry_id = people.add_entry("other-user", theirs, date(2026, 11, 18))
    client.login("top")
    assert client.get(f"/time/{entry_id}/edit").status_code == 404
    assert client.submit(f"/time/{entry_id}/delete", {"confirmed": "yes"}).status_code == 404
    assert client.get("/time/2147483648/edit").status_code == 404


@pytest.mark.parametrize("query", ["date=2026-13-01", "date=yesterday", "date=", "date=2026-02-30"])
def test_a_bad_date_is_a_400(client: BrowserClient, people: People, query: str) -> None:
    client.login("user")
    response = client.get(f"/time?{query}")
    assert response.status_code == 400 and "Give the date as YYYY-MM-DD." in response.text


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-10", "9999-12-31", "9999-12-20"])
def test_the_edges_of_the_calendar_are_a_400(client: BrowserClient, people: People, day: str) -> None:
    client.login("user")
    for page in ("/time", "/time/week"):
        response = client.get(f"{page}?date={day}")
        assert response.status_code == 400 and "Choose a date between the years 1 and 9999." in response.text


# --- found by the attacker's review -------------------------------------------------------------


def test_a_timer_on_a_day_locked_meanwhile_is_not_stopped_without_the_right(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    client.login("user")
    start(client, work["website"])
    lock(app, people, DAY)
    for _ in range(2):  # three hours of work, the page open meanwhile (an idle session ends after two)
        frozen_clock.move(minutes=90)
        client.get("/time")
    refused = client.submit("/time/timer/stop", follow_redirects=True)
    assert f"Time on and before {DAY} is locked." in refused.text
    assert entries(app)[0].running
    supervisor = new_client(app)  # override_date_lock
    supervisor.login("supervisor")
    supervisor.submit(f"/time/timer/stop?user={people.ids['user']}")
    assert entries(app)[0].minutes == 180


def test_a_timer_stopped_within_its_first_minute_counts_one(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    client.login("user")
    start(client, work["website"])
    frozen_clock.move(seconds=20)
    assert "Timer stopped: 0:01." in client.submit("/time/timer/stop", follow_redirects=True).text
    assert entries(app)[0].minutes == 1


def test_a_timer_on_a_full_day_is_not_stopped(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    client.login("user")
    start(client, work["website"])
    add(client, work["website"], "24:00")
    frozen_clock.move(minutes=30)
    refused = client.submit("/time/timer/stop", follow_redirects=True)
    assert f"That makes more than 24 hours on {DAY}." in refused.text and entries(app)[0].running


def test_an_entry_deleted_meanwhile_is_not_found(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any]
) -> None:
    client.login("user")
    add(client, work["website"], "1:00")
    with app.app_context():
        actor = people.user("user")
        stale = time_entries.entry_of(actor, entries(app)[0].id)
        db.session.execute(delete(TimeEntry))  # another request, committed first
        db.session.commit()
        with pytest.raises(PermissionDenied):
            time_entries.update(actor, stale, time_entries.details_of(stale))


@pytest.fixture
def berlin(app: Flask, people: People) -> None:
    with app.app_context():
        people.user("user").time_zone = "Europe/Berlin"
        db.session.commit()


def test_a_time_the_clocks_skip_is_refused(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], berlin: None
) -> None:
    client.login("user")
    form = entry_form(work["website"], start="02:30", finish="03:30")
    refused = client.submit("/time?date=2026-03-29", form)  # 02:00 becomes 03:00 in Berlin
    assert refused.status_code == 200 and "There is no 02:30 on this day: the clocks skip it." in refused.text
    assert entries(app) == []


def test_an_entry_over_the_autumn_hour_keeps_its_minutes_when_edited(
    app: Flask, client: BrowserClient, people: People, work: dict[str, Any], berlin: None
) -> None:
    with app.app_context():
        user = people.user("user")
        start_at = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 01:30 CEST; 02:30 comes twice that night
        entry = TimeEntry(
            user=user,
            group_id=user.group_id,
            project_id=work["website"],
            day=date(2026, 10, 25),
            minutes=120,
            start_at=start_at,
            finish_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        )
        db.session.add(entry)
        db.session.commit()
        entry_id = entry.id
    client.login("user")
    page = client.get(f"/time/{entry_id}/edit").text
    assert 'value="2:00"' in page  # shown as a duration: 01:30–02:30 would lose the hour
    form = {**entry_form(work["website"], duration="2:00", note="kept"), "entry-day": "2026-10-25"}
    assert client.submit(f"/time/{entry_id}/edit", form).status_code == 302
    assert entries(app)[0].minutes == 120
