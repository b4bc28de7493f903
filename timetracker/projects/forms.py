"""Forms of the projects pages: a project, a new task, and one row per task."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField

from timetracker import validation
from timetracker.web import fields


class ProjectForm(FlaskForm):
    name = StringField("Name", [fields.name_rule()])
    description = StringField(
        "Description",
        [fields.Rule(lambda value: validation.optional_text(value, validation.DESCRIPTION_MAX))],
    )
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save")


class NewTaskForm(FlaskForm):
    name = StringField("Task name", [fields.name_rule()])
    submit = SubmitField("Add task")


class TaskForm(FlaskForm):
    """A task's row on its project's page; give each row its own ``prefix`` so ids stay unique."""

    name = StringField("Task name", [fields.name_rule()])
    active = BooleanField("Active")
    submit = SubmitField("Save")
