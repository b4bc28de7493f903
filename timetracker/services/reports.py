"""Reports: who worked how much on what, totalled by the database and streamed entry by entry.

Totals are one SQL ``GROUP BY`` over the group's entries in the period (index
``ix_time_entries_group_day_totals``, which holds every column a total needs, or
``ix_time_entries_user_day`` for chosen users); Python only
arranges the grouped rows, at most one per group, never the period's entries. Entries are read
in the report's order with ``yield_per``, so a page takes the first ``PAGE_ENTRIES`` and a CSV
export streams them all with bounded memory.

Who may see what: ``view_own_reports`` gives your own time, ``view_reports`` yourself and the
users ranked below you, active or not, in your group. ``users_in_reach`` and ``scope`` say it
once for the page, the CSV and the API.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, String, cast, extract, func, literal_column, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from timetracker import database, messages
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.models import Project, Task, TimeEntry, User, users_below
from timetracker.rights import Right
from timetracker.services import csv_export
from timetracker.services.report_periods import week_start

PAGE_ENTRIES = 2000
ROWS_READ_AT_ONCE = 2000


class Grouping(StrEnum):
    NONE = "none"
    DATE = "date"
    WEEK = "week"
    MONTH = "month"
    USER = "user"
    PROJECT = "project"
    TASK = "task"


GROUPING_LABELS = {
    Grouping.NONE: "None",
    Grouping.DATE: "Date",
    Grouping.WEEK: "Week",
    Grouping.MONTH: "Month",
    Grouping.USER: "User",
    Grouping.PROJECT: "Project",
    Grouping.TASK: "Task",
}


@dataclass(frozen=True)
class Filters:
    """What a report covers, already checked against the actor's rights (``users_in_reach``)."""

    first: date
    last: date
    user_ids: tuple[int, ...] = ()  # () = everyone in the actor's reach
    project_id: int | None = None
    task_id: int | None = None
    group_by: Grouping = Grouping.NONE
    then_by: Grouping = Grouping.NONE
    totals_only: bool = False

    @property
    def groupings(self) -> tuple[Grouping, ...]:
        return tuple(grouping for grouping in (self.group_by, self.then_by) if grouping is not Grouping.NONE)


@dataclass(slots=True)
class EntryRow:
    """One entry as a report shows it; ``start`` and ``finish`` are wall-clock times of its user."""

    day: date
    user_login: str
    user_name: str
    project: str
    task: str
    start: str
    finish: str
    minutes: int
    note: str
    entered_by: str
    keys: tuple[Any, ...]


@dataclass
class ReportGroup:
    """A group of a report with its subtotal: a date, week, month, user, project or task."""

    key: Any
    label: str
    minutes: int = 0
    children: list[ReportGroup] = field(default_factory=list)
    entries: list[EntryRow] = field(default_factory=list)


@dataclass
class Report:
    filters: Filters
    groups: list[ReportGroup]  # for no grouping, one group holding every entry
    minutes: int
    entries_cut: bool = False  # the page shows only the first PAGE_ENTRIES entries

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def chart(self) -> list[ReportGroup]:
        """The first grouping's groups, the bars of the chart (none without a grouping)."""
        return self.groups if self.filters.groupings else []


# --- who ----------------------------------------------------------------------------------------


def may_view(actor: User) -> bool:
    """Tell whether ``actor`` may open reports at all."""
    return actor.is_active and (actor.can(Right.VIEW_OWN_REPORTS) or actor.can(Right.VIEW_REPORTS))


def users_in_reach(actor: User) -> list[User]:
    """Return the users whose time ``actor`` may report on: themself first, then by name."""
    if not may_view(actor):
        return []
    users = [actor]
    if actor.can(Right.VIEW_REPORTS):
        users += db.session.scalars(users_below(actor))
    return users


def check_users(actor: User, user_ids: Sequence[int]) -> tuple[int, ...]:
    """Return ``user_ids`` without repeats if every one is in ``actor``'s reach.

    :raise PermissionDenied: an id of another group, of a user not ranked below, or of nobody.
    """
    wanted = tuple(dict.fromkeys(user_ids))
    if not wanted:
        return ()
    if not may_view(actor):
        raise PermissionDenied()
    if set(wanted) - {user.id for user in users_in_reach(actor)}:
        raise PermissionDenied()
    return wanted


def scope(actor: User, filters: Filters) -> list[ColumnElement[bool]]:
    """Return the SQL conditions of the entries a report of ``actor`` with ``filters`` reads.

    Running timers are left out: their time is not known yet.
    """
    conditions: list[ColumnElement[bool]] = [
        TimeEntry.group_id == actor.group_id,
        TimeEntry.day.between(filters.first, filters.last),
        TimeEntry.minutes.is_not(None),
    ]
    if filters.user_ids:
        conditions.append(TimeEntry.user_id.in_(filters.user_ids))
    elif not actor.can(Right.VIEW_REPORTS):
        conditions.append(TimeEntry.user_id == actor.id)
    elif not actor.role.is_top:  # a top manager reaches the whole group: no subquery
        # correlate(None): a query that joins users must not turn this into a correlated subquery
        below = users_below(actor).with_only_columns(User.id).order_by(None).correlate(None)
        conditions.append(or_(TimeEntry.user_id == actor.id, TimeEntry.user_id.in_(below)))
    if filters.project_id is not None:
        conditions.append(TimeEntry.project_id == filters.project_id)
    if filters.task_id is not None:
        conditions.append(TimeEntry.task_id == filters.task_id)
    return conditions


def check_project_and_task(
    actor: User, project_id: int | None, task_id: int | None
) -> tuple[int | None, int | None]:
    """Return the ids if the project is the actor's group's and the task one of its (or of the group's).

    Inactive ones count: their time is still reported.

    :raise FieldError: on ``project_id`` or ``task_id``.
    """
    if project_id is not None:
        project = database.get(Project, project_id)
        if project is None or project.group_id != actor.group_id:
            raise FieldError("project_id", messages.REPORT_UNKNOWN_PROJECT)
    if task_id is not None:
        task = database.get(Task, task_id)
        if (
            task is None
            or task.project.group_id != actor.group_id
            or (project_id is not None and task.project_id != project_id)
        ):
            raise FieldError("task_id", messages.REPORT_UNKNOWN_TASK)
    return project_id, task_id


# --- totals -------------------------------------------------------------------------------------


def build(actor: User, filters: Filters) -> Report:
    """Return the report: groups with subtotals from SQL, and (unless totals only) its first entries."""
    conditions = scope(actor, filters)
    levels = [_columns(grouping, actor.group.first_day_of_week) for grouping in filters.groupings]
    read = [column for level in levels for column in (*level.keys, *level.names)]
    query = select(*read, func.sum(TimeEntry.minutes)).select_from(TimeEntry)
    if Grouping.USER in filters.groupings:
        query = query.join(User, User.id == TimeEntry.user_id)
    if {Grouping.PROJECT, Grouping.TASK} & set(filters.groupings):
        query = query.join(Project, Project.id == TimeEntry.project_id)
    if Grouping.TASK in filters.groupings:
        query = query.outerjoin(Task, Task.id == TimeEntry.task_id)
    rows = db.session.execute(query.where(*conditions).group_by(*read)).all()
    # Without a grouping the one row's sum is NULL when nothing was recorded.
    totals = [
        (_named(filters.groupings, levels, row[:-1]), int(row[-1])) for row in rows if row[-1] is not None
    ]
    groups = _arrange(totals) if filters.groupings else _all_in_one(totals)
    report = Report(filters, groups, sum(group.minutes for group in groups))
    if not filters.totals_only and groups:
        report.entries_cut = _attach_entries(report, actor, conditions, PAGE_ENTRIES)
    return report


@dataclass(frozen=True)
class _Columns:
    """What one grouping reads: the columns that tell its groups apart, then those that name them."""

    keys: tuple[ColumnElement[Any], ...]
    names: tuple[ColumnElement[Any], ...] = ()


@dataclass(frozen=True)
class _Named:
    """A group's key, the key that sorts it in the report's order, and its label."""

    key: Any
    order: Any
    label: str


def _columns(grouping: Grouping, first_day_of_week: int) -> _Columns:
    """Return the SQL columns of one grouping (a task is one within its project).

    Names are read in the same GROUP BY (they follow from the ids), so that no list of ids
    goes back to the database, however many groups there are.
    """
    if grouping is Grouping.DATE:
        return _Columns((TimeEntry.day,))
    if grouping is Grouping.WEEK:
        return _Columns((_week_start_sql(first_day_of_week),))
    if grouping is Grouping.MONTH:
        return _Columns((_month_sql(),))
    if grouping is Grouping.USER:
        return _Columns((TimeEntry.user_id,), (User.name, User.login))
    project = (Project.name_key, Project.name)
    if grouping is Grouping.PROJECT:
        return _Columns((TimeEntry.project_id,), project)
    return _Columns((TimeEntry.project_id, TimeEntry.task_id), (*project, Task.name_key, Task.name))


def _week_start_sql(first_day_of_week: int) -> ColumnElement[Any]:
    """The first day of each entry's week, in the database's own date functions.

    Constants are written into the SQL rather than bound, so that PostgreSQL sees the same
    expression in SELECT and GROUP BY.
    """
    sunday_based = literal_column(str((first_day_of_week + 1) % 7))  # '%w' and DOW count from Sunday
    seven = literal_column("7")
    if db.engine.dialect.name == "postgresql":
        back = (cast(extract("dow", TimeEntry.day), Integer) + seven - sunday_based) % seven
        return TimeEntry.day - back
    back = (
        cast(func.strftime(literal_column("'%w'"), TimeEntry.day), Integer) + seven - sunday_based
    ) % seven
    return func.date(
        TimeEntry.day, literal_column("'-'").concat(cast(back, String)).concat(literal_column("' days'"))
    )


def _month_sql() -> ColumnElement[Any]:
    """Each entry's month as ``YYYY-MM``."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(TimeEntry.day, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), TimeEntry.day)


def _named(
    groupings: Sequence[Grouping], levels: Sequence[_Columns], values: Sequence[Any]
) -> tuple[_Named, ...]:
    """Turn the grouped columns of a row into its key, order and label at each level."""
    named, at = [], 0
    for grouping, level in zip(groupings, levels, strict=True):
        keys = values[at : at + len(level.keys)]
        names = values[at + len(level.keys) : at + len(level.keys) + len(level.names)]
        at += len(level.keys) + len(level.names)
        named.append(_name(grouping, tuple(keys), tuple(names)))
    return tuple(named)


def _name(grouping: Grouping, keys: tuple[Any, ...], names: tuple[Any, ...]) -> _Named:
    if grouping is Grouping.DATE:
        return _Named(keys[0], keys[0], keys[0].isoformat())
    if grouping is Grouping.WEEK:
        start = _as_date(keys[0])
        return _Named(start, start, f"Week of {start.isoformat()}")
    if grouping is Grouping.MONTH:
        return _Named(keys[0], keys[0], date.fromisoformat(f"{keys[0]}-01").strftime("%B %Y"))
    if grouping is Grouping.USER:
        name, login = names
        return _Named(keys[0], (name.casefold(), keys[0]), f"{name} ({login})")
    if grouping is Grouping.PROJECT:
        name_key, name = names
        return _Named(keys[0], (name_key, keys[0]), name)
    project_id, task_id = keys
    project_key, project_name, task_key, task_name = names
    order = (project_key, project_id, task_key or "", task_id or 0)
    return _Named((project_id, task_id), order, f"{project_name} · {task_name or 'No task'}")


def _as_date(value: Any) -> date:
    """A week's first day as the database gives it: SQLite's date() writes text."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def _all_in_one(totals: list[tuple[tuple[_Named, ...], int]]) -> list[ReportGroup]:
    """The one group of a report without a grouping (none when nothing was recorded)."""
    return [ReportGroup(None, "All entries", sum(minutes for _, minutes in totals))] if totals else []


def _arrange(totals: list[tuple[tuple[_Named, ...], int]]) -> list[ReportGroup]:
    """Nest the grouped totals into groups and subgroups, each level in the report's order."""
    top: dict[Any, tuple[Any, ReportGroup]] = {}
    children: dict[Any, list[tuple[Any, ReportGroup]]] = {}
    for named, minutes in totals:
        first = named[0]
        order, group = top.setdefault(first.key, (first.order, ReportGroup(first.key, first.label)))
        group.minutes += minutes
        if len(named) > 1:
            second = named[1]
            child = ReportGroup(second.key, second.label, minutes)
            children.setdefault(first.key, []).append((second.order, child))
    for key, (_, group) in top.items():
        group.children = [child for _, child in sorted(children.get(key, []), key=lambda pair: pair[0])]
    return [group for _, group in sorted(top.values(), key=lambda pair: pair[0])]


# --- entries ------------------------------------------------------------------------------------


def _attach_entries(report: Report, actor: User, conditions: list[ColumnElement[bool]], limit: int) -> bool:
    """Put the report's first ``limit`` entries under their groups; tell whether some were left out."""
    leaves: dict[tuple[Any, ...], ReportGroup] = {}
    for group in report.groups:
        if group.children:
            leaves.update({(group.key, child.key): child for child in group.children})
        else:
            leaves[(group.key,)] = group
    groupings = report.filters.groupings
    rows = entries(actor, report.filters, conditions=conditions, limit=limit + 1)  # one more: cut?
    try:
        for count, row in enumerate(rows):
            if count == limit:
                return True
            leaf = leaves.get(row.keys if groupings else (None,))
            if leaf is not None:  # else recorded since the totals were read: left for the next report
                leaf.entries.append(row)
    finally:
        rows.close()
    return False


def entries(
    actor: User,
    filters: Filters,
    *,
    conditions: list[ColumnElement[bool]] | None = None,
    limit: int | None = None,
) -> Iterator[EntryRow]:
    """Yield the report's entries in its order (its groupings, then date and start), streamed.

    ``limit`` goes into the SQL, so that the database sorts only what a page shows. Close the
    generator when stopping early, to end the database cursor.
    """
    query = _entries_query(filters, conditions if conditions is not None else scope(actor, filters), actor)
    if limit is not None:
        query = query.limit(limit)
    group_zone = actor.group.time_zone
    first_day = actor.group.first_day_of_week
    groupings = filters.groupings
    zones: dict[str, ZoneInfo] = {}
    result = db.session.execute(query.execution_options(yield_per=ROWS_READ_AT_ONCE))
    try:
        # A million rows pass here in an export: the row is unpacked once, not read by name.
        for row in result:
            day, _, _, _, start_at, finish_at, minutes, note, login, name, time_zone, project, task, by = row
            zone_name = time_zone or group_zone
            zone = zones.get(zone_name) or zones.setdefault(zone_name, ZoneInfo(zone_name))
            yield EntryRow(
                day=day,
                user_login=login,
                user_name=name,
                project=project,
                task=task or "",
                start=_wall_clock(start_at, zone),
                finish=_wall_clock(finish_at, zone),
                minutes=minutes,
                note=note,
                entered_by=by or "",
                keys=_entry_keys(groupings, row, first_day) if groupings else (),
            )
    finally:
        result.close()


def _entries_query(filters: Filters, conditions: list[ColumnElement[bool]], actor: User) -> Select[Any]:
    entered_by = aliased(User)
    order: list[ColumnElement[Any]] = []
    for grouping in filters.groupings:
        order += _entry_order(grouping)
    order += [TimeEntry.day, TimeEntry.start_at.is_(None), TimeEntry.start_at, User.name, TimeEntry.id]
    return (
        select(
            TimeEntry.day,
            TimeEntry.user_id,
            TimeEntry.project_id,
            TimeEntry.task_id,
            TimeEntry.start_at,
            TimeEntry.finish_at,
            TimeEntry.minutes,
            TimeEntry.note,
            User.login,
            User.name,
            User.time_zone,
            Project.name.label("project"),
            Task.name.label("task"),
            entered_by.login.label("entered_by"),
        )
        .join(User, User.id == TimeEntry.user_id)
        .join(Project, Project.id == TimeEntry.project_id)
        .outerjoin(Task, Task.id == TimeEntry.task_id)
        .outerjoin(entered_by, entered_by.id == TimeEntry.entered_by_id)
        .where(*conditions)
        .order_by(*order)
    )


def _entry_order(grouping: Grouping) -> list[ColumnElement[Any]]:
    """The ORDER BY of one grouping, matching the order ``_labels`` gives its groups."""
    if grouping in (Grouping.DATE, Grouping.WEEK, Grouping.MONTH):
        return [TimeEntry.day]
    if grouping is Grouping.USER:
        return [func.lower(User.name), TimeEntry.user_id]
    project = [Project.name_key, TimeEntry.project_id]
    if grouping is Grouping.PROJECT:
        return project
    return project + [func.coalesce(Task.name_key, ""), func.coalesce(TimeEntry.task_id, 0)]


def _entry_keys(groupings: Sequence[Grouping], row: Any, first_day_of_week: int) -> tuple[Any, ...]:
    keys: list[Any] = []
    for grouping in groupings:
        if grouping is Grouping.DATE:
            keys.append(row.day)
        elif grouping is Grouping.WEEK:
            keys.append(week_start(row.day, first_day_of_week))
        elif grouping is Grouping.MONTH:
            keys.append(f"{row.day.year:04d}-{row.day.month:02d}")  # as the SQL writes it
        elif grouping is Grouping.USER:
            keys.append(row.user_id)
        elif grouping is Grouping.PROJECT:
            keys.append(row.project_id)
        else:
            keys.append((row.project_id, row.task_id))
    return tuple(keys)


def _wall_clock(instant: datetime | None, zone: ZoneInfo) -> str:
    if instant is None:
        return ""
    local = instant.astimezone(zone)
    return f"{local.hour:02d}:{local.minute:02d}"  # strftime costs a second per million entries


# --- CSV ----------------------------------------------------------------------------------------

ENTRY_HEADER = (
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
)


@cache
def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals (``450`` → ``7.50``), written as a number in CSV.

    Kept for each number of minutes: an export asks again for the same few hundred.
    """
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def entries_csv(actor: User, filters: Filters) -> Iterator[str]:
    """Yield the CSV of every entry of the report, header first, in chunks."""
    rows = (
        (
            row.day.isoformat(),
            row.user_login,
            row.user_name,
            row.project,
            row.task,
            row.start,
            row.finish,
            row.minutes,
            hours(row.minutes),
            row.note,
            row.entered_by,
        )
        for row in entries(actor, filters)
    )
    return csv_export.chunks(ENTRY_HEADER, rows)


def totals_csv(report: Report) -> Iterator[str]:
    """Yield the CSV of a report's totals: a row per (sub)group, then the grand total."""
    names = [GROUPING_LABELS[grouping] for grouping in report.filters.groupings] or ["Entries"]
    blank = [""] * (len(names) - 1)

    def rows() -> Iterator[list[csv_export.Cell]]:
        for group in report.groups:
            for child in group.children or [group]:
                labels = [group.label, child.label] if group.children else [group.label, *blank]
                yield [*labels, child.minutes, hours(child.minutes)]
        yield ["Total", *blank, report.minutes, hours(report.minutes)]

    return csv_export.chunks([*names, "Minutes", "Hours"], rows())
