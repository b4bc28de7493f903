"""Whose time and which day the Time page and the week grid show, from ``?user=`` and ``?date=``."""

from __future__ import annotations

from datetime import date

from flask import abort, request
from flask_login import current_user

from timetracker import ids, messages
from timetracker.errors import PermissionDenied
from timetracker.models import User
from timetracker.rights import Right
from timetracker.services import time_entries


def worked_for() -> User:
    """Return the user whose time is shown: ``?user=`` if the actor may track it, else the actor.

    An actor with ``track_time`` but not ``track_own_time`` starts on the first user they may
    work for. A user id outside that set is refused (403), as is an actor with neither right.
    """
    if not (current_user.can(Right.TRACK_OWN_TIME) or current_user.can(Right.TRACK_TIME)):
        abort(403)
    raw = request.args.get("user")
    if raw is None:
        if time_entries.may_track_for(current_user, current_user):
            return current_user._get_current_object()
        trackable = time_entries.trackable_users(current_user)
        if not trackable:
            abort(403)
        return trackable[0]
    try:
        return time_entries.user_to_track(current_user, ids.parse(raw))
    except (ValueError, PermissionDenied):
        abort(403)


def shown_day(user: User) -> date:
    """Return ``?date=`` (YYYY-MM-DD), else ``user``'s today; 400 for anything else."""
    raw = request.args.get("date")
    if raw is None:
        return time_entries.today(user)
    try:
        shown = date.fromisoformat(raw)
    except ValueError:
        abort(400, description=messages.BAD_DATE)
    if not time_entries.FIRST_DAY <= shown <= time_entries.LAST_DAY:
        abort(400, description=messages.DATE_OUT_OF_RANGE)
    return shown


def trackable() -> list[User]:
    """Return the users the "User" choice offers: empty without ``track_time``."""
    return time_entries.trackable_users(current_user) if current_user.can(Right.TRACK_TIME) else []
