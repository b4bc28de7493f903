"""GET /api/v1/reports: the report page's groups and totals as JSON, by the page's rights and rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import API, AppClock, BrowserClient, People, assert_error, new_client, token_for
from tests.team_time import (
    BAD_QUERIES,
    PERIOD,
    TEAM_MINUTES,
    TEAM_TIME,
    TeamTime,
    as_page,
    by_hand,
    deactivate,
    groups_on,
    report_url,
    set_first_day_of_week,
    take_right,
)
from timetracker import messages
from timetracker.rights import Right
from timetracker.services.reports import Grouping


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return new_client(app)


def report(api: FlaskClient, who: str, query: dict[str, Any] | str) -> TestResponse:
    """Ask the API for a report as ``who`` (a query string, or a mapping whose lists repeat)."""
    written = query if isinstance(query, str) else urlencode(query, doseq=True)
    headers = {"Authorization": f"Bearer {token_for(api, who)}"}
    return api.get(f"{API}/reports?{written}", headers=headers)


def totals_of(body: dict[str, Any]) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Return the JSON groups as by_hand counts them: [(label, minutes, [(label, minutes)])]."""
    return [
        (
            group["label"],
            group["minutes"],
            [(child["label"], child["minutes"]) for child in group.get("groups", [])],
        )
        for group in body["groups"]
    ]


@pytest.mark.parametrize(
    ("group_by", "then_by"),
    [
        (Grouping.USER, Grouping.PROJECT),
        (Grouping.WEEK, Grouping.TASK),
        (Grouping.MONTH, Grouping.USER),
        (Grouping.TASK, Grouping.DATE),
        (Grouping.PROJECT, Grouping.NONE),
    ],
)
def test_the_same_totals_as_the_page(
    api: FlaskClient, client: BrowserClient, team_time: TeamTime, group_by: Grouping, then_by: Grouping
) -> None:
    query = {**PERIOD, "group_by": group_by.value, "then_by": then_by.value}
    response = report(api, "top", query)
    assert response.status_code == 200, response.json
    body = response.json
    groupings = tuple(grouping for grouping in (group_by, then_by) if grouping is not Grouping.NONE)
    expected = by_hand(groupings)
    if then_by is Grouping.NONE:
        assert all("groups" not in group for group in body["groups"])
        expected = [(label, minutes, []) for label, minutes, _ in expected]
    assert totals_of(body) == expected
    assert (body["minutes"], body["hours"]) == (TEAM_MINUTES, 15.33)
    client.login("top")
    assert groups_on(client.get(report_url(**query)).text) == as_page(expected)


def test_the_json_shape(api: FlaskClient, team_time: TeamTime) -> None:
    ids, tasks, projects = team_time.people.ids, team_time.tasks, team_time.projects
    query = {**PERIOD, "user_id": ids["supervisor"], "group_by": "project", "then_by": "task"}
    response = report(api, "top", query)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json == {
        "from": "2026-10-26",
        "to": "2026-11-08",
        "group_by": "project",
        "then_by": "task",
        "minutes": 450,
        "hours": 7.5,
        "groups": [
            {
                "project_id": projects["Website"],
                "label": "Website",
                "minutes": 450,
                "hours": 7.5,
                "groups": [
                    {
                        "project_id": projects["Website"],
                        "task_id": tasks["Build"],
                        "label": "Website · Build",
                        "minutes": 390,
                        "hours": 6.5,
                    },
                    {
                        "project_id": projects["Website"],
                        "task_id": tasks["Design"],
                        "label": "Website · Design",
                        "minutes": 60,
                        "hours": 1.0,
                    },
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    ("group_by", "first_key"),
    [
        ("date", {"date": "2026-10-30"}),
        ("week", {"week_start": "2026-10-26"}),
        ("month", {"month": "2026-10"}),
        ("user", {"user_id": "user"}),
        ("project", {"project_id": "Support"}),
        ("task", {"project_id": "Support", "task_id": None}),
    ],
)
def test_each_grouping_names_its_groups(
    api: FlaskClient, team_time: TeamTime, group_by: str, first_key: dict[str, Any]
) -> None:
    known = {**team_time.people.ids, **team_time.projects, None: None}
    expected = {name: known[value] if name.endswith("_id") else value for name, value in first_key.items()}
    then_by = "project" if group_by != "project" else "user"
    body = report(api, "top", {**PERIOD, "group_by": group_by, "then_by": then_by}).json
    first = body["groups"][0]
    assert set(first) == {*expected, "label", "minutes", "hours", "groups"}
    assert {name: first[name] for name in expected} == expected
    assert set(first["groups"][0]) == {f"{then_by}_id", "label", "minutes", "hours"}


def test_weeks_follow_the_groups_first_day(api: FlaskClient, team_time: TeamTime) -> None:
    set_first_day_of_week(team_time.people, 6)  # Sunday
    body = report(api, "top", {**PERIOD, "group_by": "week"}).json
    assert [(group["week_start"], group["minutes"]) for group in body["groups"]] == [
        ("2026-10-25", 330),
        ("2026-11-01", 590),
    ]


def test_without_a_grouping_only_the_total(api: FlaskClient, team_time: TeamTime) -> None:
    body = report(api, "top", PERIOD).json
    assert body == {
        "from": "2026-10-26",
        "to": "2026-11-08",
        "group_by": "none",
        "then_by": "none",
        "minutes": TEAM_MINUTES,
        "hours": 15.33,
        "groups": [],
    }
    empty = report(api, "top", {"from": "2025-01-01", "to": "2025-01-31", "group_by": "user"}).json
    assert (empty["minutes"], empty["hours"], empty["groups"]) == (0, 0.0, [])


def test_a_preset_is_of_the_callers_today(
    api: FlaskClient, team_time: TeamTime, frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 12, 5, 12, tzinfo=UTC))
    body = report(api, "user", {"period": "last_month"}).json
    assert (body["from"], body["to"], body["minutes"]) == ("2026-11-01", "2026-11-30", 125 + 600)
    body = report(api, "user", "").json  # no period: this month
    assert (body["from"], body["to"], body["minutes"]) == ("2026-12-01", "2026-12-31", 0)


# --- rights -----------------------------------------------------------------------------------------


def users_in(body: dict[str, Any]) -> set[int]:
    return {group["user_id"] for group in body["groups"]}


def test_a_user_gets_only_their_own_time(api: FlaskClient, team_time: TeamTime) -> None:
    ids = team_time.people.ids
    body = report(api, "user", {**PERIOD, "group_by": "user"}).json
    assert users_in(body) == {ids["user"]}
    assert body["minutes"] == sum(entry.minutes for entry in TEAM_TIME if entry.login == "user")
    assert report(api, "user", {**PERIOD, "user_id": ids["user"]}).status_code == 200


def test_a_supervisor_gets_themself_and_the_users_below(api: FlaskClient, team_time: TeamTime) -> None:
    ids = team_time.people.ids
    deactivate(team_time.people, "user")  # inactive, still reported
    body = report(api, "supervisor", {**PERIOD, "group_by": "user"}).json
    assert users_in(body) == {ids["user"], ids["supervisor"]}
    assert body["minutes"] == sum(entry.minutes for entry in TEAM_TIME if entry.login != "manager")


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("supervisor", "manager"),
        ("supervisor", "top"),
        ("manager", "top"),
        ("supervisor", "other-user"),
        ("top", "other-top"),
        ("user", "supervisor"),
        ("user", "noemail"),
    ],
)
def test_a_user_id_out_of_reach_is_403(
    api: FlaskClient, team_time: TeamTime, actor: str, target: str
) -> None:
    ids = team_time.people.ids
    response = report(api, actor, {**PERIOD, "user_id": [ids[actor], ids[target]]})
    assert_error(response, 403, "forbidden", messages.API_REPORT_USERS)


def test_an_unknown_id_is_403_and_a_number_no_id_can_be_is_400(api: FlaskClient, team_time: TeamTime) -> None:
    assert_error(report(api, "supervisor", {**PERIOD, "user_id": 999_999}), 403, "forbidden")
    for number in ("99999999999", "0", "abc"):
        response = report(api, "supervisor", {**PERIOD, "user_id": number})
        assert_error(response, 400, "invalid_request", messages.API_BAD_REPORT)
        assert response.json["fields"] == {"user_id": messages.NOT_FROM_THE_LIST}


def test_without_a_report_right_403(api: FlaskClient, team_time: TeamTime) -> None:
    take_right(team_time.people, "User", Right.VIEW_OWN_REPORTS)
    assert_error(report(api, "user", PERIOD), 403, "forbidden", messages.API_NO_REPORT_RIGHTS)
    take_right(team_time.people, "Supervisor", Right.VIEW_OWN_REPORTS)
    assert report(api, "supervisor", PERIOD).status_code == 200  # view_reports is enough


def test_no_token_is_401(api: FlaskClient, team_time: TeamTime) -> None:
    assert_error(api.get(f"{API}/reports?{urlencode(PERIOD)}"), 401, "invalid_token")
    wrong = {"Authorization": "Bearer tt_not-a-token"}
    assert_error(api.get(f"{API}/reports", headers=wrong), 401, "invalid_token")


def test_another_groups_project_or_task_is_400(api: FlaskClient, team_time: TeamTime) -> None:
    for query, name, message in [
        ({"project_id": team_time.projects["Elsewhere"]}, "project_id", messages.REPORT_UNKNOWN_PROJECT),
        ({"task_id": team_time.tasks["Abroad"]}, "task_id", messages.REPORT_UNKNOWN_TASK),
        (
            {"project_id": team_time.projects["Support"], "task_id": team_time.tasks["Design"]},
            "task_id",
            messages.REPORT_UNKNOWN_TASK,
        ),
    ]:
        response = report(api, "top", {**PERIOD, **query})
        assert_error(response, 400, "invalid_request", messages.API_BAD_REPORT)
        assert response.json["fields"] == {name: message}


def test_another_group_gets_none_of_acmes_time(api: FlaskClient, team_time: TeamTime) -> None:
    body = report(api, "other-top", {**PERIOD, "group_by": "user"}).json
    assert users_in(body) == {team_time.people.ids["other-user"]} and body["minutes"] == 500


# --- bad query strings ------------------------------------------------------------------------------


def test_a_bad_query_string_is_400(api: FlaskClient, team_time: TeamTime) -> None:
    headers = {"Authorization": f"Bearer {token_for(api, 'top')}"}  # one login: a test each would
    for query, problems in BAD_QUERIES:  # set the team up 33 times
        response = api.get(f"{API}/reports?{query}", headers=headers)
        assert_error(response, 400, "invalid_request", messages.API_BAD_REPORT)
        assert response.json["fields"] == problems, query


def test_the_day_after_10_years_is_400_and_10_years_are_fine(api: FlaskClient, team_time: TeamTime) -> None:
    assert report(api, "top", {"from": "2016-11-01", "to": "2026-10-31"}).status_code == 200
    response = report(api, "top", {"from": date(2016, 11, 1).isoformat(), "to": "2026-11-01"})
    assert response.status_code == 400 and response.json["fields"] == {"to": messages.REPORT_TOO_LONG}


def test_the_calendars_first_and_last_days_are_fine(api: FlaskClient, people: People) -> None:
    for query in ("from=0001-01-15&to=0001-01-20", "from=9999-12-10&to=9999-12-17", "period=this_week"):
        assert report(api, "top", query).status_code == 200, query
