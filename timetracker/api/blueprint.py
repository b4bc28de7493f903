"""The API blueprint object, under /api/v1.

It authenticates with bearer tokens only, never with the session cookie, so it needs no
CSRF token; the exemption covers this blueprint and no browser form.
"""

from flask import Blueprint

from timetracker.extensions import csrf

PREFIX = "/api/v1"

bp = Blueprint("api", __name__)
csrf.exempt(bp)


def is_api_path(path: str) -> bool:
    """Tell whether ``path`` is under the API, also when no route matched (an unknown id)."""
    return path == PREFIX or path.startswith(f"{PREFIX}/")
