"""Views of the projects pages: the list, a new project, editing one and its tasks."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.errors import FieldError, PermissionDenied
from timetracker.models import Project, Task
from timetracker.projects.blueprint import bp
from timetracker.projects.forms import NewTaskForm, ProjectForm, TaskForm
from timetracker.rights import Right
from timetracker.services import projects
from timetracker.web import fields
from timetracker.web.access import right_required

NEW_TASK = "new-task"


@bp.route("/projects")
@right_required(Right.MANAGE_PROJECTS)
def index() -> str:
    """List the group's projects with their tasks, active ones first."""
    return render_template("projects/projects.html", projects=projects.projects_of(current_user))


@bp.route("/projects/new", methods=["GET", "POST"])
@right_required(Right.MANAGE_PROJECTS)
def new_project() -> Response | str:
    """Add a project to the group, then go on to its tasks."""
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = projects.create_project(current_user, _details(form))
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.PROJECT_CREATED.format(name=project.name), "success")
            return redirect(url_for("projects.edit_project", project_id=project.id))
    return render_template("projects/project_form.html", form=form, project=None)


@bp.route("/projects/<id:project_id>/edit", methods=["GET", "POST"])
@right_required(Right.MANAGE_PROJECTS)
def edit_project(project_id: int) -> Response | str:
    """Change a project's name, description and whether it takes new time."""
    project = _project(project_id)
    form = ProjectForm(obj=project)
    if form.validate_on_submit():
        try:
            projects.update_project(current_user, project, _details(form))
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.PROJECT_SAVED.format(name=project.name), "success")
            return redirect(url_for("projects.index"))
    return _edit_page(project, form=form)


@bp.route("/projects/<id:project_id>/tasks", methods=["POST"])
@right_required(Right.MANAGE_PROJECTS)
def add_task(project_id: int) -> Response | str:
    """Add a task to a project."""
    project = _project(project_id)
    form = NewTaskForm(prefix=NEW_TASK)
    if form.validate_on_submit():
        try:
            task = projects.add_task(current_user, project, form.name.data)
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.TASK_ADDED.format(name=task.name), "success")
            return redirect(url_for("projects.edit_project", project_id=project.id))
    return _edit_page(project, new_task=form)


@bp.route("/projects/tasks/<id:task_id>/edit", methods=["POST"])
@right_required(Right.MANAGE_PROJECTS)
def edit_task(task_id: int) -> Response | str:
    """Rename a task, or deactivate or reactivate it."""
    task = _task(task_id)
    form = _task_form(task)
    if form.validate_on_submit():
        try:
            projects.update_task(current_user, task, projects.TaskDetails(form.name.data, form.active.data))
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.TASK_SAVED.format(name=task.name), "success")
            return redirect(url_for("projects.edit_project", project_id=task.project_id))
    return _edit_page(task.project, posted_task=(task.id, form))


def _edit_page(
    project: Project,
    *,
    form: ProjectForm | None = None,
    new_task: NewTaskForm | None = None,
    posted_task: tuple[int, TaskForm] | None = None,
) -> str:
    """Render the project's page; the one form that was posted keeps what was typed and its errors."""
    task_forms = {task.id: _task_form(task, formdata=None) for task in project.tasks}
    if posted_task:
        task_id, posted = posted_task
        task_forms[task_id] = posted
    return render_template(
        "projects/project_form.html",
        project=project,
        form=form or ProjectForm(obj=project, formdata=None),
        new_task=new_task or NewTaskForm(prefix=NEW_TASK, formdata=None),
        task_forms=task_forms,
    )


def _project(project_id: int) -> Project:
    """Return the group's project with this id.

    :raise 404: no such project in this group.
    """
    try:
        return projects.project_of(current_user, project_id)
    except PermissionDenied:
        abort(404)


def _task(task_id: int) -> Task:
    """Return the task with this id of one of the group's projects.

    :raise 404: no such task in this group.
    """
    try:
        return projects.task_of(current_user, task_id)
    except PermissionDenied:
        abort(404)


def _task_form(task: Task, **options: object) -> TaskForm:
    return TaskForm(prefix=f"task-{task.id}", obj=task, **options)


def _details(form: ProjectForm) -> projects.ProjectDetails:
    return projects.ProjectDetails(
        name=form.name.data, description=form.description.data, active=form.active.data
    )
