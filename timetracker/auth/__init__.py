"""Blueprint: logging in and out, and registering a new group."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from timetracker.auth import reset, two_factor, views  # noqa: E402,F401  (attach the routes)
