"""The week grid: a week of durations per project and task, saved in one transaction or not at all."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from tests.conftest import AppClock, BrowserClient, People
from timetracker import messages
from timetracker.extensions import db
from timetracker.models import Group, Project, Task, TimeEntry

MONDAY = date(2024, 5, 6)
WEEK = f"/time/week?date={MONDAY + timedelta(days=2)}"  # a Wednesday: the week of Monday 6 May


@pytest.fixture(autouse=True)
def wednesday(frozen_clock: AppClock) -> None:
    """Make "today" Wednesday 8 May 2024 for everyone (all in UTC)."""
    frozen_clock.freeze(datetime(2024, 5, 8, 10, 0, tzinfo=UTC))


@pytest.fixture
def work(people: People) -> dict[str, int]:
    """Give Acme "Website" (tasks Design, Build), "Support", an inactive "Archive"; Other "Elsewhere"."""
    with people.app.app_context():
        website = _project(people.group_id, "Website", "Design", "Build")
        support = _project(people.group_id, "Support")
        archive = _project(people.group_id, "Archive", active=False)
        elsewhere = _project(people.other_group_id, "Elsewhere", "Secret")
        found = {
            "website": website.id,
            "support": support.id,
            "archive": archive.id,
            "elsewhere": elsewhere.id,
        }
        found |= {task.name.casefold(): task.id for task in [*website.tasks, *elsewhere.tasks]}
        db.session.commit()
        return found


def _project(group_id: int, name: str, *tasks: str, active: bool = True) -> Project:
    project = Project(group_id=group_id, name=name, name_key=name.casefold(), active=active)
    project.tasks = [Task(name=task, name_key=task.casefold()) for task in tasks]
    db.session.add(project)
    db.session.flush()
    return project


def add_entry(
    people: People,
    project: int,
    day: date,
    minutes: int | None,
    task: int | None = None,
    *,
    login: str = "user",
    **more: Any,
) -> int:
    """Store an entry of Jane's (or ``login``'s) directly, with ``more`` columns; return its id."""
    with people.app.app_context():
        entry = TimeEntry(
            user_id=people.ids[login],
            group_id=people.group_id,
            project_id=project,
            task_id=task,
            day=day,
            minutes=minutes,
            **more,
        )
        db.session.add(entry)
        db.session.commit()
        return entry.id


def stored(app: Flask) -> list[tuple[Any, ...]]:
    """Return every entry as (login, project, task, day, minutes, note, entered by), by day and project."""
    with app.app_context():
        entries = db.session.scalars(select(TimeEntry).order_by(TimeEntry.day, TimeEntry.project_id))
        return [
            (
                e.user.login,
                e.project_id,
                e.task_id,
                e.day,
                e.minutes,
                e.note,
                e.entered_by.login if e.entered_by else None,
            )
            for e in entries
        ]


def cell(project: int | str, task: int | None, day: date) -> str:
    """Return the form name of a grid cell (``project="new"`` for the new row)."""
    row = project if project == "new" else f"{project}-{task or 0}"
    return f"cell-{row}-{day.isoformat()}"


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def inputs(page: str) -> dict[str, str]:
    """Return the grid's inputs, by name, with their values."""
    return dict(re.findall(r'<input type="text" id="[^"]+" name="([^"]+)"[^>]*\s+value="([^"]*)"', page))


def set_group(people: People, **settings: Any) -> None:
    with people.app.app_context():
        group = db.session.get(Group, people.group_id)
        assert group is not None
        for name, value in settings.items():
            setattr(group, name, value)
        db.session.commit()


# --- what the grid shows ------------------------------------------------------------------------


def test_the_grid_has_a_row_per_project_and_task_and_every_total(
    client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    add_entry(people, work["website"], day(0), 90, work["design"])
    add_entry(people, work["website"], day(2), 60, work["design"])
    add_entry(people, work["support"], day(2), 45)
    add_entry(people, work["support"], day(7), 45)  # the next week
    client.login("user")
    page = client.get(WEEK)
    assert page.status_code == 200
    text = page.text
    for header in ("Mon</span> 6 May", "Wed</span> 8 May", "Sun</span> 12 May"):
        assert header in text
    assert "Support</th>" in text and 'Website <span class="muted">· Design</span>' in text
    found = inputs(text)
    assert found[cell(work["website"], work["design"], day(0))] == "1:30"
    assert found[cell(work["website"], work["design"], day(1))] == ""
    assert found[cell(work["support"], None, day(2))] == "0:45"
    assert cell(work["support"], None, day(7)) not in found
    assert all(cell("new", None, day(offset)) in found for offset in range(7))
    assert (
        '<select id="new-project" name="new-project"' in text
        and '<select id="new-task" name="new-task"' in text
    )
    assert '<option value="{}">Archive</option>'.format(work["archive"]) not in text
    totals = re.findall(r'<td class="week-total[^"]*">([\d:]+)</td>', text)
    assert totals == ["0:45", "2:30", "1:30", "0:00", "1:45", "0:00", "0:00", "0:00", "0:00", "3:15"]
    assert 'href="/time?date=2024-05-06"' in text


def test_the_groups_first_day_of_the_week_sets_the_columns(
    client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    set_group(people, first_day_of_week=6)  # Sunday
    add_entry(people, work["support"], date(2024, 5, 5), 60)
    client.login("user")
    text = client.get(WEEK).text
    headers = re.findall(r"<span>(\w{3})</span> (\d+ \w+)</a>", text)
    assert headers[0] == ("Sun", "5 May") and headers[-1] == ("Sat", "11 May") and len(headers) == 7
    assert inputs(text)[cell(work["support"], None, date(2024, 5, 5))] == "1:00"
    assert cell("new", None, date(2024, 5, 12)) not in inputs(text)


@pytest.mark.parametrize("query", ["date=2024-13-01", "date=someday", "date=%00", "date="])
def test_a_bad_date_is_a_400_that_says_why(client: BrowserClient, people: People, query: str) -> None:
    client.login("user")
    response = client.get(f"/time/week?{query}")
    assert response.status_code == 400
    assert messages.BAD_DATE in response.text


@pytest.mark.parametrize(
    "query", ["date=0001-01-01", "date=0001-01-10", "date=9999-12-31", "date=9999-12-20"]
)
def test_a_week_at_the_end_of_the_calendar_is_a_400(
    client: BrowserClient, people: People, query: str
) -> None:
    client.login("user")
    response = client.get(f"/time/week?{query}")
    assert response.status_code == 400
    assert messages.DATE_OUT_OF_RANGE in response.text
    assert client.submit(f"/time/week?{query}", {"cell-new-9999-12-31": "1:00"}).status_code == 400


def test_without_a_date_the_grid_shows_this_week(
    client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    client.login("user")
    assert cell("new", None, day(0)) in inputs(client.get("/time/week").text)


# --- saving -------------------------------------------------------------------------------------


def test_one_save_changes_adds_and_deletes_several_cells(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    add_entry(people, work["website"], day(0), 60, work["design"])
    add_entry(people, work["support"], day(1), 30)
    client.login("user")
    response = client.submit(
        WEEK,
        {
            cell(work["website"], work["design"], day(0)): "2:15",
            cell(work["website"], work["design"], day(1)): "1.5",
            cell(work["support"], None, day(1)): "",
            cell(work["support"], None, day(4)): "45m",
        },
    )
    assert response.status_code == 302 and response.location == WEEK
    assert stored(app) == [
        ("user", work["website"], work["design"], day(0), 135, "", "user"),
        ("user", work["website"], work["design"], day(1), 90, "", "user"),
        ("user", work["support"], None, day(4), 45, "", "user"),
    ]
    assert messages.WEEK_SAVED in client.get(WEEK).text


def test_the_new_row_adds_time_to_the_chosen_project_and_task(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    client.login("user")
    form = {
        "new-project": str(work["website"]),
        "new-task": str(work["build"]),
        cell("new", None, day(2)): "1h 30m",
        cell("new", None, day(3)): "2",
    }
    assert client.submit(WEEK, form).status_code == 302
    assert stored(app) == [
        ("user", work["website"], work["build"], day(2), 90, "", "user"),
        ("user", work["website"], work["build"], day(3), 120, "", "user"),
    ]
    assert inputs(client.get(WEEK).text)[cell(work["website"], work["build"], day(3))] == "2:00"


def test_a_post_that_changes_nothing_says_so(
    client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    add_entry(people, work["support"], day(0), 90)
    client.login("user")
    form = {cell(work["support"], None, day(0)): "1.5", "new-project": str(work["website"])}
    assert client.submit(WEEK, form, follow_redirects=True).text.count(messages.WEEK_UNCHANGED) == 1


def test_a_cell_left_out_of_the_post_is_unchanged(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    add_entry(people, work["support"], day(0), 90)
    before = stored(app)
    client.login("user")
    assert client.submit(WEEK, {}).status_code == 302
    assert stored(app) == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", messages.DURATION_FORMAT),
        ("0", messages.DURATION_RANGE),
        ("24:01", messages.DURATION_RANGE),
        ("1:75", messages.DURATION_FORMAT),
        ("\u0000", messages.DURATION_FORMAT),
    ],
)
def test_one_bad_cell_rejects_the_whole_grid(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int], value: str, message: str
) -> None:
    add_entry(people, work["support"], day(0), 60)
    before = stored(app)
    bad = cell(work["support"], None, day(3))
    client.login("user")
    response = client.submit(
        WEEK,
        {
            cell(work["support"], None, day(0)): "",
            cell(work["support"], None, day(1)): "2:00",
            bad: value,
            "new-project": str(work["website"]),
            cell("new", None, day(4)): "1:00",
        },
    )
    assert response.status_code == 200
    assert stored(app) == before
    text = response.text
    assert messages.WEEK_NOT_SAVED in text
    assert f'aria-invalid="true" aria-describedby="{bad}-error"' in text
    assert f'<p class="error" id="{bad}-error" role="alert">{escape(message)}</p>' in text
    kept = inputs(text)
    assert kept[cell(work["support"], None, day(0))] == ""
    assert kept[cell(work["support"], None, day(1))] == "2:00"
    assert kept[cell("new", None, day(4))] == "1:00"
    assert f'<option value="{work["website"]}" selected>Website</option>' in text


def test_a_day_holds_at_most_24_hours_after_the_whole_post(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    add_entry(people, work["support"], day(0), 20 * 60)
    add_entry(people, work["website"], day(0), 60, work["design"])
    before = stored(app)
    client.login("user")
    too_much = {cell(work["website"], work["design"], day(0)): "5:00"}
    response = client.submit(WEEK, too_much)
    assert response.status_code == 200 and stored(app) == before
    assert escape(messages.DAY_OVER_24_HOURS.format(day="2024-05-06")) in response.text

    # Less Support and more Website on the same day: judged on the day's total after the post.
    shifted = {
        cell(work["support"], None, day(0)): "10:00",
        cell(work["website"], work["design"], day(0)): "14:00",
    }
    assert client.submit(WEEK, shifted).status_code == 302
    assert [(row[1], row[4]) for row in stored(app)] == [(work["website"], 840), (work["support"], 600)]


@pytest.mark.parametrize(
    ("project", "task", "select", "message"),
    [
        ("", "", "new-project", messages.PROJECT_REQUIRED),
        ("archive", "", "new-project", messages.PROJECT_UNAVAILABLE),
        ("elsewhere", "", "new-project", messages.PROJECT_UNAVAILABLE),
        ("website", "secret", "new-task", messages.TASK_UNAVAILABLE),
        ("support", "design", "new-task", messages.TASK_UNAVAILABLE),
        ("website", "design", "new-project", messages.WEEK_ROW_EXISTS),
    ],
)
def test_the_new_row_takes_only_an_active_project_of_the_group_and_its_tasks(
    app: Flask,
    client: BrowserClient,
    people: People,
    work: dict[str, int],
    project: str,
    task: str,
    select: str,
    message: str,
) -> None:
    add_entry(people, work["website"], day(0), 60, work["design"])
    before = stored(app)
    client.login("user")
    form = {
        "new-project": str(work.get(project, "")),
        "new-task": str(work.get(task, "")),
        cell("new", None, day(1)): "1:00",
        cell(work["website"], work["design"], day(2)): "3:00",
    }
    response = client.submit(WEEK, form)
    assert response.status_code == 200 and stored(app) == before
    assert f'<p class="error" id="{select}-error" role="alert">{escape(message)}</p>' in response.text
    assert f'aria-describedby="{select}-error"' in response.text


def test_an_inactive_project_keeps_its_row_but_takes_no_new_day(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    add_entry(people, work["archive"], day(0), 60)
    client.login("user")
    changed = {cell(work["archive"], None, day(0)): "2:00"}
    assert client.submit(WEEK, changed).status_code == 302
    added = {cell(work["archive"], None, day(1)): "2:00"}
    response = client.submit(WEEK, added)
    assert response.status_code == 200 and messages.PROJECT_UNAVAILABLE in response.text
    assert [(row[3], row[4]) for row in stored(app)] == [(day(0), 120)]


# --- read-only cells ----------------------------------------------------------------------------


def test_cells_the_grid_cannot_express_are_read_only_links_to_the_day(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    support, design = work["support"], work["design"]
    add_entry(people, support, day(0), 30)
    add_entry(people, support, day(0), 45)  # several entries
    add_entry(people, support, day(1), 60, note="Call with the client")
    start = datetime(2024, 5, 8, 8, 0, tzinfo=UTC)
    add_entry(people, support, day(2), 60, start_at=start, finish_at=start + timedelta(hours=1))
    add_entry(people, work["website"], day(2), None, design, start_at=datetime(2024, 5, 8, 9, 30, tzinfo=UTC))
    before = stored(app)
    client.login("user")
    text = client.get(WEEK).text
    found = inputs(text)
    for offset in (0, 1, 2):
        assert cell(support, None, day(offset)) not in found
    assert cell(work["website"], design, day(2)) not in found
    assert f'<a href="/time?date=2024-05-06" title="{escape(messages.WEEK_CELL_SEVERAL)}">1:15</a>' in text
    assert f'title="{escape(messages.WEEK_CELL_DETAILED)}">1:00</a>' in text
    assert f'title="{escape(messages.WEEK_CELL_TIMER)}"> <span class="week-timer">timer</span></a>' in text

    forged = {cell(support, None, day(offset)): "" for offset in (0, 1, 2)}
    forged[cell(work["website"], design, day(2))] = ""
    assert client.submit(WEEK, forged).status_code == 302
    assert stored(app) == before
    forged = {cell(support, None, day(0)): "8:00", cell(support, None, day(3)): "1:00"}
    response = client.submit(WEEK, forged)
    assert response.status_code == 200 and messages.WEEK_CHANGED_MEANWHILE in response.text
    assert stored(app) == before


def test_locked_days_are_read_only_without_override_date_lock(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    set_group(people, lock_date=day(1))
    add_entry(people, work["support"], day(0), 60)
    before = stored(app)
    client.login("user")
    text = client.get(WEEK).text
    found = inputs(text)
    assert cell(work["support"], None, day(0)) not in found and cell("new", None, day(1)) not in found
    assert cell("new", None, day(2)) in found
    assert text.count('<span class="badge off">locked</span>') == 2
    assert "Time on and before 2024-05-06" not in text and "Time on and before 2024-05-07 is locked" in text
    forged = {cell(work["support"], None, day(0)): "", cell(work["support"], None, day(1)): "3:00"}
    assert client.submit(WEEK, forged).status_code == 200
    assert stored(app) == before


def test_override_date_lock_opens_locked_days(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    set_group(people, lock_date=day(1))
    add_entry(people, work["support"], day(0), 60, login="supervisor")
    client.login("supervisor")
    form = {cell(work["support"], None, day(0)): "", cell(work["support"], None, day(1)): "3:00"}
    assert client.submit(WEEK, form).status_code == 302
    assert stored(app) == [("supervisor", work["support"], None, day(1), 180, "", "supervisor")]


# --- on behalf of others ------------------------------------------------------------------------


def test_a_supervisor_fills_in_the_week_of_a_user(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    add_entry(people, work["support"], day(0), 60)
    user = people.ids["user"]
    client.login("supervisor")
    page = client.get(f"{WEEK}&user={user}").text
    assert "Week: Jane User" in page and f'action="/time/week?date=2024-05-06&amp;user={user}"' in page
    assert inputs(page)[cell(work["support"], None, day(0))] == "1:00"
    form = {cell(work["support"], None, day(0)): "2:00"}
    response = client.submit(f"{WEEK}&user={user}", form)
    assert response.status_code == 302 and response.location == f"{WEEK}&user={user}"
    assert stored(app) == [("user", work["support"], None, day(0), 120, "", "supervisor")]


@pytest.mark.parametrize(
    ("login", "target"),
    [("user", "supervisor"), ("user", "noemail"), ("supervisor", "comanager"), ("supervisor", "other-user")],
)
def test_a_user_outside_the_actors_reach_is_forbidden(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int], login: str, target: str
) -> None:
    add_entry(people, work["support"], day(0), 60, login="supervisor")
    before = stored(app)
    client.login(login)
    url = f"{WEEK}&user={people.ids[target]}"
    assert client.get(url).status_code == 403
    assert client.submit(url, {cell(work["support"], None, day(0)): "3:00"}).status_code == 403
    assert stored(app) == before


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["abc", "99999999999999999999", "-1", "0", "\u0000", ""])
def test_a_bad_user_id_is_forbidden(client: BrowserClient, people: People, user: str) -> None:
    client.login("supervisor")
    assert client.get(f"{WEEK}&user={user}").status_code == 403
    assert client.submit(f"{WEEK}&user={user}", {}).status_code == 403


@pytest.mark.parametrize(
    "changes",
    [
        {"new-project": "99999999999999999999", "new-task": "abc", "cell-new-2024-05-06": "1:00"},
        {"new-project": "\u0000", "new-task": "\u0000", "cell-new-2024-05-06": "\u0000"},
        {"new-project": "-1", "new-task": "1" * 5000, "cell-new-2024-05-06": "1" * 5000},
        {"cell-99999999999999-0-2024-05-06": "1:00"},
        {"cell-abc-def-2024-05-06": "1:00"},
        {"cell-new-2024-05-13": "1:00"},
    ],
)
def test_bad_posts_are_refused_without_saving(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int], changes: dict[str, str]
) -> None:
    client.login("user")
    response = client.submit(WEEK, {"new-project": str(work["support"]), **changes})
    assert response.status_code == 200
    assert messages.WEEK_NOT_SAVED in response.text or messages.WEEK_CHANGED_MEANWHILE in response.text
    assert stored(app) == []


def test_a_forged_cell_of_another_groups_project_saves_nothing(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    client.login("user")
    forged = {
        cell(work["elsewhere"], work["secret"], day(0)): "1:00",
        cell(work["support"], None, day(1)): "1:00",
    }
    response = client.submit(WEEK, forged)
    assert response.status_code == 200 and messages.WEEK_CHANGED_MEANWHILE in response.text
    assert stored(app) == []


def test_the_grid_needs_a_login_and_the_csrf_token(
    app: Flask, client: BrowserClient, people: People, work: dict[str, int]
) -> None:
    assert client.get(WEEK).status_code == 302
    client.login("user")
    assert client.post(WEEK, data={cell(work["support"], None, day(0)): "1:00"}).status_code == 400
    assert stored(app) == []
