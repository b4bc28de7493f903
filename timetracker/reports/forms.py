"""The report's filters as a GET form (a report is a URL), read alike by the page, the CSV and the API.

``ReportForm(request.args)`` checks the query string; ``filters(actor)`` then turns it into
``reports.Filters`` with the actor's rights applied. The query-string names are those of the
API: ``period``, ``from``, ``to``, ``user_id`` (repeatable), ``project_id``, ``task_id``,
``group_by``, ``then_by``, ``totals_only``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Optional

from timetracker import messages
from timetracker.models import Project, User
from timetracker.services import report_periods, reports, time_entries
from timetracker.services.report_periods import Period
from timetracker.services.reports import Filters, Grouping
from timetracker.web import fields

_GROUPINGS = [SelectChoice(grouping.value, label) for grouping, label in reports.GROUPING_LABELS.items()]


class ReportForm(Form):
    """The filters of a report, from a query string (no CSRF token: a GET changes nothing)."""

    period = SelectField(
        "Period",
        choices=[SelectChoice(period.value, label) for period, label in report_periods.LABELS.items()],
        default=Period.THIS_MONTH.value,
    )
    first = DateField("From", [Optional()], name="from")
    last = DateField("To", [Optional()], name="to")
    user_ids = fields.IdsSelectField("Users", name="user_id")
    project_id = fields.IdSelectField("Project")
    task_id = fields.IdSelectField("Task")
    group_by = SelectField("Group by", choices=_GROUPINGS, default=Grouping.NONE.value)
    then_by = SelectField("then by", choices=_GROUPINGS, default=Grouping.NONE.value)
    totals_only = BooleanField("Totals only")

    def __init__(self, query: Any = None, **kwargs: Any) -> None:
        super().__init__(query, **kwargs)
        self._query = query
        if query is not None and "period" not in query and ("from" in query or "to" in query):
            self.period.data = Period.CUSTOM.value  # the API's from= and to= alone

    def offer(self, actor: User, projects: list[Project]) -> None:
        """Offer the users in ``actor``'s reach (only with ``view_reports``) and the group's projects."""
        self.user_ids.choices = [
            SelectChoice(str(user.id), user.name + ("" if user.active else " (inactive)"))
            for user in reports.users_in_reach(actor)
        ]
        self.project_id.choices = [SelectChoice("", "All projects")] + [
            SelectChoice(str(project.id), project.name + ("" if project.active else " (inactive)"))
            for project in projects
        ]
        self.task_id.choices = [SelectChoice("", "All tasks")] + [
            SelectChoice(str(task.id), task.name, optgroup=project.name)
            for project in projects
            for task in project.tasks
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        repeated = [
            form_field
            for form_field in self
            if form_field is not self.user_ids
            and self._query is not None
            and len(self._query.getlist(form_field.name)) > 1
        ]
        for form_field in repeated:
            form_field.errors = [*form_field.errors, messages.REPORT_GIVEN_TWICE]
            valid = False
        if self.period.data == Period.CUSTOM.value and not self.first.errors and not self.last.errors:
            valid = self._check_custom_dates() and valid
        if self.then_by.data != Grouping.NONE.value and not self.then_by.errors:
            if self.group_by.data == Grouping.NONE.value:
                self.then_by.errors = [messages.REPORT_THEN_BY_ALONE]
                valid = False
            elif self.group_by.data == self.then_by.data:
                self.then_by.errors = [messages.REPORT_THEN_BY_SAME]
                valid = False
        return valid

    def _check_custom_dates(self) -> bool:
        errors: dict[DateField, str] = {}
        for date_field in (self.first, self.last):
            if date_field.data is None:
                errors[date_field] = messages.REPORT_DATE_REQUIRED
            elif not time_entries.FIRST_DAY <= date_field.data <= time_entries.LAST_DAY:
                errors[date_field] = messages.DATE_OUT_OF_RANGE
        if not errors and self.first.data > self.last.data:
            errors[self.first] = messages.REPORT_FROM_AFTER_TO
        elif not errors and report_periods.too_long(self.first.data, self.last.data):
            errors[self.last] = messages.REPORT_TOO_LONG
        for date_field, message in errors.items():
            date_field.errors = [message]
        return not errors

    def dates(self, actor: User) -> tuple[date, date]:
        """Return the period's first and last day: a preset's as of ``actor``'s today."""
        period = Period(self.period.data)
        if period is Period.CUSTOM:
            return self.first.data, self.last.data
        return report_periods.dates_of(period, time_entries.today(actor), actor.group.first_day_of_week)

    def filters(self, actor: User) -> Filters:
        """Return the checked filters for ``actor`` (call after ``validate``).

        :raise PermissionDenied: a user id outside the actor's reach (views answer 403).
        :raise FieldError: a project or task that is not the group's.
        """
        first, last = self.dates(actor)
        project_id, task_id = reports.check_project_and_task(actor, self.project_id.data, self.task_id.data)
        return Filters(
            first=first,
            last=last,
            user_ids=reports.check_users(actor, self.user_ids.data or []),
            project_id=project_id,
            task_id=task_id,
            group_by=Grouping(self.group_by.data),
            then_by=Grouping(self.then_by.data),
            totals_only=self.totals_only.data,
        )

    def query_string(self) -> str:
        """Return the filters as a query string, the period kept as its preset (for saving)."""
        pairs: list[tuple[str, Any]] = [("period", self.period.data)]
        if self.period.data == Period.CUSTOM.value:
            pairs += [("from", self.first.data.isoformat()), ("to", self.last.data.isoformat())]
        pairs += [("user_id", user_id) for user_id in dict.fromkeys(self.user_ids.data or [])]
        pairs += [(chosen.name, chosen.data) for chosen in (self.project_id, self.task_id) if chosen.data]
        pairs += [("group_by", self.group_by.data), ("then_by", self.then_by.data)]
        if self.totals_only.data:
            pairs.append(("totals_only", "1"))
        return urlencode(pairs)


class SaveReportForm(FlaskForm):
    name = StringField("Report name", [fields.name_rule()])
    submit = SubmitField("Save as")


class DeleteSavedReportForm(FlaskForm):
    submit = SubmitField("Delete")
