"""Blueprint: the user's own profile."""

from flask import Blueprint

bp = Blueprint("profile", __name__)

from timetracker.profile import security, views  # noqa: E402,F401  (attach the routes)
