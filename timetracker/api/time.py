"""Views of time tracking in the API: projects, time entries and the timer.

Each view reads the body, calls ``services.time_entries`` (the Time page's rules: rank, lock
date, 24-hour day, one timer) and writes JSON. A ``FieldError`` becomes 422 ``invalid_entry``
naming the JSON member, a user id out of reach 403 ``forbidden``, an entry id out of reach
404 ``not_found``. Start and finish are wall-clock times of the worked-for user's time zone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, jsonify, request
from flask.views import MethodView
from werkzeug.wrappers import Response

from timetracker import ids, messages, validation
from timetracker.api import body as reader
from timetracker.api.auth import token_required
from timetracker.api.blueprint import bp
from timetracker.api.errors import ApiError, error_response
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.models import TimeEntry
from timetracker.rights import Right
from timetracker.services import time_entries
from timetracker.services.time_entries import EntryDetails
from timetracker.validation import DAY_MINUTES

MAX_PERIOD_DAYS = 366

# The service's field names that are not the JSON members carrying them.
_MEMBERS = {"day": "date", "duration": "minutes"}


@bp.errorhandler(FieldError)
def _invalid_entry(error: FieldError) -> Response:
    """Answer a broken rule with the JSON member it concerns."""
    db.session.rollback()
    return error_response(422, "invalid_entry", error.message, field=_MEMBERS.get(error.field, error.field))


@bp.errorhandler(PermissionDenied)
def _forbidden(error: PermissionDenied) -> Response:
    """Answer a user the caller may not track (the page answers 403 too)."""
    db.session.rollback()
    return error_response(403, "forbidden", messages.API_MAY_NOT_TRACK)


@bp.route("/projects")
@token_required
def projects() -> Response:
    """List the active projects of the caller's group, each with its active tasks."""
    actor = g.api_token.user
    if not (actor.can(Right.TRACK_OWN_TIME) or actor.can(Right.TRACK_TIME)):
        raise ApiError(403, "forbidden", messages.API_NO_TIME_RIGHTS)
    return jsonify(
        [
            {
                "id": project.id,
                "name": project.name,
                "description": project.description,
                "tasks": [{"id": task.id, "name": task.name} for task in project.tasks if task.active],
            }
            for project in time_entries.choosable_projects(actor.group)
        ]
    )


@bp.route("/time-entries")
@token_required
def list_entries() -> Response:
    """List the entries of the caller (or of ``user_id``) from ``from`` to ``to``, both included."""
    first = reader.day(request.args.get("from"), "from")
    last = reader.day(request.args.get("to"), "to")
    if not 0 <= (last - first).days <= MAX_PERIOD_DAYS:
        raise ApiError(400, "invalid_request", messages.API_BAD_PERIOD.format(days=MAX_PERIOD_DAYS))
    user = time_entries.user_to_track(g.api_token.user, _query_user_id())
    return jsonify([_entry_json(entry) for entry in time_entries.entries_between(user, first, last)])


@bp.route("/time-entries", methods=["POST"])
@token_required
def create_entry() -> tuple[Response, int]:
    """Record time for the caller (or for ``user_id``) by minutes, or by start and finish."""
    body = reader.json_object()
    reader.require(body, "date", "project_id")
    details = _details(body, EntryDetails(day=date.min, project_id=None))  # both given, as required
    actor = g.api_token.user
    user = time_entries.user_to_track(actor, reader.row_id(body, "user_id"))
    return jsonify(_entry_json(time_entries.create(actor, user, details))), 201


class EntryView(MethodView):
    """One entry: changed or deleted.

    One rule for both methods: with a rule per method, an id out of range answered 405 (the
    method is checked before the id converter) instead of 404.
    """

    decorators = [token_required]

    def patch(self, entry_id: int) -> Response:
        """Change the members the body gives; the others keep their value."""
        body = reader.json_object()
        entry = _entry(entry_id)
        time_entries.update(g.api_token.user, entry, _details(body, time_entries.details_of(entry)))
        return jsonify(_entry_json(entry))

    def delete(self, entry_id: int) -> Response:
        """Delete an entry, a running timer too."""
        time_entries.delete(g.api_token.user, _entry(entry_id))
        return Response(status=204)


bp.add_url_rule("/time-entries/<id:entry_id>", view_func=EntryView.as_view("time_entry"))


@bp.route("/timer")
@token_required
def timer() -> Response:
    """Answer the running timer of the caller (or of ``user_id``), or null."""
    user = time_entries.user_to_track(g.api_token.user, _query_user_id())
    running = time_entries.running_timer(user)
    return jsonify(timer=_entry_json(running) if running is not None else None)


@bp.route("/timer/start", methods=["POST"])
@token_required
def start_timer() -> tuple[Response, int]:
    """Start a timer now, on the worked-for user's local today."""
    body = reader.json_object()
    reader.require(body, "project_id")
    project_id, task_id = reader.row_id(body, "project_id"), reader.row_id(body, "task_id")
    note = _note(body)
    actor = g.api_token.user
    user = time_entries.user_to_track(actor, reader.row_id(body, "user_id"))
    started = time_entries.start_timer(actor, user, project_id, task_id, note)
    return jsonify(timer=_entry_json(started)), 201


@bp.route("/timer/stop", methods=["POST"])
@token_required
def stop_timer() -> Response:
    """Stop the running timer (started from any client); say whether 24 hours capped it."""
    body = reader.json_object(required=False)
    actor = g.api_token.user
    user = time_entries.user_to_track(actor, reader.row_id(body, "user_id"))
    stopped, capped = time_entries.stop_timer(actor, user)
    return jsonify(entry=_entry_json(stopped), capped=capped)


def _entry_json(entry: TimeEntry) -> dict[str, Any]:
    """Describe an entry; a running timer also says so, with its elapsed minutes."""
    zone = entry.user.zone
    described: dict[str, Any] = {
        "id": entry.id,
        "user_id": entry.user_id,
        "date": entry.day.isoformat(),
        "project_id": entry.project_id,
        "task_id": entry.task_id,
        "minutes": entry.minutes,
        "start": _instant(entry.start_at, zone),
        "finish": _instant(entry.finish_at, zone),
        "note": entry.note,
        "entered_by_id": entry.entered_by_id,
    }
    if entry.running:
        described.update(running=True, elapsed_minutes=time_entries.elapsed_minutes(entry))
    return described


def _details(body: dict[str, Any], kept: EntryDetails) -> EntryDetails:
    """Return ``kept`` with the members ``body`` gives.

    A duration and a start and finish replace each other: ``minutes`` in the body drops the
    kept start and finish, ``start`` or ``finish`` drops the kept minutes.
    """
    changes: dict[str, Any] = {}
    if "date" in body:
        changes["day"] = reader.day(body["date"], "date")
    for name in ("project_id", "task_id"):
        if name in body:
            changes[name] = reader.row_id(body, name)
    if "minutes" in body:
        changes.update(start=None, finish=None, minutes=reader.whole_number(body, "minutes", 1, DAY_MINUTES))
    if "start" in body or "finish" in body:
        changes.setdefault("minutes", None)
        changes.update({name: reader.clock_time(body, name) for name in ("start", "finish") if name in body})
    if "note" in body:
        changes["note"] = _note(body)
    return replace(kept, **changes)


def _note(body: dict[str, Any]) -> str:
    """Return the body's note cleaned by the Time page's rules ("" when absent or null)."""
    try:
        return validation.note(reader.text(body, "note"))
    except validation.Invalid as error:
        raise FieldError("note", str(error)) from None


def _entry(entry_id: int) -> TimeEntry:
    """Return the entry if the caller may change it; else answer 404."""
    try:
        return time_entries.entry_of(g.api_token.user, entry_id)
    except PermissionDenied:
        raise ApiError(404, "not_found", messages.API_NO_SUCH_ENTRY) from None


def _query_user_id() -> int | None:
    """Return the ``user_id`` query argument, if given, as an id."""
    value = request.args.get("user_id")
    if value is None:
        return None
    try:
        return ids.parse(value)
    except ValueError:
        raise ApiError(
            400,
            "invalid_request",
            messages.API_BAD_NUMBER.format(name="user_id", lowest=ids.SMALLEST, highest=ids.LARGEST),
        ) from None


def _instant(instant: datetime | None, zone: ZoneInfo) -> str | None:
    return instant.astimezone(zone).isoformat() if instant is not None else None
