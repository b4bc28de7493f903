"""The demo group that the quick start creates in a new database, with a few weeks of time."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, select

from timetracker import messages
from timetracker.extensions import db
from timetracker.models import Group, User
from timetracker.services import membership, time_entries
from timetracker.services import projects as projects_service
from timetracker.services.time_entries import EntryDetails

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
    DemoUser("supervisor", "Sam Supervisor", "Supervisor", "sam@example.com"),
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
    _add_time(top)
    return True


PROJECTS = {
    "Website redesign": ("Design", "Development", "Review"),
    "Customer support": ("Email", "Phone"),
    "Internal": ("Meetings", "Admin"),
}
WEEKS_OF_TIME = 4
NOTES = ("", "", "", "Weekly sync", "Ticket backlog", "Landing page", "Release prep")


def _add_time(top: User) -> None:
    """Give the group projects, and its members the last weeks' working days of time."""
    projects = []
    for name, tasks in PROJECTS.items():
        project = projects_service.create_project(top, projects_service.ProjectDetails(name, "", active=True))
        for task in tasks:
            projects_service.add_task(top, project, task)
        projects.append(project)
    pick = random.Random(2026)  # the same demo every time
    workers = db.session.scalars(select(User).order_by(User.id)).all()
    for user in workers:
        today = time_entries.today(user)
        for back in range(WEEKS_OF_TIME * 7, 0, -1):
            day = today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for minutes in _a_day_of_work(pick):
                project = pick.choice(projects)
                task = pick.choice(project.tasks)
                details = EntryDetails(day, project.id, task.id, minutes=minutes, note=pick.choice(NOTES))
                time_entries.create(user, user, details)


def _a_day_of_work(pick: random.Random) -> list[int]:
    """Return two to four durations (in minutes, quarter hours) that make a working day of 6–8.5 h."""
    total = pick.randrange(24, 35) * 15
    parts = pick.randrange(2, 5)
    cuts = sorted(pick.sample(range(1, total // 15), parts - 1))
    edges = [0, *cuts, total // 15]
    return [(end - start) * 15 for start, end in zip(edges, edges[1:], strict=False)]


def describe() -> str:
    """Return the demo logins as a short table for the console."""
    rows = [f"  {u.login:<10} {u.role:<12} {u.email or '(no email)'}" for u in (TOP_MANAGER, *USERS)]
    return "\n".join([messages.CLI_DEMO_LOGINS.format(group=GROUP_NAME, password=PASSWORD), *rows])
