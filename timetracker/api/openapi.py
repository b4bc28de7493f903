"""The OpenAPI 3 description of the API, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from timetracker.api.blueprint import PREFIX, bp

ERROR_CODES = [
    "invalid_request",
    "invalid_credentials",
    "no_email",
    "invalid_code",
    "start_again",
    "invalid_pending",
    "invalid_token",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "rate_limited",
    "server_error",
    "error",
]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json({"$ref": "#/components/schemas/Error"}, description)


def _body(required: list[str], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    names = [*required, *optional]
    properties = {name: {"type": "string", "minLength": 1, "maxLength": 1000} for name in names}
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


COMMON_ERRORS = {
    "400": _error("The body is not a JSON object with the fields as described."),
    "429": _error("Too many attempts: try again after the number of seconds in Retry-After."),
}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Time Tracker API",
        "version": "1",
        "description": (
            "Sign-in for mobile and desktop clients, with the same second factor as the browser: "
            "an emailed code (sent with the password again) or an authenticator app's code."
        ),
    },
    "servers": [{"url": PREFIX}],
    "paths": {
        "/auth/login": {
            "post": {
                "summary": "Check login and password",
                "operationId": "login",
                "requestBody": _body(["login", "password"]),
                "responses": {
                    "200": _json(
                        {
                            "oneOf": [
                                {"$ref": "#/components/schemas/Token"},
                                {"$ref": "#/components/schemas/Pending"},
                            ]
                        },
                        "Logged in (a token), or a second factor is owed (a pending login).",
                    ),
                    "401": _error("Incorrect login or password (invalid_credentials)."),
                    "403": _error(
                        "No email associated with this login (no_email): an emailed code cannot be sent."
                    ),
                    **COMMON_ERRORS,
                },
            }
        },
        "/auth/2fa": {
            "post": {
                "summary": "Give the second factor of a pending login",
                "operationId": "two_factor",
                "description": (
                    "`password` is needed again when the factor is an emailed code, as on the web page."
                ),
                "requestBody": _body(["pending", "code"], ("password",)),
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Token"}, "Logged in."),
                    "401": _error(
                        "invalid_pending, invalid_code, invalid_credentials, "
                        "or start_again after five wrong tries."
                    ),
                    **COMMON_ERRORS,
                },
            }
        },
        "/me": {
            "get": {
                "summary": "Who the token belongs to",
                "operationId": "me",
                "security": [{"bearer": []}],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Me"}, "The user, group, role and rights."),
                    "401": _error("No valid token (invalid_token)."),
                    "429": COMMON_ERRORS["429"],
                },
            }
        },
        "/auth/logout": {
            "post": {
                "summary": "Revoke the token",
                "operationId": "logout",
                "security": [{"bearer": []}],
                "responses": {
                    "204": {"description": "The token no longer works."},
                    "401": _error("No valid token (invalid_token)."),
                    "429": COMMON_ERRORS["429"],
                },
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string", "enum": ERROR_CODES},
                    "message": {"type": "string"},
                },
            },
            "Token": {
                "type": "object",
                "required": ["token", "token_type", "expires_at"],
                "properties": {
                    "token": {"type": "string"},
                    "token_type": {"type": "string", "enum": ["Bearer"]},
                    "expires_at": {"type": "string", "format": "date-time"},
                },
            },
            "Pending": {
                "type": "object",
                "required": ["second_factor", "pending"],
                "properties": {
                    "second_factor": {"type": "string", "enum": ["email", "authenticator"]},
                    "pending": {"type": "string"},
                },
            },
            "Me": {
                "type": "object",
                "required": ["user", "group", "role", "rights"],
                "properties": {
                    "user": {
                        "type": "object",
                        "required": ["id", "login", "name", "email"],
                        "properties": {
                            "id": {"type": "integer"},
                            "login": {"type": "string"},
                            "name": {"type": "string"},
                            "email": {"type": "string", "nullable": True},
                        },
                    },
                    "group": {
                        "type": "object",
                        "required": ["id", "name", "two_factor_required"],
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "two_factor_required": {"type": "boolean"},
                        },
                    },
                    "role": {
                        "type": "object",
                        "required": ["name", "rank"],
                        "properties": {"name": {"type": "string"}, "rank": {"type": "integer"}},
                    },
                    "rights": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


@bp.route("/openapi.json")
def openapi() -> Response:
    """Serve the OpenAPI description."""
    return jsonify(SPEC)
