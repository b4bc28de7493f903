"""Views of the week grid: a week of durations per project and task, saved in one go."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.services import time_entries, week_grid
from timetracker.services.week_grid import WeekGrid
from timetracker.time import whose
from timetracker.time.blueprint import bp


@bp.route("/time/week", methods=["GET", "POST"])
@login_required
def week() -> Response | str:
    """Show the worked-for user's week holding ``?date=`` as a grid; save the whole grid at once."""
    user = whose.worked_for()
    shown = whose.shown_day(user)
    if request.method == "GET":
        return _week_page(week_grid.read(current_user, user, shown))
    grid = week_grid.save(current_user, user, shown, request.form)
    if not grid.valid:
        return _week_page(grid)
    if grid.saved:
        flash(messages.WEEK_SAVED, "success")
    else:
        flash(messages.WEEK_UNCHANGED, "info")
    return redirect(request.full_path)


def _week_page(grid: WeekGrid) -> str:
    user, first = grid.user, grid.days[0]
    return render_template(
        "time/week.html",
        grid=grid,
        user=user,
        today=time_entries.today(user),
        previous_week=first - timedelta(days=7),
        next_week=first + timedelta(days=7),
        locked=[day for day in grid.days if not time_entries.may_change_day(current_user, day)],
        lock_date=user.group.lock_date,
        projects=time_entries.choosable_projects(user.group),
        trackable=whose.trackable(),
    )
