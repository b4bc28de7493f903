"""Views of the members report and its CSV export."""

from __future__ import annotations

from contextlib import closing
from itertools import islice

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from timetracker import clock, ids
from timetracker.group.blueprint import bp
from timetracker.rights import Right
from timetracker.services import members_report
from timetracker.web.access import right_required

PAGE_SIZE = 500


@bp.route("/group/members")
@right_required(Right.MANAGE_USERS)
def members() -> str:
    """List the group's users with their two-factor state, a page at a time."""
    filters = _filters()
    page = request.args.get("page", 1, type=ids.parse)
    with closing(members_report.members(current_user.group, **filters)) as rows:
        shown = list(islice(rows, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1))
    return render_template(
        "group/members.html",
        members=shown[:PAGE_SIZE],
        filters=filters,
        page=page,
        more=len(shown) > PAGE_SIZE,
    )


@bp.route("/group/members.csv")
@right_required(Right.MANAGE_USERS)
def members_csv() -> Response:
    """Download the report (with the same filters) as CSV, streamed row batch by row batch."""
    rows = members_report.members(current_user.group, **_filters())
    filename = f"members-{clock.now():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(members_report.csv_lines(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _filters() -> dict[str, bool]:
    return {
        "without_two_factor": request.args.get("without_two_factor") == "1",
        "without_email": request.args.get("without_email") == "1",
    }
