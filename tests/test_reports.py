"""Reports: the periods, the totals of every grouping, the chart, the CSV, rights, bad input, saved reports.

Most tests read two weeks of a small team's time (``team_time``) whose totals are counted by hand
here (``by_hand``), never by the code under test; time the day before and after, another group's
time and a running timer are recorded too, and no report of those two weeks may count them.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from tests.conftest import AppClock, BrowserClient, People, assert_labels, found, new_client
from tests.team_time import (
    BAD_QUERIES,
    ENTRY_HEADER,
    FIRST,
    FULL_NAMES,
    LAST,
    NOT_A_CHOICE,
    NOVEMBER,
    PERIOD,
    TEAM_MINUTES,
    TEAM_TIME,
    TeamTime,
    as_page,
    by_hand,
    csv_rows,
    deactivate,
    decimal,
    entry_rows,
    errors_on,
    grand_total,
    groups_on,
    h_mm,
    report_url,
    result_of,
    set_first_day_of_week,
    shape,
    take_right,
)
from timetracker import messages
from timetracker.extensions import db
from timetracker.models import SavedReport, TimeEntry, User
from timetracker.rights import Right
from timetracker.services import csv_export, report_periods, reports
from timetracker.services.report_periods import Period
from timetracker.services.reports import Filters, Grouping

MONDAY, TUESDAY, SATURDAY, SUNDAY = 0, 1, 5, 6


@pytest.mark.parametrize(
    ("period", "today", "first_day_of_week", "first", "last"),
    [
        (Period.THIS_MONTH, date(2026, 1, 1), MONDAY, date(2026, 1, 1), date(2026, 1, 31)),
        (Period.LAST_MONTH, date(2026, 1, 1), MONDAY, date(2025, 12, 1), date(2025, 12, 31)),
        (Period.THIS_MONTH, date(2026, 12, 31), MONDAY, date(2026, 12, 1), date(2026, 12, 31)),
        (Period.LAST_MONTH, date(2026, 12, 31), MONDAY, date(2026, 11, 1), date(2026, 11, 30)),
        (Period.THIS_MONTH, date(2026, 5, 31), MONDAY, date(2026, 5, 1), date(2026, 5, 31)),
        (Period.LAST_MONTH, date(2026, 5, 31), MONDAY, date(2026, 4, 1), date(2026, 4, 30)),
        (Period.LAST_MONTH, date(2026, 3, 31), MONDAY, date(2026, 2, 1), date(2026, 2, 28)),
        (Period.LAST_MONTH, date(2024, 3, 1), MONDAY, date(2024, 2, 1), date(2024, 2, 29)),
        (Period.THIS_MONTH, date(2024, 2, 29), MONDAY, date(2024, 2, 1), date(2024, 2, 29)),
        (Period.LAST_MONTH, date(2100, 3, 1), MONDAY, date(2100, 2, 1), date(2100, 2, 28)),
        (Period.LAST_MONTH, date(2000, 3, 15), MONDAY, date(2000, 2, 1), date(2000, 2, 29)),
        (Period.THIS_YEAR, date(2026, 1, 1), MONDAY, date(2026, 1, 1), date(2026, 12, 31)),
        (Period.THIS_YEAR, date(2026, 12, 31), MONDAY, date(2026, 1, 1), date(2026, 12, 31)),
        (Period.LAST_YEAR, date(2026, 1, 1), MONDAY, date(2025, 1, 1), date(2025, 12, 31)),
        (Period.LAST_YEAR, date(2025, 12, 31), MONDAY, date(2024, 1, 1), date(2024, 12, 31)),
        # Wednesday 18 November 2026, with weeks from Monday, Sunday, Saturday
        (Period.THIS_WEEK, date(2026, 11, 18), MONDAY, date(2026, 11, 16), date(2026, 11, 22)),
        (Period.LAST_WEEK, date(2026, 11, 18), MONDAY, date(2026, 11, 9), date(2026, 11, 15)),
        (Period.THIS_WEEK, date(2026, 11, 18), SUNDAY, date(2026, 11, 15), date(2026, 11, 21)),
        (Period.LAST_WEEK, date(2026, 11, 18), SUNDAY, date(2026, 11, 8), date(2026, 11, 14)),
        (Period.THIS_WEEK, date(2026, 11, 18), SATURDAY, date(2026, 11, 14), date(2026, 11, 20)),
        (Period.LAST_WEEK, date(2026, 11, 18), SATURDAY, date(2026, 11, 7), date(2026, 11, 13)),
        # today is the first day of the week, then the last
        (Period.THIS_WEEK, date(2026, 11, 16), MONDAY, date(2026, 11, 16), date(2026, 11, 22)),
        (Period.LAST_WEEK, date(2026, 11, 16), MONDAY, date(2026, 11, 9), date(2026, 11, 15)),
        (Period.THIS_WEEK, date(2026, 11, 15), SUNDAY, date(2026, 11, 15), date(2026, 11, 21)),
        (Period.THIS_WEEK, date(2026, 11, 14), SATURDAY, date(2026, 11, 14), date(2026, 11, 20)),
        (Period.LAST_WEEK, date(2026, 11, 14), SATURDAY, date(2026, 11, 7), date(2026, 11, 13)),
        (Period.THIS_WEEK, date(2026, 11, 22), MONDAY, date(2026, 11, 16), date(2026, 11, 22)),
        (Period.THIS_WEEK, date(2026, 11, 21), SUNDAY, date(2026, 11, 15), date(2026, 11, 21)),
        # weeks across a year's end and a leap day
        (Period.THIS_WEEK, date(2027, 1, 1), MONDAY, date(2026, 12, 28), date(2027, 1, 3)),
        (Period.LAST_WEEK, date(2027, 1, 1), MONDAY, date(2026, 12, 21), date(2026, 12, 27)),
        (Period.THIS_WEEK, date(2024, 3, 1), MONDAY, date(2024, 2, 26), date(2024, 3, 3)),
        (Period.LAST_WEEK, date(2024, 3, 3), SUNDAY, date(2024, 2, 25), date(2024, 3, 2)),
    ],
)
def test_every_preset_on_fixed_dates(
    period: Period, today: date, first_day_of_week: int, first: date, last: date
) -> None:
    assert report_periods.dates_of(period, today, first_day_of_week) == (first, last)


def test_custom_has_no_dates_of_its_own() -> None:
    with pytest.raises(ValueError):
        report_periods.dates_of(Period.CUSTOM, date(2026, 11, 18), MONDAY)


@pytest.mark.parametrize(
    ("first", "last", "too_long"),
    [
        (date(2016, 1, 1), date(2025, 12, 31), False),  # exactly 10 years
        (date(2016, 1, 1), date(2026, 1, 1), True),  # and one day more
        (date(2016, 11, 18), date(2026, 11, 17), False),
        (date(2016, 11, 18), date(2026, 11, 18), True),
        (date(2024, 2, 29), date(2034, 2, 28), False),  # from a leap day
        (date(2024, 2, 29), date(2034, 3, 1), True),
        (date(2026, 11, 18), date(2026, 11, 18), False),
        (date(9990, 1, 1), date(9999, 12, 30), False),
        (date(9995, 1, 1), date.max, False),  # under 5 years, up to the calendar's end
    ],
)
def test_too_long(first: date, last: date, too_long: bool) -> None:
    assert report_periods.too_long(first, last) is too_long


def test_a_preset_is_of_the_users_today_in_their_time_zone(
    app: Flask, client: BrowserClient, people: People, frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # already 1 December in Berlin
    with people.app.app_context():
        people.user("user").time_zone = "Europe/Berlin"
        db.session.commit()
    client.login("user")
    assert "2026-12-01 – 2026-12-31" in client.get(report_url(period="this_month")).text
    in_utc = new_client(app)
    in_utc.login("supervisor")
    assert "2026-11-01 – 2026-11-30" in in_utc.get(report_url(period="this_month")).text
    set_first_day_of_week(people, SUNDAY)
    assert "2026-11-29 – 2026-12-05" in client.get(report_url(period="this_week")).text


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_shows_what_the_issue_asks(client: BrowserClient, people: People) -> None:
    client.login("supervisor")
    page = client.get("/reports").text
    assert_labels(
        page,
        {
            "period": "Period",
            "from": "From",
            "to": "To",
            "user_id": "Users",
            "project_id": "Project",
            "task_id": "Task",
            "group_by": "Group by",
            "then_by": "then by",
        },
    )
    for text in ("This week", "Last week", "This month", "Last month", "This year", "Last year", "Custom"):
        assert f">{text}</option>" in page, text
    for text in ("None", "Date", "Week", "Month", "User", "Project", "Task"):
        assert f">{text}</option>" in page, text
    assert "Totals only" in page and ">Generate</button>" in page
    assert 'id="result-heading"' not in page  # no query, no report yet


def test_only_a_user_who_may_see_others_chooses_users(client: BrowserClient, people: People) -> None:
    client.login("user")
    page = client.get("/reports").text
    assert 'name="user_id"' not in page
    for name in ("Sue Supervisor", "Mia Manager", "Nick Noemail"):
        assert name not in page


def test_the_empty_result(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    response = client.get(report_url(**{**PERIOD, "from": "2025-01-01", "to": "2025-01-31"}))
    assert response.status_code == 200
    assert "No time in this period." in response.text
    assert "Export CSV" not in response.text


def test_entries_are_listed_with_start_finish_and_note(client: BrowserClient, people: People) -> None:
    website, (design, _) = people.add_project("Website", ("Design", "Build"))
    people.add_entry(
        "user",
        website,
        date(2026, 11, 18),
        90,
        task_id=design,
        note="Header <b>fixed</b>",
        start_at=datetime(2026, 11, 18, 9, tzinfo=UTC),
        finish_at=datetime(2026, 11, 18, 10, 30, tzinfo=UTC),
    )
    client.login("user")
    page = client.get(report_url(period="custom", **{"from": "2026-11-01", "to": "2026-11-30"})).text
    assert entry_rows(page) == [
        ["2026-11-18", "Jane User", "Website", "Design", "09:00–10:30", "1:30", "Header <b>fixed</b>"]
    ]
    assert "<b>fixed</b>" not in page  # the note is text, not markup
    assert grand_total(page) == ("1:30", "1.50")


GROUPINGS = [grouping for grouping in Grouping if grouping is not Grouping.NONE]
PAIRS = (
    [(Grouping.NONE, Grouping.NONE)]
    + [(grouping, Grouping.NONE) for grouping in GROUPINGS]
    + [(first, then) for first in GROUPINGS for then in GROUPINGS if then is not first]
)


@pytest.mark.parametrize(("group_by", "then_by"), PAIRS, ids=[f"{first}-{then}" for first, then in PAIRS])
def test_every_grouping_pair_totals_as_counted_by_hand(
    app: Flask, client: BrowserClient, team_time: TeamTime, group_by: Grouping, then_by: Grouping
) -> None:
    groupings = tuple(grouping for grouping in (group_by, then_by) if grouping is not Grouping.NONE)
    expected = by_hand(groupings) if groupings else []
    with app.app_context():
        filters = Filters(FIRST, LAST, group_by=group_by, then_by=then_by, totals_only=True)
        report = reports.build(team_time.people.user("top"), filters)
        assert shape(report) == (expected or [("All entries", TEAM_MINUTES, [])])
        assert report.minutes == TEAM_MINUTES
    client.login("top")
    page = client.get(report_url(**PERIOD, group_by=group_by.value, then_by=then_by.value)).text
    assert groups_on(page) == as_page(expected)
    assert grand_total(page) == ("15:20", "15.33")
    assert len(entry_rows(page)) == len(TEAM_TIME)  # each entry under its group, none lost


def test_hours_as_h_mm_and_as_decimals(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    page = client.get(report_url(**PERIOD, group_by="user")).text
    assert groups_on(page) == [
        ("Jane User (user)", "3:35", "3.58", []),
        ("Mia Manager (manager)", "4:15", "4.25", []),
        ("Sue Supervisor (supervisor)", "7:30", "7.50", []),
    ]


@pytest.mark.parametrize(
    ("first_day_of_week", "weeks"),
    [
        (MONDAY, {"Week of 2026-10-26": "12:00", "Week of 2026-11-02": "3:20"}),
        (SUNDAY, {"Week of 2026-10-25": "5:30", "Week of 2026-11-01": "9:50"}),
        (SATURDAY, {"Week of 2026-10-24": "5:30", "Week of 2026-10-31": "9:50"}),
        (TUESDAY, {"Week of 2026-10-27": "13:45", "Week of 2026-11-03": "1:35"}),
    ],
)
def test_weeks_start_on_the_groups_first_day_of_week(
    app: Flask, client: BrowserClient, team_time: TeamTime, first_day_of_week: int, weeks: dict[str, str]
) -> None:
    set_first_day_of_week(team_time.people, first_day_of_week)
    expected = by_hand((Grouping.WEEK, Grouping.USER), first_day_of_week)
    assert {label: h_mm(minutes) for label, minutes, _ in expected} == weeks
    with app.app_context():
        filters = Filters(FIRST, LAST, group_by=Grouping.WEEK, then_by=Grouping.USER)
        assert shape(reports.build(team_time.people.user("top"), filters)) == expected
    client.login("top")
    page = client.get(report_url(**PERIOD, group_by="week", then_by="user")).text
    assert groups_on(page) == as_page(expected)
    assert len(entry_rows(page)) == len(TEAM_TIME)


def test_totals_only_hides_the_entries(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    page = client.get(report_url(**PERIOD, group_by="user", then_by="project", totals_only="y")).text
    assert groups_on(page) == as_page(by_hand((Grouping.USER, Grouping.PROJECT)))
    assert entry_rows(page) == []
    assert grand_total(page) == ("15:20", "15.33")


def test_project_and_task_filters(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    website = [entry for entry in TEAM_TIME if entry.project == "Website"]
    page = client.get(report_url(**PERIOD, project_id=team_time.projects["Website"], group_by="user")).text
    assert groups_on(page) == as_page(by_hand((Grouping.USER,), recorded=website))
    design = [entry for entry in website if entry.task == "Design"]
    query = {"project_id": team_time.projects["Website"], "task_id": team_time.tasks["Design"]}
    page = client.get(report_url(**PERIOD, **query, group_by="user")).text
    assert groups_on(page) == as_page(by_hand((Grouping.USER,), recorded=design))
    page = client.get(report_url(**PERIOD, task_id=team_time.tasks["Build"], group_by="user")).text
    assert groups_on(page) == [
        ("Mia Manager (manager)", "0:15", "0.25", []),
        ("Sue Supervisor (supervisor)", "6:30", "6.50", []),
    ]


def test_entries_come_by_date_within_their_group(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    page = client.get(report_url(**PERIOD)).text
    dates = [row[0] for row in entry_rows(page)]
    assert dates == sorted(entry.day.isoformat() for entry in TEAM_TIME)


def test_export_csv_keeps_every_filter(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("supervisor")
    query = urlencode(
        {
            **PERIOD,
            "user_id": [team_time.people.ids["user"], team_time.people.ids["supervisor"]],
            "project_id": team_time.projects["Website"],
            "task_id": team_time.tasks["Design"],
            "group_by": "user",
            "then_by": "date",
            "totals_only": "1",
        },
        doseq=True,
    )
    page = client.get(f"/reports?{query}").text
    link = html.unescape(found(r'<a class="button" href="([^"]+)"[^>]*>Export CSV</a>', page, 1))
    assert link == f"/reports/export.csv?{query}"
    assert csv_rows(client.get(link))[-1] == ["Total", "", "200", "3.33"]  # 90 + 50 + 60


def test_a_page_shows_the_first_2000_entries_and_totals_them_all(
    app: Flask, client: BrowserClient, people: People
) -> None:
    website, _ = people.add_project("Website")
    with app.app_context():
        user = people.user("user")
        row = {"user_id": user.id, "group_id": user.group_id, "project_id": website, "minutes": 1}
        db.session.execute(
            insert(TimeEntry), [{**row, "day": date(2026, 11, 1 + n % 30)} for n in range(2001)]
        )
        db.session.commit()
    client.login("user")
    page = client.get(report_url(**NOVEMBER, group_by="project")).text
    assert len(entry_rows(page)) == 2000
    assert "This page shows the first 2,000 entries" in page
    assert groups_on(page) == [("Website", "33:21", "33.35", [])]
    assert len(csv_rows(client.get(report_url("/reports/export.csv", **NOVEMBER)))) == 1 + 2001


# --- the chart --------------------------------------------------------------------------------------


def test_the_chart_has_a_bar_per_group_and_a_table_with_the_same_numbers(
    client: BrowserClient, team_time: TeamTime
) -> None:
    client.login("top")
    page = client.get(report_url(**PERIOD, group_by="project", then_by="user")).text
    svg = found(r"<svg[^>]*>.*?</svg>", page, flags=re.S)
    assert 'role="img"' in svg.split(">")[0]
    assert len(re.findall(r"<rect\b", svg)) == 2
    assert re.findall(r'class="chart-value">([^<]*)<', svg) == ["4.50", "10.83"]
    table = found(r"<details[^>]*>.*?</details>", page, flags=re.S)
    rows = [
        [html.unescape(cell) for cell in re.findall(r"<td[^>]*>([^<]*)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    ]
    assert rows == [["Support", "4.50", "4:30"], ["Website", "10.83", "10:50"]]
    for source in re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"", page):
        assert source.startswith("/") and not source.startswith("//"), source


def test_no_chart_without_a_grouping(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    page = client.get(report_url(**PERIOD)).text
    assert "<svg" not in result_of(page) and "<details" not in result_of(page)


# --- the CSV ----------------------------------------------------------------------------------------


def test_the_csv_header_and_values(client: BrowserClient, people: People) -> None:
    website, (design, _) = people.add_project("Website", ("Design", "Build"))
    support, _ = people.add_project("Support")
    with people.app.app_context():
        people.user("user").time_zone = "Europe/Berlin"
        db.session.commit()
    people.add_entry(
        "user",
        website,
        date(2026, 11, 18),
        90,
        task_id=design,
        note="Fixed the header",
        start_at=datetime(2026, 11, 18, 9, tzinfo=UTC),
        finish_at=datetime(2026, 11, 18, 10, 30, tzinfo=UTC),
        entered_by_id=people.ids["supervisor"],
    )
    people.add_entry("user", support, date(2026, 11, 19), 30)
    client.login("user")
    response = client.get(report_url("/reports/export.csv", **NOVEMBER))
    assert response.headers["Content-Disposition"] == 'attachment; filename="time-2026-11-01-2026-11-30.csv"'
    assert csv_rows(response) == [
        ENTRY_HEADER,
        [
            "2026-11-18",
            "user",
            "Jane User",
            "Website",
            "Design",
            "10:00",  # Jane's wall clock in Berlin
            "11:30",
            "90",
            "1.50",
            "Fixed the header",
            "supervisor",
        ],
        ["2026-11-19", "user", "Jane User", "Support", "", "", "", "30", "0.50", "", ""],
    ]
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(f'"{name}"' for name in ENTRY_HEADER)
    assert ',"Design","10:00","11:30",90,1.50,"Fixed the header",' in text  # numbers stay numbers


def test_the_file_name_says_the_period_of_a_preset(
    client: BrowserClient, team_time: TeamTime, frozen_clock: AppClock
) -> None:
    frozen_clock.freeze(datetime(2026, 12, 5, 12, tzinfo=UTC))
    client.login("user")
    response = client.get(report_url("/reports/export.csv", period="last_month"))
    assert response.headers["Content-Disposition"] == 'attachment; filename="time-2026-11-01-2026-11-30.csv"'
    assert [row[0] for row in csv_rows(response)[1:]] == [
        "2026-11-02",
        "2026-11-05",
        "2026-11-05",
        "2026-11-09",
    ]


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\t=1", "'\t'=1"),  # a tab is also a separator
        ("fine;=1+2", "fine;'=1+2"),
        ("fine,=1+2", "fine,'=1+2"),
        ("fine; @x", "fine; '@x"),
        ("Anne-Marie: 1+1=2", "Anne-Marie: 1+1=2"),
    ],
)
def test_csv_cells_cannot_run_as_formulas(
    client: BrowserClient, people: People, typed: str, written: str
) -> None:
    project, _ = people.add_project(typed)
    with people.app.app_context():
        people.user("user").name = typed
        db.session.commit()
    people.add_entry("user", project, date(2026, 11, 18), 90, note=typed)
    client.login("user")
    (row,) = csv_rows(client.get(report_url("/reports/export.csv", **NOVEMBER)))[1:]
    assert (row[2], row[3], row[9]) == (written, written, written)
    totals = csv_rows(
        client.get(report_url("/reports/export.csv", **NOVEMBER, group_by="project", totals_only="y"))
    )
    assert totals[1][0] == written


def test_a_login_that_looks_like_a_formula_is_neutralised(client: BrowserClient, people: People) -> None:
    website, _ = people.add_project("Website")
    with people.app.app_context():
        people.user("supervisor").login = "+sue"  # a login may start with + - @
        db.session.commit()
    people.add_entry("user", website, date(2026, 11, 18), 30, entered_by_id=people.ids["supervisor"])
    client.login("+sue")
    (row,) = csv_rows(client.get(report_url("/reports/export.csv", **NOVEMBER)))[1:]
    assert (row[1], row[10]) == ("user", "'+sue")


def test_the_totals_only_csv_has_a_row_per_group(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    query = {**PERIOD, "group_by": "user", "then_by": "project", "totals_only": "y"}
    response = client.get(report_url("/reports/export.csv", **query))
    assert response.headers["Content-Disposition"] == 'attachment; filename="time-2026-10-26-2026-11-08.csv"'
    expected = [["User", "Project", "Minutes", "Hours"]]
    for label, _, children in by_hand((Grouping.USER, Grouping.PROJECT)):
        expected += [[label, child, str(minutes), decimal(minutes)] for child, minutes in children]
    expected.append(["Total", "", "920", "15.33"])
    assert csv_rows(response) == expected
    one_level = csv_rows(
        client.get(report_url("/reports/export.csv", **PERIOD, group_by="month", totals_only="y"))
    )
    assert one_level == [
        ["Month", "Minutes", "Hours"],
        ["October 2026", "330", "5.50"],
        ["November 2026", "590", "9.83"],
        ["Total", "920", "15.33"],
    ]
    no_grouping = csv_rows(client.get(report_url("/reports/export.csv", **PERIOD, totals_only="y")))
    assert no_grouping == [
        ["Entries", "Minutes", "Hours"],
        ["All entries", "920", "15.33"],
        ["Total", "920", "15.33"],
    ]


class CountedEntryRows:
    """Stands for ``reports.EntryRow`` and counts the entries turned into rows so far."""

    def __init__(self) -> None:
        self.made = 0
        counter = self

        class EntryRow(reports.EntryRow):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                counter.made += 1
                super().__init__(*args, **kwargs)

        self.row_class = EntryRow


class CountedReads:
    """Stands for ``db`` in the reports service; counts the rows taken out of streamed results."""

    def __init__(self) -> None:
        self.read = 0
        self.session = self

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        result = db.session.execute(statement, *args, **kwargs)
        if "yield_per" not in statement.get_execution_options():
            return result
        return _CountedResult(result, self)

    def __getattr__(self, name: str) -> Any:
        return getattr(db.session, name)


class _CountedResult:
    def __init__(self, result: Any, counter: CountedReads) -> None:
        self.result, self.counter = result, counter

    def __iter__(self) -> Any:
        for row in self.result:
            self.counter.read += 1
            yield row

    def all(self) -> list[Any]:
        rows = self.result.all()
        self.counter.read += len(rows)
        return rows

    fetchall = all

    def __getattr__(self, name: str) -> Any:
        return getattr(self.result, name)


def test_the_csv_is_streamed_without_reading_every_entry_first(
    app: Flask, client: BrowserClient, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    website, _ = people.add_project("Website")
    many = 3000
    with app.app_context():
        user = people.user("user")
        days = [date(2026, 1, 1) + timedelta(days=number % 365) for number in range(many)]
        db.session.execute(
            insert(TimeEntry),
            [
                {
                    "user_id": user.id,
                    "group_id": user.group_id,
                    "project_id": website,
                    "day": day,
                    "minutes": 30,
                }
                for day in days
            ],
        )
        db.session.commit()
    monkeypatch.setattr(reports, "ROWS_READ_AT_ONCE", 50)
    monkeypatch.setattr(csv_export, "ROWS_PER_CHUNK", 10)
    rows, reads = CountedEntryRows(), CountedReads()
    monkeypatch.setattr(reports, "EntryRow", rows.row_class)
    monkeypatch.setattr(reports, "db", reads)
    client.login("user")
    export = report_url("/reports/export.csv", period="custom", **{"from": "2026-01-01", "to": "2026-12-31"})
    response = client.get(export)
    first = next(iter(response.response))
    assert first.decode().splitlines()[0] == ",".join(f'"{name}"' for name in ENTRY_HEADER)
    assert first.count(b"\n") == 1 + 10
    assert rows.made <= 11 and reads.read <= 11  # one chunk's entries, not 3000
    response.close()  # the download is cancelled: the rest is never read
    assert rows.made <= 11 and reads.read <= 11
    rows.made = reads.read = 0
    whole = client.get(export).get_data()
    assert whole.count(b"\n") == 1 + many
    assert rows.made == reads.read == many


# --- rights -----------------------------------------------------------------------------------------


def csv_logins(client: BrowserClient, **query: Any) -> set[str]:
    return {row[1] for row in csv_rows(client.get(report_url("/reports/export.csv", **query)))[1:]}


def test_a_user_sees_only_their_own_time(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("user")
    page = client.get(report_url(**PERIOD, group_by="user", then_by="project")).text
    own = [entry for entry in TEAM_TIME if entry.login == "user"]
    assert groups_on(page) == as_page(by_hand((Grouping.USER, Grouping.PROJECT), recorded=own))
    assert grand_total(page) == ("3:35", "3.58")
    for name in ("Sue Supervisor", "Mia Manager", "Otto User"):
        assert name not in page
    assert csv_logins(client, **PERIOD) == {"user"}
    assert client.get(report_url(**PERIOD, user_id=team_time.people.ids["user"])).status_code == 200


def test_a_supervisor_sees_themself_and_the_users_below(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("supervisor")
    page = client.get(report_url(**PERIOD, group_by="user")).text
    below = [entry for entry in TEAM_TIME if entry.login in ("user", "supervisor")]
    assert groups_on(page) == as_page(by_hand((Grouping.USER,), recorded=below))
    assert "Mia Manager" not in page and "Tara Top" not in page and "Carl Comanager" not in page
    assert csv_logins(client, **PERIOD) == {"user", "supervisor"}
    ids = team_time.people.ids
    chosen = client.get(report_url(**PERIOD, group_by="user", user_id=[ids["user"], ids["noemail"]])).text
    assert [label for label, *_ in groups_on(chosen)] == ["Jane User (user)"]


def test_inactive_users_ranked_below_are_included(client: BrowserClient, team_time: TeamTime) -> None:
    deactivate(team_time.people, "user")
    client.login("supervisor")
    page = client.get(report_url(**PERIOD, group_by="user")).text
    assert [label for label, *_ in groups_on(page)] == ["Jane User (user)", "Sue Supervisor (supervisor)"]
    assert ">Jane User (inactive)</option>" in page
    chosen = client.get(report_url(**PERIOD, group_by="user", user_id=team_time.people.ids["user"]))
    assert chosen.status_code == 200 and groups_on(chosen.text)[0][:2] == ("Jane User (user)", "3:35")


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("supervisor", "manager"),  # ranked higher
        ("supervisor", "comanager"),
        ("supervisor", "top"),
        ("manager", "top"),
        ("supervisor", "other-user"),  # another group's
        ("top", "other-top"),
        ("user", "supervisor"),  # own reports only
        ("user", "noemail"),  # the same rank
    ],
)
def test_a_user_id_out_of_reach_is_refused(
    client: BrowserClient, team_time: TeamTime, actor: str, target: str
) -> None:
    client.login(actor)
    ids = team_time.people.ids
    for user_ids in ([ids[target]], [ids[actor], ids[target]]):
        for path in ("/reports", "/reports/export.csv"):
            response = client.get(report_url(path, **PERIOD, user_id=user_ids))
            assert response.status_code == 403, (path, user_ids)
            assert FULL_NAMES[target] not in response.text


def test_an_id_of_nobody_is_refused_and_a_number_no_id_can_be_is_a_form_error(
    client: BrowserClient, team_time: TeamTime
) -> None:
    client.login("supervisor")
    assert client.get(report_url(**PERIOD, user_id=999_999)).status_code == 403
    assert client.get(report_url("/reports/export.csv", **PERIOD, user_id=999_999)).status_code == 403
    for number in ("99999999999", "2147483648", "0", "-1", "abc", ""):
        response = client.get(report_url(**PERIOD, user_id=number))
        assert response.status_code == 400, number
        assert errors_on(response.text) == [messages.NOT_FROM_THE_LIST], number
        assert client.get(report_url("/reports/export.csv", **PERIOD, user_id=number)).status_code == 400


def test_without_a_report_right_everything_is_refused(
    app: Flask, client: BrowserClient, team_time: TeamTime
) -> None:
    take_right(team_time.people, "User", Right.VIEW_OWN_REPORTS)
    client.login("user")
    assert client.get("/reports").status_code == 403
    assert client.get(report_url(**PERIOD)).status_code == 403
    assert client.get(report_url("/reports/export.csv", **PERIOD)).status_code == 403
    assert client.submit(report_url("/reports/save", **PERIOD), {"name": "Mine"}).status_code == 403
    take_right(team_time.people, "Supervisor", Right.VIEW_OWN_REPORTS)
    supervisor = new_client(app)
    supervisor.login("supervisor")  # view_reports alone is enough
    assert supervisor.get(report_url(**PERIOD)).status_code == 200


def test_another_groups_project_or_task_is_a_field_error(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    cases = [
        ({"project_id": team_time.projects["Elsewhere"]}, messages.REPORT_UNKNOWN_PROJECT),
        ({"project_id": 999_999}, messages.REPORT_UNKNOWN_PROJECT),
        ({"task_id": team_time.tasks["Abroad"]}, messages.REPORT_UNKNOWN_TASK),
        ({"task_id": 999_999}, messages.REPORT_UNKNOWN_TASK),
        (
            {"project_id": team_time.projects["Support"], "task_id": team_time.tasks["Design"]},
            messages.REPORT_UNKNOWN_TASK,
        ),
    ]
    for query, message in cases:
        for path in ("/reports", "/reports/export.csv"):
            response = client.get(report_url(path, **PERIOD, **query, group_by="project"))
            assert response.status_code == 400, (query, path)
            assert errors_on(response.text) == [message], query
            assert "Otto User" not in response.text and "Other&#39;s" not in response.text
            assert "Abroad" not in response.text and "Elsewhere" not in response.text


def test_another_group_sees_none_of_acmes_time(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("other-top")
    page = client.get(report_url(**PERIOD, group_by="user", then_by="task")).text
    assert groups_on(page) == [
        ("Otto User (other-user)", "8:20", "8.33", [("Elsewhere · Abroad", "8:20", "8.33")])
    ]
    assert csv_logins(client, **PERIOD) == {"other-user"}


# --- bad query strings ------------------------------------------------------------------------------


def test_a_bad_query_string_is_a_form_error(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    for query, problems in BAD_QUERIES:  # one login for all: a test each would set the team up 33 times
        for path in ("/reports", "/reports/export.csv"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert response.mimetype == "text/html"
            assert sorted(errors_on(response.text)) == sorted(problems.values()), (path, query)
            assert 'id="result-heading"' not in response.text


def test_a_repeated_date_is_refused(client: BrowserClient, team_time: TeamTime) -> None:
    client.login("top")
    response = client.get("/reports?from=2026-11-01&from=2026-11-01&to=2026-11-30")
    assert response.status_code == 400
    assert messages.REPORT_GIVEN_TWICE in errors_on(response.text)


@pytest.mark.parametrize(
    "query",
    [
        "from=2016-11-01&to=2026-10-31",  # exactly 10 years
        "from=0001-01-15&to=0001-02-01",  # the first day an entry may have
        "from=9999-12-01&to=9999-12-17",  # and the last
        "project_id=&task_id=",  # "All projects", "All tasks"
        "period=last_year&from=2026-11-30&to=2026-11-01",  # a preset leaves the dates alone
        "totals_only=",
        "unknown=1",
    ],
)
def test_edges_that_are_fine(client: BrowserClient, team_time: TeamTime, query: str) -> None:
    client.login("top")
    response = client.get(f"/reports?{query}")
    assert response.status_code == 200, errors_on(response.text)
    assert 'id="result-heading"' in response.text


# --- saved reports ----------------------------------------------------------------------------------


def saved_in_database(app: Flask) -> list[tuple[str, str, str]]:
    """Return the saved reports as (owner login, name, query), by id."""
    with app.app_context():
        rows = db.session.execute(
            select(User.login, SavedReport.name, SavedReport.query)
            .join(User, User.id == SavedReport.user_id)
            .order_by(SavedReport.id)
        )
        return [tuple(row) for row in rows]


def saved_list(page: str) -> list[tuple[str, str, str]]:
    """Return the saved reports listed on the page as (name, open link, delete action)."""
    body = found(r'<table class="table saved-reports">(.*?)</table>', page, 1, re.S)
    listed = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        name = html.unescape(found(r"<td>([^<]*)</td>", row, 1))
        opened = found(r'<a href="([^"]+)">Open</a>', row, 1)
        deleted = found(r'<form method="post" action="([^"]+)"[^>]*>.*?>Delete</button>', row, 1, re.S)
        listed.append((name, opened, deleted))
    return listed


def test_save_a_report_from_the_page_and_open_it(
    app: Flask, client: BrowserClient, team_time: TeamTime
) -> None:
    client.login("supervisor")
    query = report_url("", **PERIOD, group_by="user", then_by="project")
    page = client.get(f"/reports{query}").text
    assert_labels(page, {"name": "Report name"})
    assert 'value="Save as"' in page
    assert f'action="/reports/save{html.escape(query)}"' in page
    response = client.submit(f"/reports/save{query}", {"name": "Team by project"})
    assert response.status_code == 302
    assert response.location == f"/reports{query}"
    page = client.get(response.location).text
    assert "Report Team by project was saved." in page
    ((owner, name, kept),) = saved_in_database(app)
    assert (owner, name) == ("supervisor", "Team by project")
    assert kept == query.removeprefix("?")
    ((listed, open_link, delete_action),) = saved_list(page)
    assert listed == "Team by project"
    opened = client.get(open_link)
    assert opened.location == f"/reports{query}"
    assert groups_on(client.get(opened.location).text) == as_page(
        by_hand((Grouping.USER, Grouping.PROJECT), recorded=[e for e in TEAM_TIME if e.login != "manager"])
    )
    deleted = client.submit(delete_action)
    assert deleted.location == "/reports"
    assert "Report Team by project was deleted." in client.get("/reports").text
    assert saved_in_database(app) == []


def test_a_saved_period_stays_its_preset(
    app: Flask, client: BrowserClient, people: People, frozen_clock: AppClock
) -> None:
    website, _ = people.add_project("Website")
    people.add_entry("user", website, date(2026, 10, 15), 60)
    people.add_entry("user", website, date(2026, 12, 15), 120)
    frozen_clock.freeze(datetime(2026, 11, 18, 12, tzinfo=UTC))
    client.login("user")
    response = client.submit(
        report_url("/reports/save", period="last_month", group_by="month"), {"name": "Last month"}
    )
    assert response.status_code == 302
    ((_, _, kept),) = saved_in_database(app)
    assert "period=last_month" in kept and "from=" not in kept and "to=" not in kept
    ((_, open_link, _),) = saved_list(client.get("/reports").text)
    page = client.get(open_link, follow_redirects=True).text
    assert "2026-10-01 – 2026-10-31" in page
    assert groups_on(page) == [("October 2026", "1:00", "1.00", [])]
    frozen_clock.freeze(datetime(2027, 1, 10, 12, tzinfo=UTC))
    later = new_client(app)
    later.login("user")  # the first login is too old by now
    page = later.get(open_link, follow_redirects=True).text
    assert "2026-12-01 – 2026-12-31" in page
    assert groups_on(page) == [("December 2026", "2:00", "2.00", [])]


def test_custom_dates_are_saved_as_dates(app: Flask, client: BrowserClient, team_time: TeamTime) -> None:
    client.login("user")
    client.submit(
        report_url("/reports/save", **{"from": "2026-11-01", "to": "2026-11-30"}), {"name": "November"}
    )
    ((_, _, kept),) = saved_in_database(app)
    assert kept == "period=custom&from=2026-11-01&to=2026-11-30&group_by=none&then_by=none"


def test_saving_the_same_name_replaces(app: Flask, client: BrowserClient, team_time: TeamTime) -> None:
    client.login("user")
    client.submit(report_url("/reports/save", period="this_month"), {"name": "Mine"})
    response = client.submit(
        report_url("/reports/save", period="last_year", group_by="project"), {"name": "MINE"}
    )
    assert "Report MINE was replaced with these filters." in client.get(response.location).text
    assert saved_in_database(app) == [("user", "MINE", "period=last_year&group_by=project&then_by=none")]
    supervisor = new_client(app)
    supervisor.login("supervisor")  # another user's name is theirs
    supervisor.submit(report_url("/reports/save", period="this_week"), {"name": "Mine"})
    assert [row[:2] for row in saved_in_database(app)] == [("user", "MINE"), ("supervisor", "Mine")]


def test_another_users_saved_report_is_not_found(
    app: Flask, client: BrowserClient, team_time: TeamTime
) -> None:
    theirs = team_time.people.add_saved_report("supervisor", "Theirs", "period=this_month&group_by=user")
    client.login("user")
    assert client.get(f"/reports/saved/{theirs}").status_code == 404
    assert client.submit(f"/reports/saved/{theirs}/delete").status_code == 404
    assert client.get(f"/reports/saved/{theirs + 1000}").status_code == 404
    assert client.submit(f"/reports/saved/{theirs + 1000}/delete").status_code == 404
    assert client.get("/reports/saved/99999999999").status_code == 404
    assert "Theirs" not in client.get("/reports").text
    assert saved_in_database(app) == [("supervisor", "Theirs", "period=this_month&group_by=user")]


def test_a_saved_report_obeys_the_rights_of_today(client: BrowserClient, team_time: TeamTime) -> None:
    ids = team_time.people.ids
    query = urlencode({**PERIOD, "user_id": [ids["user"], ids["supervisor"]], "group_by": "user"}, doseq=True)
    both = team_time.people.add_saved_report("supervisor", "Both of us", query)
    jane = team_time.people.add_saved_report(
        "supervisor", "Jane", f"{urlencode(PERIOD)}&user_id={ids['user']}"
    )
    client.login("supervisor")
    page = client.get(f"/reports/saved/{both}", follow_redirects=True).text
    assert [label for label, *_ in groups_on(page)] == ["Jane User (user)", "Sue Supervisor (supervisor)"]
    assert messages.REPORT_USERS_DROPPED not in page
    take_right(team_time.people, "Supervisor", Right.VIEW_REPORTS)
    page = client.get(f"/reports/saved/{both}", follow_redirects=True).text
    assert messages.REPORT_USERS_DROPPED in page
    assert groups_on(page) == [("Sue Supervisor (supervisor)", "7:30", "7.50", [])]
    assert "Jane User" not in page
    page = client.get(f"/reports/saved/{jane}", follow_redirects=True).text
    assert messages.REPORT_USERS_DROPPED in page
    assert grand_total(page) == ("7:30", "7.50") and "Jane User" not in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", messages.FIELD_REQUIRED),
        ("   ", messages.FIELD_REQUIRED),
        ("x" * 101, messages.TOO_LONG.format(maximum=100)),
        ("ß" * 51, messages.TOO_LONG.format(maximum=100)),  # its key, "ss" * 51, is too long
        ("tab\there", messages.TEXT_CHARACTERS),
        ("nul\x00", messages.TEXT_CHARACTERS),
        ("bidi\u202e", messages.TEXT_CHARACTERS),
        ("<b>bold</b>", messages.TEXT_CHARACTERS),
    ],
)
def test_a_bad_report_name_is_a_field_error(
    app: Flask, client: BrowserClient, team_time: TeamTime, name: str, message: str
) -> None:
    client.login("user")
    response = client.submit(report_url("/reports/save", period="this_month"), {"name": name})
    assert response.status_code == 400
    assert errors_on(response.text) == [message]
    assert saved_in_database(app) == []


def test_a_name_of_100_characters_is_fine(app: Flask, client: BrowserClient, team_time: TeamTime) -> None:
    client.login("user")
    for name in ("x" * 100, "ß" * 50):
        assert (
            client.submit(report_url("/reports/save", period="this_month"), {"name": name}).status_code == 302
        )
    assert [row[1] for row in saved_in_database(app)] == ["x" * 100, "ß" * 50]


def test_a_saved_report_may_hold_many_users_each_once(
    app: Flask, client: BrowserClient, people: People
) -> None:
    with app.app_context():
        role_id = people.role_id("User")
        hashed = people.user("user").password_hash
        db.session.execute(
            insert(User),
            [
                {"role_id": role_id, "login": f"u{n}", "name": f"User {n}", "password_hash": hashed}
                for n in range(300)
            ],
        )
        db.session.commit()
        many = list(db.session.scalars(select(User.id).where(User.login.like("u%"))))
    client.login("top")
    query = urlencode({"period": "this_month", "user_id": many + many[:5]}, doseq=True)
    response = client.submit(f"/reports/save?{query}", {"name": "Everyone"})
    assert response.status_code == 302
    ((_, _, kept),) = saved_in_database(app)
    assert kept.count("user_id=") == len(many) and len(kept) > 2000
    assert client.get(response.location).status_code == 200


def test_a_bad_query_is_not_saved(app: Flask, client: BrowserClient, team_time: TeamTime) -> None:
    client.login("supervisor")
    response = client.submit("/reports/save?period=fortnight", {"name": "Bad"})
    assert response.status_code == 400 and errors_on(response.text) == [NOT_A_CHOICE]
    manager = team_time.people.ids["manager"]
    assert client.submit(report_url("/reports/save", user_id=manager), {"name": "Bad"}).status_code == 403
    assert saved_in_database(app) == []


def test_at_most_100_saved_reports(app: Flask, client: BrowserClient, team_time: TeamTime) -> None:
    with app.app_context():
        user_id = team_time.people.ids["user"]
        db.session.add_all(
            SavedReport(
                user_id=user_id, name=f"Report {n}", name_key=f"report {n}", query="period=this_month"
            )
            for n in range(100)
        )
        db.session.commit()
    client.login("user")
    response = client.submit(report_url("/reports/save", period="last_month"), {"name": "One more"})
    assert response.status_code == 400
    assert errors_on(response.text) == [messages.REPORT_TOO_MANY_SAVED.format(count=100)]
    assert (
        client.submit(report_url("/reports/save", period="last_month"), {"name": "Report 7"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(SavedReport.id))) == 100
