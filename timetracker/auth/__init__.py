"""Blueprint: logging in and out, the second factor, the password reset, registering a group."""

from timetracker.auth import reset, two_factor, views  # noqa: F401  (attach the routes)
from timetracker.auth.blueprint import bp

__all__ = ["bp"]
