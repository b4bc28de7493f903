"""The group's projects and their tasks: every read and write of the projects pages goes through here.

Each function demands that the actor holds ``manage_projects`` and belongs to the project's
group; a project or task of another group is ``PermissionDenied`` (views answer 404). Names
come checked by ``validation.text``; they are unique regardless of case (``name_key``), in the
group for a project and in the project for a task. Nothing here deletes a row: a project or
task that is no longer used is deactivated, and the entries that use it stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from timetracker import database, messages, validation
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.models import Project, Task, User
from timetracker.rights import Right


@dataclass(frozen=True)
class ProjectDetails:
    """A project as its form gives it."""

    name: str
    description: str
    active: bool


@dataclass(frozen=True)
class TaskDetails:
    """A task as its row's form gives it."""

    name: str
    active: bool


def projects_of(actor: User) -> list[Project]:
    """Return the actor's group's projects to manage, as ``group_projects``."""
    _require_manager(actor)
    return group_projects(actor.group_id)


def group_projects(group_id: int) -> list[Project]:
    """Return a group's projects, active first, then by name, with their tasks (no rights checked)."""
    query = (
        select(Project)
        .where(Project.group_id == group_id)
        .order_by(Project.active.desc(), Project.name_key)
        .options(selectinload(Project.tasks))
    )
    return list(db.session.scalars(query))


def project_of(actor: User, project_id: int) -> Project:
    """Return the project with this id if it is of the actor's group.

    :raise PermissionDenied: no such project in the actor's group, or the actor lacks the right.
    """
    _require_manager(actor)
    project = database.get(Project, project_id)
    if project is None or project.group_id != actor.group_id:
        raise PermissionDenied()
    return project


def task_of(actor: User, task_id: int) -> Task:
    """Return the task with this id if its project is of the actor's group.

    :raise PermissionDenied: no such task in the actor's group, or the actor lacks the right.
    """
    _require_manager(actor)
    task = database.get(Task, task_id)
    if task is None or task.project.group_id != actor.group_id:
        raise PermissionDenied()
    return task


def create_project(actor: User, details: ProjectDetails) -> Project:
    """Add a project to the actor's group.

    :raise FieldError: on "name", when another project of the group has the name in any case.
    """
    _require_manager(actor)
    project = Project(group_id=actor.group_id)
    _apply_project(project, details)
    db.session.add(project)
    _commit_claiming_name(messages.PROJECT_NAME_TAKEN)
    return project


def update_project(actor: User, project: Project, details: ProjectDetails) -> None:
    """Change the project's name, description and whether it takes new time.

    :raise FieldError: on "name", when another project of the group has the name in any case.
    """
    _require_in_reach(actor, project)
    _apply_project(project, details)
    _commit_claiming_name(messages.PROJECT_NAME_TAKEN)


def add_task(actor: User, project: Project, name: str) -> Task:
    """Add an active task to the project.

    :raise FieldError: on "name", when the project has a task of that name in any case.
    """
    _require_in_reach(actor, project)
    key = _free_key(Task, Task.project_id == project.id, None, name, messages.TASK_NAME_TAKEN)
    task = Task(project=project, name=name, name_key=key, active=True)
    db.session.add(task)
    _commit_claiming_name(messages.TASK_NAME_TAKEN)
    return task


def update_task(actor: User, task: Task, details: TaskDetails) -> None:
    """Rename the task and deactivate or reactivate it.

    :raise FieldError: on "name", when another task of its project has the name in any case.
    """
    _require_in_reach(actor, task.project)
    scope = Task.project_id == task.project_id
    task.name_key = _free_key(Task, scope, task.id, details.name, messages.TASK_NAME_TAKEN)
    task.name, task.active = details.name, details.active
    _commit_claiming_name(messages.TASK_NAME_TAKEN)


def _apply_project(project: Project, details: ProjectDetails) -> None:
    """Copy ``details`` onto ``project`` once its name is known to be free in its group."""
    scope = Project.group_id == project.group_id
    project.name_key = _free_key(Project, scope, project.id, details.name, messages.PROJECT_NAME_TAKEN)
    project.name, project.description, project.active = details.name, details.description, details.active


def _free_key(
    model: type[Project] | type[Task], scope: ColumnElement[bool], own_id: int | None, name: str, message: str
) -> str:
    """Return the name's key, unless a row of ``model`` in ``scope`` other than ``own_id`` holds it.

    :raise FieldError: on "name", with ``message`` when the name is taken.
    """
    try:
        key = validation.name_key(name)
    except validation.Invalid as error:
        raise FieldError("name", str(error)) from None
    same_name = select(model.id).where(scope, model.name_key == key)
    if own_id is not None:
        same_name = same_name.where(model.id != own_id)
    if db.session.scalar(same_name.limit(1)) is not None:
        raise FieldError("name", message)
    return key


def _commit_claiming_name(message: str) -> None:
    """Commit; a name taken meanwhile by a concurrent request becomes a field error on "name"."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise FieldError("name", message) from None


def _require_manager(actor: User) -> None:
    if not (actor.is_active and actor.can(Right.MANAGE_PROJECTS)):
        raise PermissionDenied()


def _require_in_reach(actor: User, project: Project) -> None:
    _require_manager(actor)
    if project.group_id != actor.group_id:
        raise PermissionDenied()
