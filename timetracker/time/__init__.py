"""Blueprint: tracking time, a day at a time with the timer, or a week in a grid."""

from timetracker.time import day, week  # noqa: F401  (attach the routes)
from timetracker.time.blueprint import bp

__all__ = ["bp"]
