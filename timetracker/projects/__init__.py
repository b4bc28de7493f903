"""Blueprint: the group's projects and their tasks, for those who manage them."""

from timetracker.projects import views  # noqa: F401  (attach the routes)
from timetracker.projects.blueprint import bp

__all__ = ["bp"]
