"""Blueprint: the JSON API for mobile and desktop clients."""

from timetracker.api import auth, openapi, reports, time  # noqa: F401  (attach the routes)
from timetracker.api.blueprint import PREFIX, bp

__all__ = ["PREFIX", "bp"]
