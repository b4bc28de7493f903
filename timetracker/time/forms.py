"""Forms of the Time page: an entry by duration or start and finish, the timer, deleting."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Optional

from timetracker import validation
from timetracker.models import Project, Task
from timetracker.web import fields


class _ProjectAndTask(FlaskForm):
    project_id = fields.IdSelectField("Project")
    task_id = fields.IdSelectField("Task")
    note = TextAreaField("Note", [fields.Rule(validation.note)])

    def offer(self, projects: list[Project], kept: Task | None = None) -> None:
        """Offer ``projects`` and their active tasks, grouped by project (a script may narrow them).

        ``kept`` is offered even when inactive: an entry being edited keeps its task.
        """
        self.project_id.choices = [SelectChoice("", "Choose a project")] + [
            SelectChoice(str(project.id), project.name) for project in projects
        ]
        self.task_id.choices = [SelectChoice("", "No task")] + [
            SelectChoice(str(task.id), task.name, optgroup=project.name)
            for project in projects
            for task in project.tasks
            if task.active or task is kept
        ]


class EntryForm(_ProjectAndTask):
    duration = StringField("Duration", [Optional(), fields.Rule(validation.duration)])
    start = TimeField("Start", [Optional()])
    finish = TimeField("Finish", [Optional()])
    submit = SubmitField("Save")


class EditEntryForm(EntryForm):
    day = DateField("Date", [InputRequired()])


class TimerForm(_ProjectAndTask):
    submit = SubmitField("Start timer")


class StopTimerForm(FlaskForm):
    submit = SubmitField("Stop timer")


class DeleteForm(FlaskForm):
    submit = SubmitField("Delete")
