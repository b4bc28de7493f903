"""Blueprint: the start page behind the login."""

from timetracker.home import views  # noqa: F401  (attaches the routes)
from timetracker.home.blueprint import bp

__all__ = ["bp"]
