"""Blueprint: the user's own profile and its Security tab."""

from timetracker.profile import authenticator, own_factor, security_keys, sessions, views  # noqa: F401  (attach the routes)
from timetracker.profile.blueprint import bp

__all__ = ["bp"]
