"""Time tracking in the JSON API: projects, entries and the timer, by the Time page's rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import API, AppClock, People, assert_error, new_client, token_for
from timetracker import messages
from timetracker.extensions import db
from timetracker.models import Group, Project, Task, TimeEntry
from timetracker.rights import Right

DAY = "2024-06-03"
ENTRY_KEYS = {
    "id",
    "user_id",
    "date",
    "project_id",
    "task_id",
    "minutes",
    "start",
    "finish",
    "note",
    "entered_by_id",
}


class Api:
    """Calls of the API with one user's token."""

    def __init__(self, client: FlaskClient, who: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token_for(client, who)}"}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"{API}{path}", query_string=query, headers=self.headers)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.client.post(f"{API}{path}", json=body, headers=self.headers, **kwargs)

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(f"{API}{path}", json=body, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"{API}{path}", headers=self.headers)

    def raw(self, method: str, path: str, data: str) -> Any:
        """Send ``data`` as the body as it is, declared JSON."""
        return self.client.open(
            f"{API}{path}", method=method, data=data, content_type="application/json", headers=self.headers
        )

    def record(self, **body: Any) -> Any:
        """Create an entry; return its JSON after checking it was created."""
        response = self.post("/time-entries", body)
        assert response.status_code == 201, response.json
        return response.json


@pytest.fixture
def projects(people: People) -> dict[str, int]:
    """Give Acme a project with an active and an inactive task, and an inactive project; Other a project."""
    with people.app.app_context():
        website = _project(people.group_id, "Website", "The new site")
        design, old = Task(name="Design", name_key="design"), Task(name="Old", name_key="old", active=False)
        website.tasks += [design, old]
        archive = _project(people.group_id, "Archive", active=False)
        elsewhere = _project(people.other_group_id, "Elsewhere")
        db.session.add_all([website, archive, elsewhere])
        db.session.commit()
        return {
            "website": website.id,
            "design": design.id,
            "old": old.id,
            "archive": archive.id,
            "elsewhere": elsewhere.id,
            "elsewhere-task": _task(elsewhere),
        }


def _project(group_id: int, name: str, description: str = "", *, active: bool = True) -> Project:
    return Project(
        group_id=group_id, name=name, name_key=name.casefold(), description=description, active=active
    )


def _task(project: Project) -> int:
    task = Task(name="Any", name_key="any")
    project.tasks.append(task)
    db.session.flush()
    return task.id


def as_(client: FlaskClient, who: str) -> Api:
    return Api(client, who)


def entry_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TimeEntry)) or 0


def set_lock_date(people: People, day: date | None) -> None:
    with people.app.app_context():
        group = db.session.get(Group, people.group_id)
        assert group is not None
        group.lock_date = day
        db.session.commit()


def set_time_zone(people: People, who: str, zone: str) -> None:
    with people.app.app_context():
        people.user(who).time_zone = zone
        db.session.commit()


# --- projects -----------------------------------------------------------------------------------------------


def test_projects_are_the_active_ones_with_active_tasks(
    client: FlaskClient, projects: dict[str, int]
) -> None:
    response = as_(client, "user").get("/projects")
    assert response.status_code == 200
    assert response.json == [
        {
            "id": projects["website"],
            "name": "Website",
            "description": "The new site",
            "tasks": [{"id": projects["design"], "name": "Design"}],
        }
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/projects"),
        ("GET", "/time-entries?from=2024-06-01&to=2024-06-30"),
        ("POST", "/time-entries"),
        ("PATCH", "/time-entries/1"),
        ("DELETE", "/time-entries/1"),
        ("GET", "/timer"),
        ("POST", "/timer/start"),
        ("POST", "/timer/stop"),
    ],
)
def test_every_call_needs_a_token(client: FlaskClient, people: People, method: str, path: str) -> None:
    response = client.open(f"{API}{path}", method=method, json={}, headers={"Authorization": "Bearer tt_x"})
    assert_error(response, 401, "invalid_token")


# --- entries ------------------------------------------------------------------------------------------------


def test_record_list_change_and_delete(
    app: Flask, client: FlaskClient, people: People, projects: dict
) -> None:
    jane = as_(client, "user")
    made = jane.record(date=DAY, project_id=projects["website"], task_id=projects["design"], minutes=90)
    assert set(made) == ENTRY_KEYS
    assert made == {
        "id": made["id"],
        "user_id": people.ids["user"],
        "date": DAY,
        "project_id": projects["website"],
        "task_id": projects["design"],
        "minutes": 90,
        "start": None,
        "finish": None,
        "note": "",
        "entered_by_id": people.ids["user"],
    }
    assert jane.get("/time-entries", **{"from": DAY, "to": DAY}).json == [made]
    assert jane.get("/time-entries", **{"from": "2024-06-04", "to": "2024-06-04"}).json == []

    changed = jane.patch(f"/time-entries/{made['id']}", {"note": "Kick-off\nwith the client"})
    assert changed.status_code == 200
    assert changed.json == {**made, "note": "Kick-off\nwith the client"}  # the rest kept

    assert jane.delete(f"/time-entries/{made['id']}").status_code == 204
    assert entry_count(app) == 0
    assert_error(jane.delete(f"/time-entries/{made['id']}"), 404, "not_found")


def test_start_and_finish_are_times_of_the_users_zone(
    app: Flask, client: FlaskClient, people: People, projects: dict
) -> None:
    set_time_zone(people, "user", "Pacific/Auckland")
    made = as_(client, "user").record(date=DAY, project_id=projects["website"], start="09:00", finish="10:30")
    assert (made["minutes"], made["start"], made["finish"]) == (
        90,
        "2024-06-03T09:00:00+12:00",
        "2024-06-03T10:30:00+12:00",
    )
    with app.app_context():
        stored = db.session.get(TimeEntry, made["id"])
        assert stored is not None and stored.start_at == datetime(2024, 6, 2, 21, 0, tzinfo=UTC)


def test_a_change_swaps_minutes_and_times(client: FlaskClient, people: People, projects: dict) -> None:
    jane = as_(client, "user")
    made = jane.record(date=DAY, project_id=projects["website"], minutes=30)
    path = f"/time-entries/{made['id']}"
    timed = jane.patch(path, {"start": "08:00", "finish": "09:15"}).json
    assert (timed["minutes"], timed["start"]) == (75, "2024-06-03T08:00:00+00:00")
    later = jane.patch(path, {"finish": "10:00"}).json  # the start is kept
    assert (later["minutes"], later["start"], later["finish"]) == (
        120,
        "2024-06-03T08:00:00+00:00",
        "2024-06-03T10:00:00+00:00",
    )
    back = jane.patch(path, {"minutes": 45, "date": "2024-06-04"}).json
    assert (back["minutes"], back["start"], back["finish"], back["date"]) == (45, None, None, "2024-06-04")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"project_id": "archive"}, "project_id", messages.PROJECT_UNAVAILABLE),
        ({"project_id": "elsewhere"}, "project_id", messages.PROJECT_UNAVAILABLE),
        ({"project_id": 999_999}, "project_id", messages.PROJECT_UNAVAILABLE),
        ({"task_id": "old"}, "task_id", messages.TASK_UNAVAILABLE),
        ({"task_id": "elsewhere-task"}, "task_id", messages.TASK_UNAVAILABLE),
        ({"minutes": None}, "minutes", messages.DURATION_OR_TIMES),
        ({"start": "09:00", "finish": "10:00"}, "minutes", messages.DURATION_OR_TIMES),
        ({"minutes": None, "start": "09:00"}, "finish", messages.START_AND_FINISH),
        ({"minutes": None, "start": "10:00", "finish": "09:00"}, "finish", messages.FINISH_BEFORE_START),
        ({"note": "bell\x07"}, "note", messages.NOTE_CHARACTERS),
        ({"note": "nul\x00"}, "note", messages.NOTE_CHARACTERS),
        ({"note": "x" * 2001}, "note", messages.TOO_LONG.format(maximum=2000)),
    ],
)
def test_broken_rules_name_the_member(
    app: Flask, client: FlaskClient, people: People, projects: dict, body: dict, field: str, message: str
) -> None:
    named = {key: projects.get(value, value) if key.endswith("_id") else value for key, value in body.items()}
    response = as_(client, "user").post(
        "/time-entries", {"date": DAY, "project_id": projects["website"], "minutes": 60, **named}
    )
    assert_error(response, 422, "invalid_entry", message)
    assert response.json["field"] == field
    assert entry_count(app) == 0


def test_the_day_holds_24_hours(app: Flask, client: FlaskClient, people: People, projects: dict) -> None:
    jane = as_(client, "user")
    first = jane.record(date=DAY, project_id=projects["website"], minutes=1439)
    one_more = jane.record(date=DAY, project_id=projects["website"], minutes=1)
    response = jane.post("/time-entries", {"date": DAY, "project_id": projects["website"], "minutes": 1})
    assert_error(response, 422, "invalid_entry", messages.DAY_OVER_24_HOURS.format(day=DAY))
    assert response.json["field"] == "minutes"
    grown = jane.patch(f"/time-entries/{first['id']}", {"minutes": 1440})
    assert_error(grown, 422, "invalid_entry") and grown.json["field"] == "minutes"
    assert jane.patch(f"/time-entries/{one_more['id']}", {"date": "2024-06-04"}).status_code == 200
    assert jane.patch(f"/time-entries/{first['id']}", {"minutes": 1440}).status_code == 200
    assert entry_count(app) == 2


# --- on behalf of others ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "worker", "allowed"),
    [
        ("supervisor", "user", True),
        ("top", "manager", True),
        ("manager", "supervisor", True),
        ("supervisor", "supervisor", True),  # oneself, by id
        ("user", "noemail", False),  # the same rank, without track_time
        ("user", "supervisor", False),
        ("supervisor", "comanager", False),  # ranked above
        ("comanager", "manager", False),
        ("top", "other-user", False),  # another group
        ("other-top", "user", False),
    ],
)
def test_time_on_behalf_follows_rank_and_group(
    app: Flask, client: FlaskClient, people: People, projects: dict, actor: str, worker: str, allowed: bool
) -> None:
    caller = as_(client, actor)
    worker_id = people.ids[worker]
    project_id = projects["elsewhere" if actor.startswith("other") else "website"]
    body = {"date": DAY, "project_id": project_id, "minutes": 60, "user_id": worker_id}
    created = caller.post("/time-entries", body)
    listed = caller.get("/time-entries", **{"from": DAY, "to": DAY, "user_id": worker_id})
    started = caller.post("/timer/start", {"project_id": project_id, "user_id": worker_id})
    timer = caller.get("/timer", user_id=worker_id)
    stopped = caller.post("/timer/stop", {"user_id": worker_id})
    if allowed:
        assert created.status_code == 201
        assert (created.json["user_id"], created.json["entered_by_id"]) == (worker_id, people.ids[actor])
        assert listed.json == [created.json]
        assert started.status_code == 201 and timer.json["timer"]["id"] == started.json["timer"]["id"]
        assert stopped.status_code == 200 and stopped.json["entry"]["user_id"] == worker_id
    else:
        for response in (created, listed, started, timer, stopped):
            assert_error(response, 403, "forbidden", messages.API_MAY_NOT_TRACK)
        assert entry_count(app) == 0


@pytest.mark.parametrize(
    ("actor", "owner", "reachable"),
    [
        ("supervisor", "user", True),
        ("user", "user", True),
        ("user", "supervisor", False),
        ("supervisor", "manager", False),
        ("top", "other-user", False),
    ],
)
def test_entry_ids_out_of_reach_are_not_found(
    app: Flask, client: FlaskClient, people: People, projects: dict, actor: str, owner: str, reachable: bool
) -> None:
    project_id = projects["elsewhere" if owner.startswith("other") else "website"]
    entry_id = people.add_entry(owner, project_id, date(2024, 6, 3))
    caller = as_(client, actor)
    changed = caller.patch(f"/time-entries/{entry_id}", {"note": "mine now"})
    deleted = caller.delete(f"/time-entries/{entry_id}")
    if reachable:
        assert changed.status_code == 200 and changed.json["entered_by_id"] == people.ids[actor]
        assert deleted.status_code == 204
    else:
        assert_error(changed, 404, "not_found")
        assert_error(deleted, 404, "not_found")
        with app.app_context():
            kept = db.session.get(TimeEntry, entry_id)
            assert kept is not None and kept.note == ""


# --- the lock date ------------------------------------------------------------------------------------------


def test_the_lock_date_binds_those_without_the_right(
    app: Flask, client: FlaskClient, people: People, projects: dict
) -> None:
    jane, sue = as_(client, "user"), as_(client, "supervisor")
    old = jane.record(date="2024-06-28", project_id=projects["website"], minutes=60)
    set_lock_date(people, date(2024, 6, 30))
    locked = messages.DAY_LOCKED.format(day="2024-06-30")
    for response in (
        jane.post("/time-entries", {"date": "2024-06-30", "project_id": projects["website"], "minutes": 5}),
        jane.patch(f"/time-entries/{old['id']}", {"minutes": 30}),
        jane.patch(f"/time-entries/{old['id']}", {"date": "2024-07-01"}),
        jane.delete(f"/time-entries/{old['id']}"),
    ):
        assert_error(response, 422, "invalid_entry", locked)
        assert response.json["field"] == "date"
    moved_in = jane.record(date="2024-07-01", project_id=projects["website"], minutes=5)
    assert_error(jane.patch(f"/time-entries/{moved_in['id']}", {"date": "2024-06-01"}), 422, "invalid_entry")
    # override_date_lock: the supervisor changes the locked day, for Jane and for themself
    assert sue.patch(f"/time-entries/{old['id']}", {"minutes": 30}).status_code == 200
    body = {"date": "2024-06-30", "project_id": projects["website"], "minutes": 5}
    assert sue.post("/time-entries", {**body, "user_id": people.ids["user"]}).status_code == 201
    assert sue.post("/time-entries", body).status_code == 201
    assert sue.delete(f"/time-entries/{old['id']}").status_code == 204


def test_a_timer_does_not_start_on_a_locked_today(
    client: FlaskClient, people: People, projects: dict, frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2024, 6, 3, 9, 0, tzinfo=UTC))
    set_lock_date(people, date(2024, 6, 3))
    response = as_(client, "user").post("/timer/start", {"project_id": projects["website"]})
    assert_error(response, 422, "invalid_entry", messages.DAY_LOCKED.format(day=DAY))


# --- the timer ----------------------------------------------------------------------------------------------


def test_the_timer_across_clients(
    app: Flask, client: FlaskClient, people: People, projects: dict, frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2024, 6, 3, 9, 0, tzinfo=UTC))
    phone, laptop = as_(client, "user"), as_(client, "user")
    assert phone.get("/timer").json == {"timer": None}
    started = phone.post("/timer/start", {"project_id": projects["website"], "note": "Standup"})
    assert started.status_code == 201
    timer = started.json["timer"]
    assert ENTRY_KEYS <= set(timer)
    assert (timer["date"], timer["minutes"], timer["finish"], timer["note"]) == (DAY, None, None, "Standup")
    assert (timer["start"], timer["running"], timer["elapsed_minutes"]) == (
        "2024-06-03T09:00:00+00:00",
        True,
        0,
    )

    again = laptop.post("/timer/start", {"project_id": projects["website"]})
    assert_error(again, 422, "invalid_entry", messages.TIMER_ALREADY_RUNNING)
    assert again.json["field"] == "timer"
    frozen_clock.move(minutes=95)
    running = laptop.get("/timer").json["timer"]
    assert (running["id"], running["elapsed_minutes"]) == (timer["id"], 95)
    assert_error(laptop.patch(f"/time-entries/{timer['id']}", {"note": "x"}), 422, "invalid_entry")

    stopped = laptop.client.post(f"{API}/timer/stop", headers=laptop.headers)  # no body at all
    assert stopped.status_code == 200
    assert stopped.json["capped"] is False
    entry = stopped.json["entry"]
    assert (entry["minutes"], entry["finish"]) == (95, "2024-06-03T10:35:00+00:00")
    assert "running" not in entry
    nothing = phone.post("/timer/stop", {})
    assert_error(nothing, 422, "invalid_entry", messages.NO_TIMER_RUNNING)
    assert nothing.json["field"] == "timer"
    assert phone.get("/timer").json == {"timer": None}
    assert phone.get("/time-entries", **{"from": DAY, "to": DAY}).json == [entry]


def test_a_timer_left_running_stops_at_24_hours(
    client: FlaskClient, people: People, projects: dict, frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2024, 6, 3, 8, 0, tzinfo=UTC))
    jane = as_(client, "user")
    jane.record(date=DAY, project_id=projects["website"], minutes=600)
    jane.post("/timer/start", {"project_id": projects["website"]})
    frozen_clock.move(hours=30)
    stopped = jane.post("/timer/stop")
    assert stopped.json["capped"] is True
    assert (stopped.json["entry"]["date"], stopped.json["entry"]["minutes"]) == (DAY, 840)


def test_the_timers_day_is_the_users(
    client: FlaskClient, people: People, projects: dict, frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2024, 6, 3, 20, 0, tzinfo=UTC))  # June 4th, 08:00 in Auckland
    set_time_zone(people, "user", "Pacific/Auckland")
    timer = as_(client, "user").post("/timer/start", {"project_id": projects["website"]}).json["timer"]
    assert (timer["date"], timer["start"]) == ("2024-06-04", "2024-06-04T08:00:00+12:00")


# --- bad input ----------------------------------------------------------------------------------------------


MISSING_MEMBERS = [
    {"project_id": 1, "minutes": 60},
    {"date": DAY, "minutes": 60},
    {"date": None, "project_id": 1, "minutes": 60},
    {"date": DAY, "project_id": None, "minutes": 60},
    [],
    "a string",
    None,
]

# Members of the wrong type or out of the described range, for a new entry and a change alike.
BAD_MEMBERS = [
    {"date": 20240603},
    {"date": "2024-02-30"},
    {"date": "2024-6-3"},
    {"date": "20240603"},
    {"date": "2024-06-03T00:00"},
    {"date": "٢٠٢٤-٠٦-٠٣"},
    {"date": "\ud800"},
    {"project_id": "1"},
    {"project_id": 1.0},
    {"project_id": True},
    {"project_id": 0},
    {"project_id": -1},
    {"project_id": 2**31},
    {"project_id": 10**40},
    {"task_id": [1]},
    {"task_id": 2**63},
    {"minutes": "60"},
    {"minutes": 1.5},
    {"minutes": 0},
    {"minutes": -5},
    {"minutes": 1441},
    {"minutes": 10**30},
    {"minutes": None, "start": "9:00", "finish": "10:00"},
    {"minutes": None, "start": "09:00", "finish": "24:00"},
    {"minutes": None, "start": "09:00:00", "finish": "10:00"},
    {"minutes": None, "start": "09:00\n", "finish": "10:00"},
    {"minutes": None, "start": 900, "finish": "10:00"},
    {"note": 5},
    {"note": ["a"]},
    {"note": {"text": "a"}},
]


@pytest.mark.parametrize("body", MISSING_MEMBERS)
def test_new_entries_without_date_or_project_get_400(
    app: Flask, client: FlaskClient, people: People, body: Any
) -> None:
    assert_error(as_(client, "user").post("/time-entries", body), 400, "invalid_request")
    assert entry_count(app) == 0


@pytest.mark.parametrize("changes", BAD_MEMBERS)
def test_malformed_members_get_400(app: Flask, client: FlaskClient, people: People, changes: dict) -> None:
    jane = as_(client, "user")
    body = {"date": DAY, "project_id": 1, "minutes": 60, **changes}
    assert_error(jane.post("/time-entries", body), 400, "invalid_request")
    assert_error(
        jane.post("/time-entries", {**body, "user_id": str(people.ids["user"])}), 400, "invalid_request"
    )
    made = jane.record(date=DAY, project_id=_website(people), minutes=60)
    assert_error(jane.patch(f"/time-entries/{made['id']}", changes), 400, "invalid_request")
    assert jane.get("/time-entries", **{"from": DAY, "to": DAY}).json == [made]


def _website(people: People) -> int:
    with people.app.app_context():
        project = _project(people.group_id, "Website")
        db.session.add(project)
        db.session.commit()
        return project.id


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/timer/start", {}),
        ("/timer/start", {"project_id": None}),
        ("/timer/start", {"project_id": "1"}),
        ("/timer/start", {"project_id": 1, "note": 7}),
        ("/timer/start", {"project_id": 1, "task_id": 2**31}),
        ("/timer/start", {"project_id": 1, "user_id": -1}),
        ("/timer/start", []),
        ("/timer/stop", {"user_id": "me"}),
        ("/timer/stop", {"user_id": 10**30}),
        ("/timer/stop", "not an object"),
    ],
)
def test_malformed_timer_calls_get_400(client: FlaskClient, people: People, path: str, body: Any) -> None:
    assert_error(as_(client, "user").post(path, body), 400, "invalid_request")


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        (
            "POST",
            "/time-entries",
            '{"date": "2024-06-03", "project_id": 1, "minutes": 60, "note": "\\ud800"}',
        ),
        ("POST", "/time-entries", '{"date": "2024-06-03", "project_id": 1, "minutes": 1e400}'),
        ("POST", "/time-entries", '{"date": "2024-06-03", "project_id": NaN, "minutes": 60}'),
        ("POST", "/time-entries", '{"date": "2024-06-03", "project_id": ' + "9" * 5000 + "}"),
        ("POST", "/time-entries", "{"),
        ("POST", "/timer/start", '{"project_id": 1, "note": "a\\udc00b"}'),
        ("POST", "/timer/stop", "not json"),
    ],
)
def test_raw_bodies_that_are_not_json_text_get_400(
    client: FlaskClient, people: People, method: str, path: str, data: str
) -> None:
    assert_error(as_(client, "user").raw(method, path, data), 400, "invalid_request")


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": DAY},
        {"to": DAY},
        {"from": "2024-06-04", "to": DAY},  # from after to
        {"from": "2024-01-01", "to": "2025-01-02"},  # 367 days apart
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"from": "2024-13-01", "to": "2024-12-31"},
        {"from": "yesterday", "to": DAY},
        {"from": DAY, "to": DAY, "user_id": "abc"},
        {"from": DAY, "to": DAY, "user_id": "0"},
        {"from": DAY, "to": DAY, "user_id": str(2**31)},
        {"from": DAY, "to": DAY, "user_id": "9" * 5000},
    ],
)
def test_bad_periods_get_400(client: FlaskClient, people: People, query: dict[str, str]) -> None:
    assert_error(as_(client, "user").get("/time-entries", **query), 400, "invalid_request")


def test_a_period_of_366_days_is_fine(client: FlaskClient, people: People) -> None:
    response = as_(client, "user").get("/time-entries", **{"from": "2024-01-01", "to": "2025-01-01"})
    assert response.status_code == 200 and response.json == []


@pytest.mark.parametrize("entry_id", ["0", str(2**31), "9" * 30, "-1", "abc"])
def test_entry_ids_that_name_no_row_are_not_found(client: FlaskClient, people: People, entry_id: str) -> None:
    jane = as_(client, "user")
    assert_error(jane.patch(f"/time-entries/{entry_id}", {"note": "x"}), 404, "not_found")
    assert_error(jane.delete(f"/time-entries/{entry_id}"), 404, "not_found")


def test_a_role_without_time_rights_sees_no_projects(app: Flask, client: FlaskClient, people: People) -> None:
    with app.app_context():
        role = people.user("user").role
        role.rights = role.rights - {Right.TRACK_OWN_TIME}
        db.session.commit()
    jane = as_(client, "user")
    assert_error(jane.get("/projects"), 403, "forbidden", messages.API_NO_TIME_RIGHTS)
    assert_error(jane.get("/timer"), 403, "forbidden")


def test_a_body_nested_too_deep_is_a_400(app: Flask, people: People) -> None:
    api = new_client(app)
    token = token_for(api, "user")
    body = "[" * 100_000 + "]" * 100_000
    response = api.post(
        "/api/v1/time-entries",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400 and response.json["error"] == "invalid_request"


def test_a_body_over_a_megabyte_is_a_413(app: Flask, people: People) -> None:
    api = new_client(app)
    token = token_for(api, "user")
    body = '{"note": "' + "x" * (1024 * 1024) + '"}'
    response = api.post(
        "/api/v1/time-entries",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413 and response.json["error"]
