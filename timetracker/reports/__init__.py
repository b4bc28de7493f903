"""Blueprint: reports of time by date, user, project and task, a chart, CSV, saved reports."""

from timetracker.reports import views  # noqa: F401  (attach the routes)
from timetracker.reports.blueprint import bp

__all__ = ["bp"]
