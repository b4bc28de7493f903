"""Blueprint: the group page and advanced settings, its users and roles, members report, audit log."""

from timetracker.group import audit, members, roles, settings, users  # noqa: F401  (attach the routes)
from timetracker.group.blueprint import bp

__all__ = ["bp"]
