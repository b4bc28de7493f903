"""Views of reports: the report page (a GET form), its CSV export, and saved reports."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required

from timetracker import messages
from timetracker.errors import FieldError, PermissionDenied
from timetracker.models import SavedReport
from timetracker.reports.blueprint import bp
from timetracker.reports.forms import DeleteSavedReportForm, ReportForm, SaveReportForm
from timetracker.services import projects, report_periods, reports, saved_reports
from timetracker.services.reports import Filters
from timetracker.web import fields


@bp.route("/reports")
@login_required
def index() -> tuple[str, int]:
    """Show the filters, and the report they ask for when the query string holds any."""
    form = _report_form()
    filters = _filters(form) if request.args else None
    report = reports.build(current_user, filters) if filters is not None else None
    status = 400 if request.args and filters is None else 200
    return _page(form, report), status


@bp.route("/reports/export.csv")
@login_required
def export() -> Response | tuple[str, int]:
    """Download the report as CSV: one row per entry, or per group with "Totals only"; streamed."""
    form = _report_form()
    filters = _filters(form)
    if filters is None:
        return _page(form, None), 400
    if filters.totals_only:
        lines = reports.totals_csv(reports.build(current_user, filters))
    else:
        lines = stream_with_context(reports.entries_csv(current_user, filters))
    filename = f"time-{filters.first.isoformat()}-{filters.last.isoformat()}.csv"
    return Response(
        lines,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/reports/save", methods=["POST"])
@login_required
def save() -> Response | tuple[str, int]:
    """Keep the report of the query string under the posted "Report name"."""
    form = _report_form()
    filters = _filters(form)
    save_form = SaveReportForm()
    if filters is not None and save_form.validate_on_submit():
        try:
            replaced = saved_reports.save(current_user, save_form.name.data, form.query_string())
        except FieldError as error:
            fields.show_error(save_form, error)
        else:
            message = messages.REPORT_REPLACED if replaced else messages.REPORT_SAVED
            flash(message.format(name=save_form.name.data), "success")
            return redirect(url_for("reports.index") + "?" + form.query_string())
    report = reports.build(current_user, filters) if filters is not None else None
    return _page(form, report, save_form=save_form), 400


@bp.route("/reports/saved/<id:report_id>")
@login_required
def open_saved(report_id: int) -> Response:
    """Open a saved report, with its preset's dates of today and the user's rights of today."""
    opened = saved_reports.opened(current_user, _saved(report_id))
    if opened.users_dropped:
        flash(messages.REPORT_USERS_DROPPED, "warning")
    return redirect(url_for("reports.index") + "?" + opened.query)


@bp.route("/reports/saved/<id:report_id>/delete", methods=["POST"])
@login_required
def delete_saved(report_id: int) -> Response:
    """Delete one of the user's saved reports."""
    saved = _saved(report_id)
    if DeleteSavedReportForm().validate_on_submit():
        name = saved.name
        saved_reports.delete(current_user, saved)
        flash(messages.REPORT_DELETED.format(name=name), "success")
    return redirect(url_for("reports.index"))


def _report_form() -> ReportForm:
    """Return the filters of the query string, offering what the user may choose (403 without rights)."""
    if not reports.may_view(current_user):
        abort(403)
    form = ReportForm(request.args)
    form.offer(current_user, projects.group_projects(current_user.group_id))
    return form


def _filters(form: ReportForm) -> Filters | None:
    """Return the checked filters, or None with the errors on the form; 403 for a user out of reach."""
    if not form.validate():
        return None
    try:
        return form.filters(current_user)
    except FieldError as error:
        fields.show_error(form, error)
        return None
    except PermissionDenied:
        abort(403)


def _page(form: ReportForm, report: reports.Report | None, **forms: object) -> str:
    query = form.query_string() if report is not None else ""
    return render_template(
        "reports/index.html",
        form=form,
        report=report,
        query=query,
        save_form=forms.get("save_form") or SaveReportForm(formdata=None),
        delete_form=DeleteSavedReportForm(formdata=None),
        saved=saved_reports.of(current_user),
        labels=reports.GROUPING_LABELS,
        periods=report_periods.LABELS,
        page_entries=reports.PAGE_ENTRIES,
    )


def _saved(report_id: int) -> SavedReport:
    try:
        return saved_reports.own(current_user, report_id)
    except PermissionDenied:
        abort(404)
