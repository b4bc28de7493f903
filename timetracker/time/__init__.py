"""Blueprint: the landing area behind the login."""

from flask import Blueprint

bp = Blueprint("time", __name__)

from timetracker.time import views  # noqa: E402,F401  (attaches the routes)
