"""A small team's two weeks of time, counted by hand, and readers of the report page and CSV.

Shared by the report page's tests and the API's: the totals here are counted by the test code
(``by_hand``), never by the code under test.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import update
from werkzeug.test import TestResponse

from tests.conftest import People, found
from timetracker import messages
from timetracker.extensions import db
from timetracker.models import Group, Role
from timetracker.rights import Right
from timetracker.services import reports
from timetracker.services.reports import Grouping

# --- the team's two weeks -------------------------------------------------------------------------

FIRST, LAST = date(2026, 10, 26), date(2026, 11, 8)  # Monday 26 October to Sunday 8 November
PERIOD = {"period": "custom", "from": FIRST.isoformat(), "to": LAST.isoformat()}
NOVEMBER = {"period": "custom", "from": "2026-11-01", "to": "2026-11-30"}
NAMES = {"user": "Jane User", "supervisor": "Sue Supervisor", "manager": "Mia Manager"}
FULL_NAMES = {
    **NAMES,
    "top": "Tara Top",
    "comanager": "Carl Comanager",
    "noemail": "Nick Noemail",
    "other-top": "Olga Other",
    "other-user": "Otto User",
}


@dataclass(frozen=True)
class Recorded:
    """An entry of ``team_time``, as the test knows it."""

    login: str
    project: str
    task: str | None
    day: date
    minutes: int


TEAM_TIME = (
    Recorded("user", "Website", "Design", date(2026, 10, 30), 90),
    Recorded("user", "Website", None, date(2026, 11, 2), 45),
    Recorded("user", "Support", None, date(2026, 11, 5), 30),
    Recorded("user", "Website", "Design", date(2026, 11, 5), 50),
    Recorded("supervisor", "Website", "Build", date(2026, 11, 1), 390),
    Recorded("supervisor", "Website", "Design", date(2026, 11, 2), 60),
    Recorded("manager", "Support", None, date(2026, 10, 30), 240),
    Recorded("manager", "Website", "Build", date(2026, 11, 5), 15),
)
TEAM_MINUTES = 920  # 15:20, 15.33 h


@dataclass(frozen=True)
class TeamTime:
    """The ids of ``team_time``'s projects and tasks."""

    people: People
    projects: dict[str, int]
    tasks: dict[str, int]


def record_team_time(people: People) -> TeamTime:
    """Record ``TEAM_TIME`` in Acme, and time no report of those two weeks in Acme may count.

    The ``team_time`` fixture of ``conftest.py``.
    """
    website, (design, build) = people.add_project("Website", ("Design", "Build"))
    support, _ = people.add_project("Support")
    elsewhere, (abroad,) = people.add_project("Elsewhere", ("Abroad",), group_id=people.other_group_id)
    tasks = {"Design": design, "Build": build, "Abroad": abroad}
    projects = {"Website": website, "Support": support, "Elsewhere": elsewhere}
    for entry in TEAM_TIME:
        task_id = tasks[entry.task] if entry.task else None
        people.add_entry(entry.login, projects[entry.project], entry.day, entry.minutes, task_id=task_id)
    people.add_entry("user", website, FIRST - timedelta(days=1), 600)
    people.add_entry("user", website, LAST + timedelta(days=1), 600)
    people.add_entry("other-user", elsewhere, date(2026, 11, 2), 500, task_id=abroad, note="Other's")
    running_since = datetime(2026, 11, 2, 9, tzinfo=UTC)
    people.add_entry("noemail", website, date(2026, 11, 2), None, start_at=running_since)
    return TeamTime(people, projects, tasks)


# --- counting by hand ------------------------------------------------------------------------------


def week_of(day: date, first_day_of_week: int) -> date:
    """Return the first day of ``day``'s week, by walking back to it."""
    while day.weekday() != first_day_of_week:
        day -= timedelta(days=1)
    return day


def hand_key(grouping: Grouping, entry: Recorded, first_day_of_week: int) -> tuple[Any, str]:
    """Return the sort key and the label of ``entry``'s group."""
    if grouping is Grouping.DATE:
        return entry.day, entry.day.isoformat()
    if grouping is Grouping.WEEK:
        start = week_of(entry.day, first_day_of_week)
        return start, f"Week of {start.isoformat()}"
    if grouping is Grouping.MONTH:
        return (entry.day.year, entry.day.month), entry.day.strftime("%B %Y")
    if grouping is Grouping.USER:
        name = NAMES[entry.login]
        return name.casefold(), f"{name} ({entry.login})"
    if grouping is Grouping.PROJECT:
        return entry.project.casefold(), entry.project
    task = entry.task or ""
    return (entry.project.casefold(), task.casefold()), f"{entry.project} · {entry.task or 'No task'}"


Totals = list[tuple[str, int, list[tuple[str, int]]]]


def by_hand(groupings: tuple[Grouping, ...], first_day_of_week: int = 0, recorded: Any = TEAM_TIME) -> Totals:
    """Total ``recorded`` by ``groupings``: [(label, minutes, [(label, minutes)])] in the report's order."""
    top: dict[tuple[Any, str], tuple[list[int], dict[tuple[Any, str], int]]] = {}
    for entry in recorded:
        minutes, children = top.setdefault(hand_key(groupings[0], entry, first_day_of_week), ([0], {}))
        minutes[0] += entry.minutes
        if len(groupings) > 1:
            inner = hand_key(groupings[1], entry, first_day_of_week)
            children[inner] = children.get(inner, 0) + entry.minutes
    return [
        (key[1], minutes[0], [(child[1], child_minutes) for child, child_minutes in sorted(children.items())])
        for key, (minutes, children) in sorted(top.items())
    ]


def h_mm(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d}"


def decimal(minutes: int) -> str:
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def as_page(totals: Totals) -> list[tuple[str, str, str, list[tuple[str, str, str]]]]:
    """Write hand-counted totals as the page shows them: h:mm and decimal hours."""
    return [
        (label, h_mm(minutes), decimal(minutes), [(sub, h_mm(m), decimal(m)) for sub, m in children])
        for label, minutes, children in totals
    ]


# --- reading the page and the CSV --------------------------------------------------------------------

NOT_A_DATE = "Not a valid date value."
NOT_A_CHOICE = "Not a valid choice."
NOT_AN_ID = messages.NOT_FROM_THE_LIST
ENTRY_HEADER = [
    "Date",
    "User login",
    "User name",
    "Project",
    "Task",
    "Start",
    "Finish",
    "Minutes",
    "Hours",
    "Note",
    "Entered by",
]


def report_url(path: str = "/reports", **query: Any) -> str:
    """Return ``path`` with the query (lists give repeated parameters)."""
    return f"{path}?{urlencode(query, doseq=True)}"


def result_of(page: str) -> str:
    """Return the result card of a report page."""
    return page.split('id="result-heading"')[1].split('id="save-heading"')[0]


def groups_on(page: str) -> list[tuple[str, str, str, list[tuple[str, str, str]]]]:
    """Return the page's groups as [(label, h:mm, decimal, [(label, h:mm, decimal)])]."""
    groups: list[tuple[str, str, str, list[tuple[str, str, str]]]] = []
    for level, inner in re.findall(r"<h([34])>(.*?)</h\1>", result_of(page), re.S):
        label = html.unescape(inner.split("<span")[0]).strip()
        shown = (
            label,
            found(r'class="total">([^<]*)<', inner, 1),
            found(r'class="muted">([^<]*) h<', inner, 1),
        )
        if level == "3":
            groups.append((*shown, []))
        else:
            groups[-1][3].append(shown)
    return groups


def grand_total(page: str) -> tuple[str, str]:
    """Return the page's grand total as (h:mm, decimal)."""
    pattern = r'<dt>Total</dt>\s*<dd class="total">([^<]*)</dd>\s*<dd class="muted">([^<]*) h</dd>'
    match = re.search(pattern, page)
    assert match, "no grand total"
    return match.group(1), match.group(2)


def entry_rows(page: str) -> list[list[str]]:
    """Return the cells of every entry listed on the page."""
    rows = []
    for table in re.findall(r'<table class="table report-entries">(.*?)</table>', page, re.S):
        body = table.split("<tbody>")[1]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            rows.append([html.unescape(cell).strip() for cell in cells])
    return rows


def errors_on(page: str) -> list[str]:
    return [html.unescape(error) for error in re.findall(r'<p class="error" role="alert">([^<]*)</p>', page)]


def csv_rows(response: TestResponse) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


def shape(report: reports.Report) -> Totals:
    return [
        (group.label, group.minutes, [(c.label, c.minutes) for c in group.children])
        for group in report.groups
    ]


def set_first_day_of_week(people: People, first_day_of_week: int) -> None:
    with people.app.app_context():
        db.session.execute(
            update(Group).where(Group.id == people.group_id).values(first_day_of_week=first_day_of_week)
        )
        db.session.commit()


def take_right(people: People, role_name: str, right: Right) -> None:
    """Take ``right`` from Acme's role ``role_name``, as a manager would on the roles page."""
    with people.app.app_context():
        role = db.session.get(Role, people.role_id(role_name))
        assert role is not None
        role.rights = role.rights - {right}
        db.session.commit()


def deactivate(people: People, login: str) -> None:
    with people.app.app_context():
        people.user(login).active = False
        db.session.commit()


# --- periods ----------------------------------------------------------------------------------------


# --- bad query strings: each with the error of each parameter at fault --------------------------

BAD_QUERIES: list[tuple[str, dict[str, str]]] = [
    ("period=custom&from=2026-13-01&to=2026-11-30", {"from": NOT_A_DATE}),
    ("period=custom&from=yesterday&to=2026-11-30", {"from": NOT_A_DATE}),
    ("period=custom&from=2026-02-30&to=2026-03-31", {"from": NOT_A_DATE}),
    ("from=2026-11-01%00&to=2026-11-30", {"from": NOT_A_DATE}),
    ("from=10000-01-01&to=10000-01-02", {"from": NOT_A_DATE, "to": NOT_A_DATE}),
    ("from=2026-11-30&to=2026-11-01", {"from": messages.REPORT_FROM_AFTER_TO}),
    ("from=2016-11-01&to=2026-11-01", {"to": messages.REPORT_TOO_LONG}),
    ("from=0001-01-01&to=0001-01-31", {"from": messages.DATE_OUT_OF_RANGE}),
    ("from=9999-12-01&to=9999-12-31", {"to": messages.DATE_OUT_OF_RANGE}),
    ("from=0001-01-01&to=9999-12-31", {"from": messages.DATE_OUT_OF_RANGE, "to": messages.DATE_OUT_OF_RANGE}),
    ("period=custom", {"from": messages.REPORT_DATE_REQUIRED, "to": messages.REPORT_DATE_REQUIRED}),
    ("period=custom&from=&to=", {"from": messages.REPORT_DATE_REQUIRED, "to": messages.REPORT_DATE_REQUIRED}),
    ("from=2026-11-01", {"to": messages.REPORT_DATE_REQUIRED}),
    ("period=fortnight", {"period": NOT_A_CHOICE}),
    ("period=", {"period": NOT_A_CHOICE}),
    ("group_by=colour", {"group_by": NOT_A_CHOICE}),
    ("group_by=", {"group_by": NOT_A_CHOICE}),
    ("group_by=" + "x" * 10_000, {"group_by": NOT_A_CHOICE}),
    ("group_by=user&then_by=colour", {"then_by": NOT_A_CHOICE}),
    ("then_by=user", {"then_by": messages.REPORT_THEN_BY_ALONE}),
    ("group_by=none&then_by=date", {"then_by": messages.REPORT_THEN_BY_ALONE}),
    ("group_by=user&then_by=user", {"then_by": messages.REPORT_THEN_BY_SAME}),
    ("period=this_month&period=last_month", {"period": messages.REPORT_GIVEN_TWICE}),
    ("group_by=user&group_by=project", {"group_by": messages.REPORT_GIVEN_TWICE}),
    ("group_by=user&then_by=task&then_by=task", {"then_by": messages.REPORT_GIVEN_TWICE}),
    ("project_id=1&project_id=1", {"project_id": messages.REPORT_GIVEN_TWICE}),
    ("user_id=99999999999", {"user_id": NOT_AN_ID}),
    ("user_id=abc", {"user_id": NOT_AN_ID}),
    ("user_id=", {"user_id": NOT_AN_ID}),
    ("project_id=99999999999", {"project_id": NOT_AN_ID}),
    ("project_id=0", {"project_id": NOT_AN_ID}),
    ("task_id=-3", {"task_id": NOT_AN_ID}),
    ("task_id=1.5", {"task_id": NOT_AN_ID}),
]
