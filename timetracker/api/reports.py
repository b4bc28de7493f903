"""The report in the API: the same groups and totals as the report page, as JSON.

The query string is the page's (``reports.forms.ReportForm``): ``from`` and ``to`` (or a
``period`` preset), ``user_id`` (repeatable), ``project_id``, ``task_id``, ``group_by``,
``then_by``. A parameter at fault is a 400 ``invalid_request`` with ``fields`` naming each;
a user id outside the caller's reach is a 403 ``forbidden``, as on the page.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import g, jsonify, request
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.api.auth import token_required
from timetracker.api.blueprint import bp
from timetracker.api.errors import ApiError, error_response
from timetracker.errors import FieldError, PermissionDenied
from timetracker.reports.forms import ReportForm
from timetracker.services import reports
from timetracker.services.reports import Grouping, ReportGroup


@bp.route("/reports")
@token_required
def report() -> Response:
    """Answer the report's groups (nested one level with ``then_by``) and its total."""
    actor = g.api_token.user
    if not reports.may_view(actor):
        raise ApiError(403, "forbidden", messages.API_NO_REPORT_RIGHTS)
    form = ReportForm(request.args)
    if not form.validate():
        return _invalid(form)
    try:
        filters = replace(form.filters(actor), totals_only=True)
    except FieldError as error:
        form[error.field].errors = [error.message]
        return _invalid(form)
    except PermissionDenied:
        raise ApiError(403, "forbidden", messages.API_REPORT_USERS) from None
    built = reports.build(actor, filters)
    groupings = filters.groupings
    return jsonify(
        {
            "from": filters.first.isoformat(),
            "to": filters.last.isoformat(),
            "group_by": filters.group_by.value,
            "then_by": filters.then_by.value,
            **_minutes(built.minutes),
            "groups": [_group(group, groupings) for group in built.groups] if groupings else [],
        }
    )


def _invalid(form: ReportForm) -> Response:
    """Answer 400 with the first error of each parameter at fault, by its query-string name."""
    problems = {field.name: field.errors[0] for field in form if field.errors}
    return error_response(400, "invalid_request", messages.API_BAD_REPORT, fields=problems)


def _group(group: ReportGroup, groupings: tuple[Grouping, ...]) -> dict[str, Any]:
    described = {**_key(groupings[0], group.key), "label": group.label, **_minutes(group.minutes)}
    if len(groupings) > 1:
        described["groups"] = [_group(child, groupings[1:]) for child in group.children]
    return described


def _key(grouping: Grouping, key: Any) -> dict[str, Any]:
    """The members that name a group: its date, week start, month, user, project, or project and task."""
    if isinstance(key, date):
        return {"date" if grouping is Grouping.DATE else "week_start": key.isoformat()}
    if grouping is Grouping.MONTH:
        return {"month": key}
    if grouping is Grouping.TASK:
        return {"project_id": key[0], "task_id": key[1]}
    return {f"{grouping.value}_id": key}


def _minutes(minutes: int) -> dict[str, Any]:
    return {"minutes": minutes, "hours": float(reports.hours(minutes))}
