"""Pages take HTML form posts only: a JSON body, or a file, is refused before any form reads it.

Flask-WTF fills a form from a JSON body too, whose members may be numbers, lists, objects or
lone surrogates (``"\\ud800"``): values an HTML form never sends, which a field would pass on to
a password hash or a query. No page has a file field either. The JSON API, a blueprint of its
own, reads its bodies itself (``api.body``).
"""

from __future__ import annotations

from flask import Flask, abort, request

from timetracker import messages
from timetracker.api.blueprint import is_api_path

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def init_app(app: Flask) -> None:
    """Check the body of every page's POST before the view runs."""
    app.before_request(_require_a_form_post)


def _require_a_form_post() -> None:
    if request.method in SAFE_METHODS or is_api_path(request.path):
        return
    if request.mimetype not in FORM_TYPES and (request.content_length or 0) > 0:
        abort(415, description=messages.FORM_POSTS_ONLY)
    if request.files:
        abort(400, description=messages.NO_FILES)
