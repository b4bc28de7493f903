"""JSON errors of the API: a stable ``error`` code and a sentence for people."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from timetracker import messages

# Stable codes for HTTP errors the API does not raise itself.
HTTP_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "invalid_request",
    415: "invalid_request",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error the API answers with ``status`` and ``{"error": code, "message": message}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str, **details: object) -> Response:
    """Answer ``{"error": code, "message": message}`` with ``status``, and any ``details`` beside."""
    response = jsonify(error=code, message=message, **details)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Time Tracker"'
    return response


def api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message)


def http_error(error: HTTPException) -> Response:
    """Answer an HTTP error inside the API as JSON (the browser gets the HTML page)."""
    status = error.code or 500
    code = HTTP_CODES.get(status, "server_error" if status >= 500 else "error")
    message = error.description if status < 500 else messages.API_SERVER_ERROR
    return error_response(status, code, message or error.name)
