"""Blueprint: the JSON API for mobile and desktop clients, under /api/v1.

It authenticates with bearer tokens only, never with the session cookie, so it needs no
CSRF token; the exemption covers this blueprint and no browser form.
"""

from flask import Blueprint

from timetracker.extensions import csrf

PREFIX = "/api/v1"

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from timetracker.api import auth, openapi  # noqa: E402,F401  (attach the routes)
