"""Command-line tools for operators: ``flask --app timetracker group|user|demo …``.

The operator has shell access to the server, so these commands act on any group without
a logged-in actor; they still go through ``membership`` and are audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from timetracker import checks, ids, messages, validation
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.models import Group, User, users_of
from timetracker.security import authenticator
from timetracker.security.login import find_user
from timetracker.services import demo, membership

VIA = "command line"
GROUP_ID = click.IntRange(ids.SMALLEST, ids.LARGEST)  # a larger number is an error, not a crash

group_cli = AppGroup("group", help="Create and list groups.")
user_cli = AppGroup("user", help="Add users, set passwords and list users.")


def init_app(app: Flask) -> None:
    """Register the command groups with ``app``."""
    app.cli.add_command(group_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(check_command)


def _checked(rule: Callable[[str], Any]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """Turn a ``validation`` rule into a click callback that reports the broken rule."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            return rule(value)
        except validation.Invalid as error:
            raise click.BadParameter(str(error)) from None

    return callback


def _password_option() -> Callable[[Any], Any]:
    return click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        callback=_checked(validation.password),
        help="Asked for when not given.",
    )


@group_cli.command("create")
@click.option(
    "--name", required=True, callback=_checked(lambda v: validation.text(v, validation.GROUP_NAME_MAX))
)
@click.option("--manager-name", required=True, callback=_checked(validation.text))
@click.option("--login", required=True, callback=_checked(validation.login))
@click.option("--email", callback=_checked(validation.optional_email))
@_password_option()
def create_group(name: str, manager_name: str, login: str, email: str | None, password: str) -> None:
    """Create a group with the default roles and its top manager."""
    new = membership.NewGroup(name, manager_name, login, password, email)
    user = _run(lambda: membership.create_group(new, via=VIA))
    click.echo(messages.CLI_GROUP_CREATED.format(name=name, group_id=user.group_id, login=user.login))


@group_cli.command("list")
def list_groups() -> None:
    """List the groups with their ids."""
    for group in db.session.scalars(select(Group).order_by(Group.id)):
        click.echo(f"{group.id}\t{group.name}")


@user_cli.command("add")
@click.option("--group", "group_id", type=GROUP_ID, required=True, help="The group's id (see `group list`).")
@click.option("--role", "role_name", required=True, help="A role name of that group, e.g. User.")
@click.option("--login", required=True, callback=_checked(validation.login))
@click.option("--name", required=True, callback=_checked(validation.text))
@click.option("--email", callback=_checked(validation.optional_email))
@click.option("--inactive", is_flag=True, help="Create the user deactivated.")
@_password_option()
def add_user(
    group_id: int, role_name: str, login: str, name: str, email: str | None, inactive: bool, password: str
) -> None:
    """Add a user to a group."""
    group = db.session.get(Group, group_id)
    if group is None:
        raise click.ClickException(messages.CLI_NO_SUCH_GROUP.format(group_id=group_id))
    role = next((r for r in group.roles if r.name.lower() == role_name.strip().lower()), None)
    if role is None:
        names = ", ".join(r.name for r in group.roles)
        raise click.ClickException(
            messages.CLI_NO_SUCH_ROLE.format(group=group.name, role=role_name, names=names)
        )
    details = membership.UserDetails(name, login, email, role.id, not inactive, password)
    user = _run(lambda: membership.add_user(None, group, details))
    click.echo(
        messages.CLI_USER_ADDED.format(login=user.login, name=user.name, group=group.name, role=role.name)
    )


@user_cli.command("set-password")
@click.argument("login")
@_password_option()
def set_password(login: str, password: str) -> None:
    """Set a new password for LOGIN; their sessions end."""
    user = _existing_user(login)
    membership.set_password(user, password, via=VIA)
    click.echo(messages.CLI_PASSWORD_CHANGED.format(login=user.login))


@user_cli.command("reset-2fa")
@click.argument("login")
def reset_two_factor(login: str) -> None:
    """Remove LOGIN's authenticator app and recovery codes (for when no manager can log in)."""
    user = _existing_user(login)
    if not authenticator.reset(None, user):
        raise click.ClickException(messages.CLI_NOTHING_TO_RESET.format(login=user.login))
    click.echo(messages.CLI_TWO_FACTOR_RESET.format(login=user.login))


@user_cli.command("list")
@click.option("--group", "group_id", type=GROUP_ID, help="Only this group's users.")
def list_users(group_id: int | None) -> None:
    """List users: id, login, name, email, role, group and status."""
    query = users_of(group_id) if group_id is not None else select(User).order_by(User.id)
    for user in db.session.scalars(query):
        status = "active" if user.active else "inactive"
        click.echo(
            f"{user.id}\t{user.login}\t{user.name}\t{user.email or '-'}\t"
            f"{user.role.name}\t{user.group.name}\t{status}"
        )


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo group when the database has no group yet, and print its logins."""
    if demo.create_if_empty():
        click.echo(messages.CLI_DEMO_CREATED)
    click.echo(demo.describe())


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Say whether the secret key, database, migrations, mail and rate limits are ready."""
    results = checks.run_all()
    for result in results:
        click.echo(result.line())
    failed = [result for result in results if result.status is checks.Status.FAIL]
    if failed:
        raise click.ClickException(messages.CLI_CHECK_PROBLEMS.format(count=len(failed)))
    click.echo(messages.CLI_CHECK_READY)


def _existing_user(login: str) -> User:
    user = find_user(login)
    if user is None:
        raise click.ClickException(messages.CLI_NO_SUCH_USER.format(login=login))
    return user


def _run(action: Callable[[], User]) -> User:
    """Run a membership action, turning its refusals into command-line errors."""
    try:
        return action()
    except FieldError as error:
        raise click.ClickException(f"{error.field}: {error.message}") from None
    except PermissionDenied:
        raise click.ClickException(messages.CLI_ROLE_NOT_ALLOWED) from None
