"""Views of the Time page: one day of entries, the timer, editing and deleting an entry."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.errors import FieldError, PermissionDenied
from timetracker.models import Project, TimeEntry, User
from timetracker.services import time_entries
from timetracker.services.time_entries import EntryDetails
from timetracker.time import whose
from timetracker.time.blueprint import bp
from timetracker.time.forms import DeleteForm, EditEntryForm, EntryForm, StopTimerForm, TimerForm
from timetracker.web import fields, formats


@bp.route("/time", methods=["GET", "POST"])
@login_required
def day() -> Response | str:
    """Show one day of the worked-for user's time, and record an entry on it."""
    user = whose.worked_for()
    shown = whose.shown_day(user)
    projects = time_entries.choosable_projects(user.group)
    form = EntryForm(prefix="entry")
    form.offer(projects)
    if form.validate_on_submit():
        try:
            time_entries.create(current_user, user, _details(form, shown))
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.ENTRY_SAVED, "success")
            return redirect(_day_url(user, shown))
    return _day_page(user, shown, projects, entry_form=form)


@bp.route("/time/timer/start", methods=["POST"])
@login_required
def start_timer() -> Response | str:
    """Start the worked-for user's timer now, on their today."""
    user = whose.worked_for()
    projects = time_entries.choosable_projects(user.group)
    form = TimerForm(prefix="timer")
    form.offer(projects)
    if form.validate_on_submit():
        try:
            time_entries.start_timer(
                current_user, user, form.project_id.data, form.task_id.data, form.note.data
            )
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.TIMER_STARTED, "success")
            return redirect(_day_url(user, time_entries.today(user)))
    return _day_page(user, time_entries.today(user), projects, timer_form=form)


@bp.route("/time/timer/stop", methods=["POST"])
@login_required
def stop_timer() -> Response:
    """Stop the worked-for user's timer, from whichever browser or client started it."""
    user = whose.worked_for()
    if StopTimerForm().validate_on_submit():
        try:
            timer, capped = time_entries.stop_timer(current_user, user)
        except FieldError as error:
            flash(error.message, "warning")
        else:
            message = messages.TIMER_CAPPED if capped else messages.TIMER_STOPPED
            flash(message.format(duration=formats.hours_minutes(timer.minutes)), "success")
            return redirect(_day_url(user, timer.day))
    return redirect(_day_url(user, time_entries.today(user)))


@bp.route("/time/<id:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int) -> Response | str:
    """Change an entry: its project, task, time, note, and its date."""
    entry = _entry(entry_id)
    if not time_entries.may_change_day(current_user, entry.day) or entry.running:
        abort(403, description=_why_read_only(entry))
    form = EditEntryForm(prefix="entry", obj=_as_form_data(entry))
    projects = time_entries.choosable_projects(entry.user.group)
    form.offer(projects if entry.project in projects else [entry.project, *projects], kept=entry.task)
    if form.validate_on_submit():
        try:
            time_entries.update(current_user, entry, _details(form, form.day.data))
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.ENTRY_SAVED, "success")
            return redirect(_day_url(entry.user, entry.day))
    return render_template("time/edit.html", form=form, entry=entry, user=entry.user)


@bp.route("/time/<id:entry_id>/delete", methods=["POST"])
@login_required
def delete(entry_id: int) -> Response | str:
    """Ask to confirm on a page of its own, then delete the entry."""
    entry = _entry(entry_id)
    form = DeleteForm(prefix="delete")
    if not form.validate_on_submit():
        abort(400)
    if not time_entries.may_change_day(current_user, entry.day):
        abort(403, description=_why_read_only(entry))
    if request.form.get("confirmed") != "yes":
        return render_template("time/delete.html", form=form, entry=entry, user=entry.user)
    user, day = entry.user, entry.day
    time_entries.delete(current_user, entry)
    flash(messages.ENTRY_DELETED, "success")
    return redirect(_day_url(user, day))


# --- helpers ------------------------------------------------------------------------------------


def _entry(entry_id: int) -> TimeEntry:
    try:
        return time_entries.entry_of(current_user, entry_id)
    except PermissionDenied:
        abort(404)


def _details(form: EntryForm, day: date) -> EntryDetails:
    return EntryDetails(
        day=day,
        project_id=form.project_id.data,
        task_id=form.task_id.data,
        minutes=form.duration.data or None,
        start=form.start.data,
        finish=form.finish.data,
        note=form.note.data,
    )


def _as_form_data(entry: TimeEntry) -> SimpleNamespace:
    """The entry as the edit form's fields name them: a duration, or a start and finish."""
    details = time_entries.details_of(entry)
    duration = formats.hours_minutes(details.minutes) if details.minutes is not None else ""
    return SimpleNamespace(**{**vars(details), "duration": duration})


def _why_read_only(entry: TimeEntry) -> str:
    if entry.running:
        return messages.NO_EDIT_RUNNING_TIMER
    lock_date = entry.user.group.lock_date
    assert lock_date is not None
    return messages.DAY_LOCKED.format(day=lock_date.isoformat())


def _day_url(user: User, day: date) -> str:
    other = {"user": user.id} if user.id != current_user.id else {}
    return url_for("time.day", date=day.isoformat(), **other)


def _day_page(
    user: User,
    day: date,
    projects: list[Project],
    *,
    entry_form: EntryForm | None = None,
    timer_form: TimerForm | None = None,
) -> str:
    """Render the day with ``projects`` to choose from; the form that was not submitted starts fresh."""
    if entry_form is None:
        entry_form = EntryForm(prefix="entry", formdata=None)
        entry_form.offer(projects)
    if timer_form is None:
        timer_form = TimerForm(prefix="timer", formdata=None)
        timer_form.offer(projects)
    week = time_entries.week_of(user.group, day)
    entries = time_entries.entries_between(user, day, day)
    return render_template(
        "time/day.html",
        user=user,
        day=day,
        today=time_entries.today(user),
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        entries=[entry for entry in entries if not entry.running],
        timer=time_entries.running_timer(user),
        day_total=sum(entry.minutes or 0 for entry in entries),
        week_total=time_entries.minutes_between(user, week[0], week[-1]),
        week_start=week[0],
        locked=not time_entries.may_change_day(current_user, day),
        lock_date=user.group.lock_date,
        trackable=whose.trackable(),
        entry_form=entry_form,
        timer_form=timer_form,
        stop_form=StopTimerForm(formdata=None),
        delete_form=DeleteForm(prefix="delete", formdata=None),
        may_change_day=lambda entry_day: time_entries.may_change_day(current_user, entry_day),
        has_projects=bool(projects),
        elapsed_minutes=time_entries.elapsed_minutes,
    )
