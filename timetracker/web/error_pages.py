"""The pages shown for HTTP errors (JSON inside the API), for refused actions, CSRF and throttling."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError, TooManyRequests
from werkzeug.wrappers import Response

from timetracker import clock, messages
from timetracker.api.blueprint import is_api_path
from timetracker.api.errors import ApiError, api_error, error_response
from timetracker.api.errors import http_error as api_http_error
from timetracker.errors import PermissionDenied
from timetracker.extensions import db, limiter
from timetracker.web.redirects import local_target


def init_app(app: Flask) -> None:
    """Render our own page for every HTTP error, and 403 for ``PermissionDenied``; JSON in the API."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(TooManyRequests, _too_many_requests)
    app.register_error_handler(ApiError, api_error)
    app.register_error_handler(PermissionDenied, _permission_denied)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _untrusted_host)


def _http_error(error: HTTPException) -> tuple[str, int] | Response:
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    if is_api_path(request.path):
        return api_http_error(error)
    # Werkzeug's stock descriptions are generic; a description given by our code is shown.
    message = error.description if error.description != type(error).description else None
    return render_template("errors/error.html", code=code, title=error.name, message=message), code


def _too_many_requests(error: TooManyRequests) -> Response:
    """Say when the throttled request may be tried again (also in the Retry-After header)."""
    current = limiter.current_limit
    wait = max(1, current.reset_at - int(time.time())) if current else 60
    retry_at = clock.now() + timedelta(seconds=wait)
    message = messages.TRY_AGAIN_IN.format(wait=_duration(wait), time=retry_at.strftime("%H:%M UTC"))
    if is_api_path(request.path):
        response = error_response(429, "rate_limited", message)
        response.headers["Retry-After"] = str(wait)
        return response
    page = render_template(
        "errors/error.html",
        code=429,
        title="Too Many Requests",
        message=message,
        back=_same_site_referrer(),
    )
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


def _same_site_referrer() -> str | None:
    """Return the path of the page the request came from, if it is on this site."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    return local_target(referrer.path)


def _permission_denied(error: PermissionDenied) -> tuple[str, int]:
    db.session.rollback()
    return render_template("errors/error.html", code=403, title="Forbidden"), 403


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    message = messages.CSRF_FAILED
    return render_template("errors/error.html", code=400, title="Bad Request", message=message), 400


def _untrusted_host(error: SecurityError) -> Response:
    """Answer a Host header outside TRUSTED_HOSTS in plain text: no URL of this site can be built for it."""
    return Response(messages.UNTRUSTED_HOST, status=400, mimetype="text/plain")
