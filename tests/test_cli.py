"""The operator's command line."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import People, audit_trail, new_client
from timetracker.extensions import db
from timetracker.models import Group, Project, TimeEntry, User


def test_group_create_prompts_for_the_password(app: Flask, runner: Any) -> None:
    result = runner.invoke(
        args=["group", "create", "--name", "Ops", "--manager-name", "Olive Ops", "--login", "Olive"],
        input="long password\nlong password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created group 'Ops' (id 1) with top manager 'olive'." in result.output
    assert "long password" not in result.output
    assert audit_trail(app) == [("group created", None, "olive")]
    client = app.test_client()
    assert client.login("olive", "long password").location == "/"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--login", "bad login"], "Use letters, digits and . _ @ + - only"),
        (["--email", "not-an-email"], "--email"),
        (["--name", ""], "This field is required."),
        (["--password", "short"], "Use at least 8 characters."),
    ],
)
def test_group_create_refuses_bad_input(app: Flask, runner: Any, args: list[str], message: str) -> None:
    base = {"--name": "Ops", "--manager-name": "Olive", "--login": "olive", "--password": "long password"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = runner.invoke(args=["group", "create", *[item for pair in base.items() for item in pair]])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Group.id))) == 0


def test_group_create_refuses_a_taken_login(app: Flask, runner: Any, people: People) -> None:
    result = runner.invoke(
        args=[
            "group",
            "create",
            "--name",
            "Ops",
            "--manager-name",
            "O",
            "--login",
            "TOP",
            "--password",
            "long password",
        ]
    )
    assert result.exit_code == 1
    assert "login: This login is already taken." in result.output


def test_group_list(runner: Any, people: People) -> None:
    result = runner.invoke(args=["group", "list"])
    assert result.output.splitlines() == [f"{people.group_id}\tAcme", f"{people.other_group_id}\tOther"]


def test_user_add(app: Flask, runner: Any, people: People) -> None:
    result = runner.invoke(
        args=[
            "user",
            "add",
            "--group",
            str(people.group_id),
            "--role",
            "co-manager",
            "--login",
            "Cleo",
            "--name",
            "Cleo Co",
            "--email",
            "cleo@example.com",
            "--password",
            "long password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Added 'cleo' (Cleo Co) to group 'Acme' as Co-manager." in result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == "cleo"))
        assert (user.role.name, user.group_id, user.email, user.active) == (
            "Co-manager",
            people.group_id,
            "cleo@example.com",
            True,
        )


@pytest.mark.parametrize(
    ("group", "role", "message"),
    [
        ("999", "User", "There is no group with id 999."),
        (None, "Boss", "has no role 'Boss'. Its roles: User,"),
    ],
)
def test_user_add_refuses_unknown_group_or_role(
    app: Flask, runner: Any, people: People, group: str | None, role: str, message: str
) -> None:
    result = runner.invoke(
        args=[
            "user",
            "add",
            "--group",
            group or str(people.group_id),
            "--role",
            role,
            "--login",
            "cleo",
            "--name",
            "Cleo",
            "--password",
            "long password",
        ]
    )
    assert result.exit_code == 1
    assert message in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["user", "list"],
        ["user", "add", "--role", "User", "--login", "cleo", "--name", "Cleo", "--password", "long password"],
    ],
)
def test_a_group_id_too_large_for_the_database_is_refused(
    app: Flask, runner: Any, people: People, command: list[str]
) -> None:
    result = runner.invoke(args=[*command, "--group", "9" * 25])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--group'" in result.output


def test_set_password_ends_sessions(app: Flask, runner: Any, people: People) -> None:
    browser = new_client(app)
    browser.login("user")
    result = runner.invoke(args=["user", "set-password", "USER"], input="brand new pass\nbrand new pass\n")
    assert result.exit_code == 0, result.output
    assert "Password of 'user' was changed." in result.output
    assert browser.get("/").status_code == 302
    assert browser.login("user", "brand new pass").location == "/"
    assert ("password changed", None, "user") in audit_trail(app)


def test_set_password_for_unknown_login(runner: Any, people: People) -> None:
    result = runner.invoke(args=["user", "set-password", "ghost", "--password", "long password"])
    assert result.exit_code == 1
    assert "There is no user with login 'ghost'." in result.output


def test_user_list(runner: Any, people: People) -> None:
    lines = runner.invoke(args=["user", "list", "--group", str(people.group_id)]).output.splitlines()
    assert len(lines) == 6
    assert f"{people.ids['noemail']}\tnoemail\tNick Noemail\t-\tUser\tAcme\tactive" in lines
    assert len(runner.invoke(args=["user", "list"]).output.splitlines()) == 8


def test_demo_creates_its_group_once(app: Flask, runner: Any) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0
    assert "Created the demo group." in first.output
    for login in ["top", "manager", "supervisor", "user", "noemail"]:
        assert f"  {login} " in first.output
    second = runner.invoke(args=["demo"])
    assert "Created the demo group." not in second.output and "demo-password" in second.output
    with app.app_context():
        users = {u.login: (u.role.name, u.email) for u in db.session.scalars(db.select(User))}
    assert users == {
        "top": ("Top manager", "top@example.com"),
        "manager": ("Manager", "manager@example.com"),
        "supervisor": ("Supervisor", "sam@example.com"),
        "user": ("User", "jane@example.com"),
        "noemail": ("User", None),
    }
    with app.app_context():
        projects = db.session.scalars(db.select(Project.name).order_by(Project.name)).all()
        worked = db.session.scalars(
            db.select(User.login).join(TimeEntry, TimeEntry.user_id == User.id).distinct()
        )
        assert projects == ["Customer support", "Internal", "Website redesign"]
        assert set(worked) == {"top", "manager", "supervisor", "user", "noemail"}
        days = db.session.scalar(db.select(db.func.count(db.distinct(TimeEntry.day))))
        assert days == 20  # four weeks of working days
