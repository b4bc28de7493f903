"""The demo group that the quick start creates in a new database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from timetracker import messages
from timetracker.extensions import db
from timetracker.models import Group
from timetracker.services import membership

GROUP_NAME = "Demo Team"
PASSWORD = "demo-password"
VIA = "demo data"


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    role: str
    email: str | None


TOP_MANAGER = DemoUser("top", "Tess Top", "Top manager", "top@example.com")
USERS = (
    DemoUser("manager", "Mark Manager", "Manager", "manager@example.com"),
    DemoUser("user", "Jane User", "User", "jane@example.com"),
    DemoUser("noemail", "Nick Noemail", "User", None),
)


def create_if_empty() -> bool:
    """Create the demo group and its users if there is no group at all; tell whether it did."""
    if db.session.scalar(select(exists().select_from(Group))):
        return False
    top = membership.create_group(
        membership.NewGroup(GROUP_NAME, TOP_MANAGER.name, TOP_MANAGER.login, PASSWORD, TOP_MANAGER.email),
        via=VIA,
    )
    roles = {role.name: role.id for role in top.group.roles}
    for user in USERS:
        details = membership.UserDetails(user.name, user.login, user.email, roles[user.role], True, PASSWORD)
        membership.add_user(None, top.group, details)
    return True


def describe() -> str:
    """Return the demo logins as a short table for the console."""
    rows = [f"  {u.login:<9} {u.role:<12} {u.email or '(no email)'}" for u in (TOP_MANAGER, *USERS)]
    return "\n".join([messages.CLI_DEMO_LOGINS.format(group=GROUP_NAME, password=PASSWORD), *rows])
