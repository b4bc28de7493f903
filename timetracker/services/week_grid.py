"""The week grid: a user's week as durations per project and task, saved all at once or not at all.

A row is a project and task the user has time on that week; a cell is one day of a row. A
cell is an input when its day is open to the actor and it holds at most one plain entry (a
duration without start, finish or note); any other cell is read-only and changed on the
day's page. Below the rows, the new row takes time for a project and task chosen there.

``save`` holds the worked-for user's row lock, reads the grid, checks every posted cell
and applies the changes through ``time_entries`` (whose rules decide), and commits once:
one broken cell and nothing is saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from timetracker import database, ids, messages, validation
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.models import Project, Task, TimeEntry, User
from timetracker.services import time_entries
from timetracker.services.time_entries import EntryDetails

NEW_ROW = "new"
NEW_PROJECT = "new-project"
NEW_TASK = "new-task"
_CELL_NAME = re.compile(r"cell-.+-\d{4}-\d{2}-\d{2}")
_SELECTS = {"project_id": NEW_PROJECT, "task_id": NEW_TASK}  # time_entries' fields, as the new row names them


@dataclass
class Cell:
    """One day of a row: its entries, why it is read-only ("" for an input), what was posted."""

    name: str
    day: date
    entries: list[TimeEntry]
    why_read_only: str = ""
    posted: str | None = None
    error: str = ""

    @property
    def minutes(self) -> int:
        """Return the cell's recorded minutes, a running timer not counted."""
        return sum(entry.minutes or 0 for entry in self.entries)

    @property
    def running(self) -> bool:
        """Tell whether the cell holds a running timer."""
        return any(entry.running for entry in self.entries)


@dataclass
class Row:
    """A project and task of the week, a cell per day; the new row has neither yet."""

    cells: list[Cell]
    project: Project | None = None
    task: Task | None = None

    @property
    def minutes(self) -> int:
        return sum(cell.minutes for cell in self.cells)

    def destination(self) -> tuple[int | None, int | None]:
        """Return the ids of the project and task that new time in this row goes to."""
        return (self.project.id if self.project else None, self.task.id if self.task else None)


@dataclass
class NewRow(Row):
    """The row where new time goes to the chosen project and task; errors by select name."""

    project_id: int | None = None
    task_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def destination(self) -> tuple[int | None, int | None]:
        return self.project_id, self.task_id


@dataclass
class WeekGrid:
    """The week of ``user`` as ``actor`` sees it; ``error`` is said above the whole form."""

    user: User
    days: list[date]
    rows: list[Row]
    new_row: NewRow
    error: str = ""
    saved: int = 0

    @property
    def day_totals(self) -> list[int]:
        return [sum(row.cells[index].minutes for row in self.rows) for index in range(len(self.days))]

    @property
    def minutes(self) -> int:
        return sum(row.minutes for row in self.rows)

    @property
    def valid(self) -> bool:
        """Tell whether nothing in the grid is marked wrong."""
        cells = [cell for row in [*self.rows, self.new_row] for cell in row.cells]
        return not (self.error or self.new_row.errors or any(cell.error for cell in cells))


@dataclass(frozen=True)
class _Change:
    """What a posted cell asks: new minutes for it, or None to delete its entry."""

    row: Row
    cell: Cell
    minutes: int | None

    @property
    def growth(self) -> int:
        return (self.minutes or 0) - self.cell.minutes


def read(actor: User, user: User, day: date) -> WeekGrid:
    """Return the grid of ``user``'s week holding ``day``, rows ordered by project and task name."""
    days = time_entries.week_of(user.group, day)
    by_row: dict[tuple[int, int | None], list[TimeEntry]] = {}
    for entry in time_entries.entries_between(user, days[0], days[-1]):
        by_row.setdefault((entry.project_id, entry.task_id), []).append(entry)
    ordered = sorted(by_row.values(), key=lambda entries: _order(entries[0]))
    rows = [_row(actor, days, entries) for entries in ordered]
    new_cells = [_cell(actor, NEW_ROW, day, []) for day in days]
    return WeekGrid(user=user, days=days, rows=rows, new_row=NewRow(cells=new_cells))


def save(actor: User, user: User, day: date, posted: Mapping[str, str]) -> WeekGrid:
    """Apply the posted grid to ``user``'s week in one transaction: every change, or none.

    A cell left out of the post is unchanged; an emptied one deletes its entry. A value for a
    read-only cell or for a cell the grid does not have means the page is stale (or forged).

    :return: the grid; when it is not ``valid`` nothing was saved and it says why.
    :raise PermissionDenied: ``actor`` may not track ``user``'s time.
    """
    if not time_entries.may_track_for(actor, user):
        raise PermissionDenied()
    database.lock(user)
    grid = read(actor, user, day)
    changes = _changes(grid, posted)
    _apply(actor, grid, changes)  # even when a cell is marked already, so that every error shows at once
    if grid.valid:
        db.session.commit()
        grid.saved = len(changes)
    else:
        db.session.rollback()
        grid.error = grid.error or messages.WEEK_NOT_SAVED
    return grid


# --- reading the grid ---------------------------------------------------------------------------


def _order(entry: TimeEntry) -> tuple[str, str]:
    return entry.project.name_key, entry.task.name_key if entry.task else ""


def _row(actor: User, days: list[date], entries: list[TimeEntry]) -> Row:
    project, task = entries[0].project, entries[0].task
    key = f"{project.id}-{task.id if task else 0}"
    cells = [_cell(actor, key, day, [entry for entry in entries if entry.day == day]) for day in days]
    return Row(cells=cells, project=project, task=task)


def _cell(actor: User, row_key: str, day: date, entries: list[TimeEntry]) -> Cell:
    return Cell(f"cell-{row_key}-{day.isoformat()}", day, entries, _why_read_only(actor, day, entries))


def _why_read_only(actor: User, day: date, entries: list[TimeEntry]) -> str:
    """Say why the cell cannot be changed in the grid; "" when it can."""
    if not time_entries.may_change_day(actor, day):
        lock_date = actor.group.lock_date
        assert lock_date is not None
        return messages.DAY_LOCKED.format(day=lock_date.isoformat())
    if any(entry.running for entry in entries):
        return messages.WEEK_CELL_TIMER
    if len(entries) > 1:
        return messages.WEEK_CELL_SEVERAL
    if entries and (entries[0].start_at is not None or entries[0].note):
        return messages.WEEK_CELL_DETAILED
    return ""


# --- reading the post ---------------------------------------------------------------------------


def _changes(grid: WeekGrid, posted: Mapping[str, str]) -> list[_Change]:
    """Return what the post changes, marking bad values on their cells (or the grid)."""
    rows = [*grid.rows, grid.new_row]
    known = {cell.name for row in rows for cell in row.cells}
    if any(_CELL_NAME.fullmatch(name) and name not in known and posted[name].strip() for name in posted):
        grid.error = messages.WEEK_CHANGED_MEANWHILE
    changes: list[_Change] = []
    for row in rows:
        for cell in row.cells:
            change = _cell_change(grid, row, cell, posted.get(cell.name))
            if change is not None:
                changes.append(change)
    _choose_new_row(grid, posted, used=any(change.row is grid.new_row for change in changes))
    return changes


def _cell_change(grid: WeekGrid, row: Row, cell: Cell, text: str | None) -> _Change | None:
    if text is None:
        return None
    if cell.why_read_only:
        if text.strip():
            grid.error = messages.WEEK_CHANGED_MEANWHILE
        return None
    cell.posted = text
    if not text.strip():
        return _Change(row, cell, None) if cell.entries else None
    try:
        minutes = validation.duration(text)
    except validation.Invalid as error:
        cell.error = str(error)
        return None
    if cell.entries and cell.entries[0].minutes == minutes:
        return None
    return _Change(row, cell, minutes)


def _choose_new_row(grid: WeekGrid, posted: Mapping[str, str], *, used: bool) -> None:
    """Read the new row's project and task; when it has time in it, refuse a row the grid has."""
    new = grid.new_row
    new.project_id, new.task_id = _chosen_id(posted.get(NEW_PROJECT)), _chosen_id(posted.get(NEW_TASK))
    if used and any(row.destination() == new.destination() for row in grid.rows):
        new.errors[NEW_PROJECT] = messages.WEEK_ROW_EXISTS


def _chosen_id(text: str | None) -> int | None:
    """Return a select's id, None when nothing is chosen; what is no id is 0, which names no row."""
    if not text:
        return None
    try:
        return ids.parse(text)
    except ValueError:
        return 0


# --- applying it --------------------------------------------------------------------------------


def _apply(actor: User, grid: WeekGrid, changes: list[_Change]) -> None:
    """Make the changes in the session, marking each broken rule on its cell or select.

    The changes that shrink a day go first, so that a day's 24 hours are judged on its total
    after the whole post, not on the order of its cells.
    """
    for change in sorted(changes, key=lambda change: change.growth):
        try:
            _apply_one(actor, grid.user, change)
        except FieldError as error:
            if change.row is grid.new_row and error.field in _SELECTS:
                grid.new_row.errors[_SELECTS[error.field]] = error.message
            else:
                change.cell.error = error.message


def _apply_one(actor: User, user: User, change: _Change) -> None:
    entry = change.cell.entries[0] if change.cell.entries else None
    if change.minutes is None:
        assert entry is not None
        time_entries.remove(actor, entry)
    elif entry is not None:
        details = EntryDetails(entry.day, entry.project_id, entry.task_id, change.minutes, note=entry.note)
        time_entries.change(actor, entry, details)
    else:
        project_id, task_id = change.row.destination()
        time_entries.add(actor, user, EntryDetails(change.cell.day, project_id, task_id, change.minutes))
