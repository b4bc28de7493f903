"""Time entries: who may track whose time, the day and week rules, the lock date, the timer.

Every write takes the worked-for user's row lock first (``database.lock``), so that the
24-hour day and the one running timer hold when two clients write at once. Pages and the
JSON API call the same functions; they raise ``FieldError`` for a field, ``PermissionDenied``
for a user or entry the actor may not touch (views answer 403, or 404 for an entry id).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from timetracker import clock, database, messages
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.models import Group, Project, Task, TimeEntry, User, users_below
from timetracker.rights import Right, outranks
from timetracker.services.report_periods import week_start
from timetracker.validation import DAY_MINUTES

# Entries, and the days pages show with their week and neighbours, stay inside the years 1 to 9999.
FIRST_DAY, LAST_DAY = date.min + timedelta(days=14), date.max - timedelta(days=14)


@dataclass(frozen=True)
class EntryDetails:
    """What a form or a JSON body gives for an entry: a duration, or a local start and finish."""

    day: date
    project_id: int | None
    task_id: int | None = None
    minutes: int | None = None
    start: time | None = None  # wall-clock times in the worked-for user's zone
    finish: time | None = None
    note: str = ""


# --- who, and which days ------------------------------------------------------------------------


def may_track_for(actor: User, user: User) -> bool:
    """Tell whether ``actor`` may enter and change ``user``'s time (the rank rule, one group)."""
    if not actor.is_active or actor.group_id != user.group_id:
        return False
    if actor.id == user.id:
        return actor.can(Right.TRACK_OWN_TIME)
    return actor.can(Right.TRACK_TIME) and user.active and outranks(actor, user.role.rank)


def trackable_users(actor: User) -> list[User]:
    """Return the users whose time ``actor`` may track: themself first, then by name."""
    users = [actor] if may_track_for(actor, actor) else []
    if actor.is_active and actor.can(Right.TRACK_TIME):
        others = users_below(actor).where(User.active.is_(True))
        users += db.session.scalars(others.options(contains_eager(User.role)))
    return users


def user_to_track(actor: User, user_id: int | None) -> User:
    """Return the user ``actor`` works for: themself when ``user_id`` is None.

    :raise PermissionDenied: the id is unknown, of another group, or not ranked below the actor.
    """
    user = actor if user_id is None or user_id == actor.id else database.get(User, user_id)
    if user is None or not may_track_for(actor, user):
        raise PermissionDenied()
    return user


def entry_of(actor: User, entry_id: int) -> TimeEntry:
    """Return the entry if ``actor`` may change it.

    :raise PermissionDenied: no such entry in the actor's reach (views answer 404).
    """
    entry = database.get(TimeEntry, entry_id)
    if entry is None or entry.group_id != actor.group_id or not may_track_for(actor, entry.user):
        raise PermissionDenied()
    return entry


def today(user: User) -> date:
    """Return the user's local date now."""
    return clock.now().astimezone(user.zone).date()


def week_of(group: Group, day: date) -> list[date]:
    """Return the seven days of the week holding ``day``, from the group's first day of the week."""
    start = week_start(day, group.first_day_of_week)
    return [start + timedelta(days=offset) for offset in range(7)]


def is_locked(group: Group, day: date) -> bool:
    """Tell whether the group's lock date covers ``day``."""
    return group.lock_date is not None and day <= group.lock_date


def may_change_day(actor: User, day: date) -> bool:
    """Tell whether ``actor`` may create, change or delete time on ``day`` (the lock date)."""
    return not is_locked(actor.group, day) or actor.can(Right.OVERRIDE_DATE_LOCK)


# --- reading ------------------------------------------------------------------------------------


def choosable_projects(group: Group) -> list[Project]:
    """Return the group's active projects by name; their ``tasks`` list active ones first."""
    query = select(Project).where(Project.group_id == group.id, Project.active.is_(True))
    return list(db.session.scalars(query.order_by(Project.name_key).options(selectinload(Project.tasks))))


def entries_between(user: User, first: date, last: date) -> list[TimeEntry]:
    """Return ``user``'s entries from ``first`` to ``last`` (inclusive), running timer included,
    with their project, task and who entered them."""
    query = (
        select(TimeEntry)
        .where(TimeEntry.user_id == user.id, TimeEntry.day.between(first, last))
        .order_by(TimeEntry.day, TimeEntry.start_at.is_(None), TimeEntry.start_at, TimeEntry.id)
        .options(joinedload(TimeEntry.project), joinedload(TimeEntry.task), joinedload(TimeEntry.entered_by))
    )
    return list(db.session.scalars(query))


def minutes_between(user: User, first: date, last: date, *, leaving_out: TimeEntry | None = None) -> int:
    """Return the minutes ``user`` recorded from ``first`` to ``last``, a running timer not counted.

    :param leaving_out: an entry not to count (the one being changed).
    """
    query = select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
        TimeEntry.user_id == user.id, TimeEntry.day.between(first, last)
    )
    if leaving_out is not None and leaving_out.id is not None:
        query = query.where(TimeEntry.id != leaving_out.id)
    return int(db.session.scalar(query) or 0)


def running_timer(user: User) -> TimeEntry | None:
    """Return ``user``'s running timer, if one runs."""
    return db.session.scalar(
        select(TimeEntry).where(TimeEntry.user_id == user.id, TimeEntry.minutes.is_(None))
    )


def details_of(entry: TimeEntry) -> EntryDetails:
    """Return the details that would make ``entry`` again, for an edit to start from.

    Its local start and finish when both fall on its day in its user's zone (today's zone: a
    user who moved may see other times), else its minutes: a timer that ran over midnight is
    kept as a duration, since a start and finish on one day cannot describe it.
    """
    kept = EntryDetails(entry.day, entry.project_id, entry.task_id, note=entry.note)
    if entry.start_at is None or entry.finish_at is None:
        return replace(kept, minutes=entry.minutes)
    zone = entry.user.zone
    start, finish = (instant.astimezone(zone) for instant in (entry.start_at, entry.finish_at))
    on_its_day = start.date() == entry.day == finish.date() and start < finish
    # A wall-clock time the autumn change shows twice must not come back as the other one.
    unambiguous = all(_instant(local.date(), local.time(), zone) == local for local in (start, finish))
    if not (on_its_day and unambiguous):
        return replace(kept, minutes=entry.minutes)
    return replace(kept, start=start.time(), finish=finish.time())


def elapsed_minutes(timer: TimeEntry, now: datetime | None = None) -> int:
    """Return the whole minutes a running timer has run."""
    assert timer.start_at is not None
    return int(((now or clock.now()) - timer.start_at).total_seconds() // 60)


# --- writing ------------------------------------------------------------------------------------


def create(actor: User, user: User, details: EntryDetails) -> TimeEntry:
    """Record time for ``user``; commit.

    :raise PermissionDenied: ``actor`` may not track ``user``'s time.
    :raise FieldError: a rule of the entry is broken (see ``_apply``).
    """
    if not may_track_for(actor, user):
        raise PermissionDenied()
    database.lock(user)
    entry = add(actor, user, details)
    db.session.commit()
    return entry


def update(actor: User, entry: TimeEntry, details: EntryDetails) -> None:
    """Change a completed entry (its day too); commit. Raises as ``create``, and for a locked old day."""
    if not may_track_for(actor, entry.user):
        raise PermissionDenied()
    change(actor, _locked_again(entry), details)
    db.session.commit()


def delete(actor: User, entry: TimeEntry) -> None:
    """Delete an entry (a running timer too); commit.

    :raise FieldError: on ``day`` when the entry's day is locked for ``actor``.
    """
    if not may_track_for(actor, entry.user):
        raise PermissionDenied()
    remove(actor, _locked_again(entry))
    db.session.commit()


def _locked_again(entry: TimeEntry) -> TimeEntry:
    """Take the row lock of the entry's user and read the entry again.

    :raise PermissionDenied: another request deleted it meanwhile (views answer 404).
    """
    database.lock(entry.user)
    fresh = db.session.get(TimeEntry, entry.id, populate_existing=True)
    if fresh is None:
        raise PermissionDenied()
    return fresh


# --- writing in the caller's transaction ---------------------------------------------------------
# For a caller that changes several entries and commits once (the week grid): it has checked
# ``may_track_for`` and holds ``database.lock`` of the worked-for user. Nothing here commits.


def add(actor: User, user: User, details: EntryDetails) -> TimeEntry:
    """Put a new entry for ``user`` into the session. Raises as ``create``."""
    entry = TimeEntry(user=user, group_id=user.group_id)
    _apply(actor, entry, details)
    db.session.add(entry)
    return entry


def change(actor: User, entry: TimeEntry, details: EntryDetails) -> None:
    """Change a completed entry in the session. Raises as ``update``."""
    _require_open_day(actor, entry.day, "day")
    if entry.running:
        raise FieldError("project_id", messages.TIMER_ALREADY_RUNNING)
    _apply(actor, entry, details)


def remove(actor: User, entry: TimeEntry) -> None:
    """Delete an entry in the session. Raises as ``delete``."""
    _require_open_day(actor, entry.day, "day")
    db.session.delete(entry)


def start_timer(actor: User, user: User, project_id: int | None, task_id: int | None, note: str) -> TimeEntry:
    """Start ``user``'s timer now, on their local today; commit.

    :raise FieldError: on ``timer`` when a timer already runs; the project or task cannot take
        time, the day is locked or already holds 24 hours.
    """
    if not may_track_for(actor, user):
        raise PermissionDenied()
    database.lock(user)
    if running_timer(user) is not None:
        raise FieldError("timer", messages.TIMER_ALREADY_RUNNING)
    day = today(user)
    project, task = _choosable(user.group, project_id, task_id)
    _require_open_day(actor, day, "project_id")
    _require_room(user, day, 1, field="project_id", leaving_out=None)
    timer = TimeEntry(
        user=user,
        group_id=user.group_id,
        project=project,
        task=task,
        day=day,
        start_at=clock.now(),
        note=note,
        entered_by=actor,
    )
    db.session.add(timer)
    try:
        db.session.commit()
    except IntegrityError:  # the unique index of running timers: another client started one first
        db.session.rollback()
        raise FieldError("timer", messages.TIMER_ALREADY_RUNNING) from None
    return timer


def stop_timer(actor: User, user: User) -> tuple[TimeEntry, bool]:
    """Complete ``user``'s running timer on the day it started; commit.

    The minutes are capped so that the day holds at most 24 hours (a timer left running
    over midnight, or for days, stops there); a timer stopped within its first minute counts one.

    :return: the entry, and whether its minutes were capped.
    :raise FieldError: on ``timer`` when no timer runs (another client stopped it), when its day
        was locked meanwhile (someone with ``override_date_lock`` stops it), or when its day
        holds 24 hours already (delete the timer, or make room on its day).
    """
    if not may_track_for(actor, user):
        raise PermissionDenied()
    database.lock(user)
    timer = running_timer(user)
    if timer is None:
        raise FieldError("timer", messages.NO_TIMER_RUNNING)
    assert timer.start_at is not None
    _require_open_day(actor, timer.day, "timer")
    elapsed = max(1, elapsed_minutes(timer))
    room = DAY_MINUTES - minutes_between(user, timer.day, timer.day)
    if room < 1:
        raise FieldError("timer", messages.DAY_OVER_24_HOURS.format(day=timer.day.isoformat()))
    timer.minutes = min(elapsed, room)
    timer.finish_at = timer.start_at + timedelta(minutes=timer.minutes)
    timer.entered_by = actor
    db.session.commit()
    return timer, timer.minutes < elapsed


# --- the rules ----------------------------------------------------------------------------------


def _apply(actor: User, entry: TimeEntry, details: EntryDetails) -> None:
    """Check ``details`` against every rule and put them on ``entry`` (not yet committed).

    :raise FieldError: on ``day`` (locked), ``project_id``/``task_id`` (not active, not of the
        group, task of another project), ``duration`` (neither or both ways given, or the day
        over 24 hours), ``start``/``finish`` (one without the other, finish before start).
    """
    user = entry.user
    if not FIRST_DAY <= details.day <= LAST_DAY:
        raise FieldError("day", messages.DATE_OUT_OF_RANGE)
    _require_open_day(actor, details.day, "day")
    project, task = _choosable(user.group, details.project_id, details.task_id, keeping=entry)
    minutes, start_at, finish_at = _span(user, details)
    _require_room(user, details.day, minutes, field="duration", leaving_out=entry)
    entry.day, entry.project, entry.task = details.day, project, task
    entry.minutes, entry.start_at, entry.finish_at = minutes, start_at, finish_at
    entry.note = details.note
    entry.entered_by = actor


def _span(user: User, details: EntryDetails) -> tuple[int, datetime | None, datetime | None]:
    """Return the minutes and the UTC instants of a duration or of a start and finish."""
    has_times = details.start is not None or details.finish is not None
    if details.minutes is not None and has_times:
        raise FieldError("duration", messages.DURATION_OR_TIMES)
    if details.minutes is not None:
        return details.minutes, None, None
    if details.start is None or details.finish is None:
        raise FieldError(
            "finish" if has_times else "duration",
            messages.START_AND_FINISH if has_times else messages.DURATION_OR_TIMES,
        )
    start_at = _instant(details.day, details.start, user.zone)
    finish_at = _instant(details.day, details.finish, user.zone)
    for field, given, instant in (("start", details.start, start_at), ("finish", details.finish, finish_at)):
        if instant.astimezone(user.zone).time() != given:  # skipped by the spring change of the clocks
            raise FieldError(field, messages.NO_SUCH_LOCAL_TIME.format(time=given.strftime("%H:%M")))
    minutes = int((finish_at - start_at).total_seconds() // 60)
    if minutes <= 0:
        raise FieldError("finish", messages.FINISH_BEFORE_START)
    return minutes, start_at, finish_at


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of the wall-clock time ``wall`` on ``day`` in ``zone`` (its first
    occurrence when the clocks go back)."""
    try:
        return datetime.combine(day, wall.replace(fold=0), tzinfo=zone).astimezone(UTC)
    except OverflowError:  # years 1 and 9999, in a zone away from UTC
        raise FieldError("day", messages.DAY_OUT_OF_RANGE) from None


def _choosable(
    group: Group, project_id: int | None, task_id: int | None, *, keeping: TimeEntry | None = None
) -> tuple[Project, Task | None]:
    """Return the project and task if new time may go to them.

    Inactive ones are refused, except the ones ``keeping`` already uses (an old entry of a
    deactivated project can still be corrected).
    """
    if project_id is None:
        raise FieldError("project_id", messages.PROJECT_REQUIRED)
    project = database.get(Project, project_id)
    kept = keeping is not None and keeping.project_id == project_id
    if project is None or project.group_id != group.id or not (project.active or kept):
        raise FieldError("project_id", messages.PROJECT_UNAVAILABLE)
    if task_id is None:
        return project, None
    task = database.get(Task, task_id)
    task_kept = keeping is not None and keeping.task_id == task_id
    if task is None or task.project_id != project.id or not (task.active or task_kept):
        raise FieldError("task_id", messages.TASK_UNAVAILABLE)
    return project, task


def _require_open_day(actor: User, day: date, field: str) -> None:
    if not may_change_day(actor, day):
        assert actor.group.lock_date is not None
        raise FieldError(field, messages.DAY_LOCKED.format(day=actor.group.lock_date.isoformat()))


def _require_room(user: User, day: date, minutes: int, *, field: str, leaving_out: TimeEntry | None) -> None:
    """Refuse ``minutes`` more on ``day`` when the day would hold more than 24 hours."""
    if minutes_between(user, day, day, leaving_out=leaving_out) + minutes > DAY_MINUTES:
        raise FieldError(field, messages.DAY_OVER_24_HOURS.format(day=day.isoformat()))
