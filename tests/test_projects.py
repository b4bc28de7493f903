"""The projects pages: projects and their tasks, for those who hold manage_projects."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from tests.conftest import BrowserClient, People, assert_labels, at_once, new_client
from timetracker import messages
from timetracker.errors import PermissionDenied
from timetracker.extensions import db
from timetracker.models import Project, Task, TimeEntry
from timetracker.services import projects


def add_project(people: People, name: str, *tasks: str, login: str = "top", active: bool = True) -> int:
    """Create a project with ``tasks`` through the service, as ``login``; return its id."""
    with people.app.app_context():
        actor = people.user(login)
        project = projects.create_project(actor, projects.ProjectDetails(name, "", active))
        for task in tasks:
            projects.add_task(actor, project, task)
        return project.id


def task_id(app: Flask, project_id: int, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Task.id).where(Task.project_id == project_id, Task.name == name))


def stored(app: Flask) -> list[tuple[Any, ...]]:
    """Return every project and task row, to tell whether anything changed."""
    with app.app_context():
        rows = [
            (p.id, p.group_id, p.name, p.name_key, p.description, p.active)
            for p in db.session.scalars(select(Project).order_by(Project.id))
        ]
        rows += [
            (t.id, t.project_id, t.name, t.name_key, t.active)
            for t in db.session.scalars(select(Task).order_by(Task.id))
        ]
    return rows


def project_names(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Project.name).order_by(Project.id)))


def add_entry(people: People, project_id: int, task_id: int | None = None) -> int:
    """Store an hour of Jane's time on the project (and task) directly; return the entry's id."""
    with people.app.app_context():
        entry = TimeEntry(
            user_id=people.ids["user"],
            group_id=people.group_id,
            project_id=project_id,
            task_id=task_id,
            day=date(2024, 5, 6),
            minutes=60,
        )
        db.session.add(entry)
        db.session.commit()
        return entry.id


def entry_of(app: Flask, entry_id: int) -> tuple[int, int | None, int | None]:
    with app.app_context():
        entry = db.session.get(TimeEntry, entry_id)
        assert entry is not None, "the entry is gone"
        return entry.project_id, entry.task_id, entry.minutes


def project_form(
    name: str = "Website", description: str = "The new site", active: bool = True
) -> dict[str, str]:
    """Return the project form as a browser posts it; an unticked "Active" is left out."""
    form = {"name": name, "description": description}
    return {**form, "active": "y"} if active else form


def task_form(task: int, name: str, active: bool = True) -> dict[str, str]:
    """Return a task row's form as a browser posts it."""
    form = {f"task-{task}-name": name}
    return {**form, f"task-{task}-active": "y"} if active else form


def every_post(project: int, task: int) -> dict[str, dict[str, str]]:
    """Return a form for every POST of the pages, each changing ``project`` or ``task`` if it passed."""
    return {
        "/projects/new": project_form("Sneaky"),
        f"/projects/{project}/edit": project_form("Sneaky", active=False),
        f"/projects/{project}/tasks": {"new-task-name": "Sneaky"},
        f"/projects/tasks/{task}/edit": task_form(task, "Sneaky", active=False),
    }


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(("login", "status"), [("top", 200), ("manager", 200), ("comanager", 200)])
def test_managers_of_projects_open_every_page(
    client: BrowserClient, people: People, login: str, status: int
) -> None:
    project = add_project(people, "Website")
    client.login(login)
    for url in ("/projects", "/projects/new", f"/projects/{project}/edit"):
        assert client.get(url).status_code == status, url


@pytest.mark.parametrize("login", ["supervisor", "user"])
def test_without_the_right_every_page_and_post_is_forbidden(
    app: Flask, client: BrowserClient, people: People, login: str
) -> None:
    project = add_project(people, "Website", "Design")
    task = task_id(app, project, "Design")
    before = stored(app)
    client.login(login)
    for url in ("/projects", "/projects/new", f"/projects/{project}/edit"):
        assert client.get(url).status_code == 403, url
    for url, form in every_post(project, task).items():
        assert client.submit(url, form).status_code == 403, url
    assert stored(app) == before


def test_every_post_without_its_token_is_refused(app: Flask, client: BrowserClient, people: People) -> None:
    project = add_project(people, "Website", "Design")
    task = task_id(app, project, "Design")
    before = stored(app)
    client.login("top")
    for url, form in every_post(project, task).items():
        response = client.post(url, data=form)
        assert response.status_code == 400 and "Reload the page and try again." in response.text, url
    assert stored(app) == before


def test_navigation_links_projects_for_those_who_manage_them(client: BrowserClient, people: People) -> None:
    client.login("user")
    assert 'href="/projects"' not in client.get("/").text
    client.submit("/logout")
    client.login("comanager")
    assert 'href="/projects"' in client.get("/").text
    assert '<a href="/projects" aria-current="page">Projects</a>' in client.get("/projects/new").text


def test_project_form_has_the_labels(client: BrowserClient, people: People) -> None:
    client.login("comanager")
    page = client.get("/projects/new").text
    assert_labels(page, {"name": "Name", "description": "Description"})
    assert '<label class="checkbox" for="active">' in page and "<span>Active</span>" in page
    assert 'value="Save"' in page
    assert "Add task" not in page  # tasks come once the project exists


def test_edit_page_has_a_task_form_and_a_row_per_task(
    app: Flask, client: BrowserClient, people: People
) -> None:
    project = add_project(people, "Website", "Design", "Build")
    design, build = task_id(app, project, "Design"), task_id(app, project, "Build")
    client.login("comanager")
    page = client.get(f"/projects/{project}/edit").text
    assert_labels(
        page,
        {
            "name": "Name",
            "description": "Description",
            "new-task-name": "Task name",
            f"task-{design}-name": "Task name",
            f"task-{build}-name": "Task name",
        },
    )
    assert f'<label class="checkbox" for="task-{design}-active">' in page
    assert 'value="Add task"' in page and page.count('value="Save"') == 3
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "field ids repeat on the page"


# --- projects -----------------------------------------------------------------------------------


def test_a_new_project_is_listed(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("comanager")
    response = client.submit("/projects/new", project_form("Website"))
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.name == "Website"))
        assert (project.group_id, project.name_key, project.description, project.active) == (
            people.group_id,
            "website",
            "The new site",
            True,
        )
    assert response.status_code == 302 and response.location == f"/projects/{project.id}/edit"
    assert "Project Website was added; add its tasks below." in client.get(response.location).text
    page = client.get("/projects").text
    assert "Website" in page and "The new site" in page


def test_a_name_taken_in_another_case_is_refused(app: Flask, client: BrowserClient, people: People) -> None:
    add_project(people, "Website")
    client.login("comanager")
    response = client.submit("/projects/new", project_form("WEBSITE"))
    assert response.status_code == 200 and messages.PROJECT_NAME_TAKEN in response.text
    assert project_names(app) == ["Website"]


def test_another_group_may_use_the_same_name(app: Flask, client: BrowserClient, people: People) -> None:
    add_project(people, "Website")
    client.login("other-top")
    assert client.submit("/projects/new", project_form("website")).status_code == 302
    assert project_names(app) == ["Website", "website"]


def test_rename_a_project(app: Flask, client: BrowserClient, people: People) -> None:
    project = add_project(people, "Website")
    client.login("comanager")
    response = client.submit(f"/projects/{project}/edit", project_form("Web shop", "Sells things"))
    assert response.status_code == 302 and response.location == "/projects"
    assert "Project Web shop was saved." in client.get("/projects").text
    assert stored(app) == [(project, people.group_id, "Web shop", "web shop", "Sells things", True)]


def test_a_project_may_change_the_case_of_its_own_name(
    app: Flask, client: BrowserClient, people: People
) -> None:
    project = add_project(people, "website")
    client.login("comanager")
    assert client.submit(f"/projects/{project}/edit", project_form("Website")).status_code == 302
    assert project_names(app) == ["Website"]


def test_renaming_to_another_projects_name_is_refused(
    app: Flask, client: BrowserClient, people: People
) -> None:
    add_project(people, "Website")
    project = add_project(people, "Shop")
    before = stored(app)
    client.login("comanager")
    response = client.submit(f"/projects/{project}/edit", project_form("webSITE"))
    assert response.status_code == 200 and messages.PROJECT_NAME_TAKEN in response.text
    assert "Edit project: Shop" in response.text
    assert stored(app) == before


def test_deactivate_and_reactivate_a_project_keeps_its_entries(
    app: Flask, client: BrowserClient, people: People
) -> None:
    project = add_project(people, "Website", "Design")
    add_project(people, "Zoo")
    design = task_id(app, project, "Design")
    entry = add_entry(people, project, design)
    client.login("comanager")

    assert client.submit(f"/projects/{project}/edit", project_form(active=False)).status_code == 302
    assert entry_of(app, entry) == (project, design, 60)
    page = client.get("/projects").text
    assert page.index("<td>Zoo</td>") < page.index("<td>Website</td>"), "active projects come first"
    assert re.search(r'<tr class="inactive">\s*<td>Website</td>', page)
    assert ">inactive</span>" in page

    assert client.submit(f"/projects/{project}/edit", project_form()).status_code == 302
    assert entry_of(app, entry) == (project, design, 60)
    page = client.get("/projects").text
    assert page.index("<td>Website</td>") < page.index("<td>Zoo</td>") and 'class="inactive"' not in page


# --- tasks ---------------------------------------------------------------------------------------


def test_add_a_task(app: Flask, client: BrowserClient, people: People) -> None:
    project = add_project(people, "Website")
    client.login("comanager")
    response = client.submit(f"/projects/{project}/tasks", {"new-task-name": " Design "})
    assert response.status_code == 302 and response.location == f"/projects/{project}/edit"
    page = client.get(response.location).text
    assert "Task Design was added." in page and 'value="Design"' in page
    assert '<span class="tag">Design</span>' in client.get("/projects").text


def test_a_task_name_taken_in_another_case_is_refused(
    app: Flask, client: BrowserClient, people: People
) -> None:
    project = add_project(people, "Website", "Design")
    other_project = add_project(people, "Shop")
    before = stored(app)
    client.login("comanager")
    response = client.submit(f"/projects/{project}/tasks", {"new-task-name": "DESIGN"})
    assert response.status_code == 200 and messages.TASK_NAME_TAKEN in response.text
    assert stored(app) == before
    assert client.submit(f"/projects/{other_project}/tasks", {"new-task-name": "design"}).status_code == 302


def test_rename_a_task(app: Flask, client: BrowserClient, people: People) -> None:
    project = add_project(people, "Website", "Design", "Build")
    design = task_id(app, project, "Design")
    client.login("comanager")
    response = client.submit(f"/projects/tasks/{design}/edit", task_form(design, "Visual design"))
    assert response.status_code == 302 and response.location == f"/projects/{project}/edit"
    assert "Task Visual design was saved." in client.get(response.location).text
    refused = client.submit(f"/projects/tasks/{design}/edit", task_form(design, "build"))
    assert refused.status_code == 200 and messages.TASK_NAME_TAKEN in refused.text
    assert 'value="build"' in refused.text  # the row keeps what was typed
    assert task_id(app, project, "Visual design") == design


def test_deactivate_and_reactivate_a_task_keeps_its_entries(
    app: Flask, client: BrowserClient, people: People
) -> None:
    project = add_project(people, "Website", "Design")
    design = task_id(app, project, "Design")
    entry = add_entry(people, project, design)
    client.login("comanager")

    url = f"/projects/tasks/{design}/edit"
    assert client.submit(url, task_form(design, "Design", active=False)).status_code == 302
    assert entry_of(app, entry) == (project, design, 60)
    assert "Design <small>(inactive)</small>" in client.get("/projects").text
    assert '<span class="badge off">inactive</span>' in client.get(f"/projects/{project}/edit").text

    assert client.submit(url, task_form(design, "Design")).status_code == 302
    assert entry_of(app, entry) == (project, design, 60)
    assert "(inactive)" not in client.get("/projects").text


# --- another group's ids ----------------------------------------------------------------------------


def test_another_groups_project_and_task_are_not_found(
    app: Flask, client: BrowserClient, people: People
) -> None:
    project = add_project(people, "Secret", "Hidden", login="other-top")
    task = task_id(app, project, "Hidden")
    before = stored(app)
    client.login("top")
    assert client.get(f"/projects/{project}/edit").status_code == 404
    assert "Secret" not in client.get("/projects").text
    answers = [
        client.submit(f"/projects/{project}/edit", project_form("Mine", active=False)),
        client.submit(f"/projects/{project}/tasks", {"new-task-name": "Mine"}),
        client.submit(f"/projects/tasks/{task}/edit", task_form(task, "Mine", active=False)),
    ]
    assert [answer.status_code for answer in answers] == [404, 404, 404]
    assert stored(app) == before


def test_the_service_refuses_another_group_and_a_role_without_the_right(app: Flask, people: People) -> None:
    project_id = add_project(people, "Website", "Design")
    before = stored(app)
    with app.app_context():
        project = db.session.get(Project, project_id)
        task = project.tasks[0]
        details = projects.ProjectDetails("Mine", "", False)
        outsider, jane = people.user("other-top"), people.user("user")
        refused = [
            lambda: projects.update_project(outsider, project, details),
            lambda: projects.add_task(outsider, project, "Mine"),
            lambda: projects.update_task(outsider, task, projects.TaskDetails("Mine", False)),
            lambda: projects.task_of(outsider, task.id),
            lambda: projects.create_project(jane, details),
            lambda: projects.projects_of(jane),
            lambda: projects.project_of(jane, project_id),
        ]
        for call in refused:
            with pytest.raises(PermissionDenied):
                call()
    assert stored(app) == before


@pytest.mark.parametrize("number", ["2147483647", str(2**31), "9" * 25])
def test_unknown_ids_are_not_found(client: BrowserClient, people: People, number: str) -> None:
    client.login("top")
    assert client.get(f"/projects/{number}/edit").status_code == 404
    assert client.submit(f"/projects/{number}/tasks", {"new-task-name": "X"}).status_code == 404
    assert client.submit(f"/projects/tasks/{number}/edit", {}).status_code == 404


# --- bad input --------------------------------------------------------------------------------------

BAD_NAMES = {
    "empty": ("   ", messages.FIELD_REQUIRED),
    "control": ("Web\x07site", messages.TEXT_CHARACTERS),
    "bidi": ("Web\u202esite", messages.TEXT_CHARACTERS),
    "html": ("<script>x</script>", messages.TEXT_CHARACTERS),
    "too long": ("x" * 101, messages.TOO_LONG.format(maximum=100)),
    "too long folded": ("ß" * 60, messages.TOO_LONG.format(maximum=100)),
}


def _bad_posts(app: Flask, people: People, bad: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Return, for each form of the pages, its URL and a form with ``bad`` in its name field."""
    project = add_project(people, "Website", "Design")
    task = task_id(app, project, "Design")
    return {
        "new project": ("/projects/new", project_form(bad)),
        "edit project": (f"/projects/{project}/edit", project_form(bad)),
        "new task": (f"/projects/{project}/tasks", {"new-task-name": bad}),
        "rename task": (f"/projects/tasks/{task}/edit", task_form(task, bad)),
    }


@pytest.mark.parametrize("form_name", ["new project", "edit project", "new task", "rename task"])
@pytest.mark.parametrize("kind", list(BAD_NAMES))
def test_bad_input_gives_a_field_error(
    app: Flask, client: BrowserClient, people: People, form_name: str, kind: str
) -> None:
    bad, message = BAD_NAMES[kind]
    url, form = _bad_posts(app, people, bad)[form_name]
    before = stored(app)
    client.login("comanager")
    response = client.submit(url, form)
    assert response.status_code == 200
    assert f'<p class="error" role="alert">{escape(message)}</p>' in response.text
    assert "<script>" not in response.text
    assert stored(app) == before


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("Line\x00break", messages.TEXT_CHARACTERS),
        ("<b>bold</b>", messages.TEXT_CHARACTERS),
        ("x" * 1001, messages.TOO_LONG.format(maximum=1000)),
    ],
)
def test_a_bad_description_is_refused(
    app: Flask, client: BrowserClient, people: People, description: str, message: str
) -> None:
    client.login("comanager")
    response = client.submit("/projects/new", project_form("Fine", description))
    assert response.status_code == 200
    assert f'<p class="error" role="alert">{escape(message)}</p>' in response.text
    assert project_names(app) == []


# --- at once --------------------------------------------------------------------------------------


def two_browsers(app: Flask) -> list[BrowserClient]:
    """Return two browsers logged in as two people who manage Acme's projects."""
    browsers = [new_client(app), new_client(app)]
    for browser, login in zip(browsers, ("top", "comanager"), strict=True):
        browser.login(login)
    return browsers


def post_at_once(browsers: list[BrowserClient], url: str, forms: list[dict[str, str]]) -> list[Any]:
    """Post ``forms[i]`` to ``url`` from ``browsers[i]``, both at once; return the answers."""
    return at_once(2, lambda index: browsers[index].submit(url, forms[index]))


def test_the_same_project_added_twice_at_once_is_stored_once(app: Flask, people: People) -> None:
    browsers = two_browsers(app)
    for round_number in range(4):
        name = f"Project {round_number}"
        answers = post_at_once(browsers, "/projects/new", [project_form(name), project_form(name.upper())])
        assert sorted(answer.status_code for answer in answers) == [200, 302]
        refused = next(answer for answer in answers if answer.status_code == 200)
        assert messages.PROJECT_NAME_TAKEN in refused.text
    assert len(project_names(app)) == 4


def test_the_same_task_added_twice_at_once_is_stored_once(app: Flask, people: People) -> None:
    project = add_project(people, "Website")
    browsers = two_browsers(app)
    for round_number in range(4):
        name = f"Task {round_number}"
        forms = [{"new-task-name": name}, {"new-task-name": name.lower()}]
        answers = post_at_once(browsers, f"/projects/{project}/tasks", forms)
        assert sorted(answer.status_code for answer in answers) == [200, 302]
        refused = next(answer for answer in answers if answer.status_code == 200)
        assert messages.TASK_NAME_TAKEN in refused.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Task.id))) == 4
