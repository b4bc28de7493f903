"""The OpenAPI 3 description of the API, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from timetracker.api.blueprint import PREFIX, bp
from timetracker.api.time import MAX_PERIOD_DAYS
from timetracker.ids import LARGEST
from timetracker.services import report_periods
from timetracker.services.report_periods import Period
from timetracker.services.reports import Grouping
from timetracker.validation import DAY_MINUTES

ERROR_CODES = [
    "invalid_request",
    "invalid_credentials",
    "no_email",
    "invalid_code",
    "invalid_key",
    "start_again",
    "invalid_pending",
    "invalid_entry",
    "invalid_token",
    "forbidden",
    "own_factor_required",
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


_TWO_FACTOR_MEMBERS = {
    **{
        name: {"type": "string", "minLength": 1, "maxLength": 1000}
        for name in ("pending", "code", "password")
    },
    "credential": {"type": "object", "description": "A security key's answer (see above)."},
}
TWO_FACTOR_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"type": "object", "required": ["pending", "code"], "properties": _TWO_FACTOR_MEMBERS},
                    {
                        "type": "object",
                        "required": ["pending", "credential"],
                        "properties": _TWO_FACTOR_MEMBERS,
                    },
                ]
            }
        }
    },
}

COMMON_ERRORS = {
    "400": _error("The body is not a JSON object with the fields as described."),
    "429": _error("Too many attempts: try again after the number of seconds in Retry-After."),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


ID = {"type": "integer", "minimum": 1, "maximum": LARGEST}
DATE = {"type": "string", "format": "date"}
CLOCK = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
ON_BEHALF = "`user_id` (optional) works for a user ranked below the caller, who needs `track_time`."

# The members of a time entry's body; start and finish are HH:MM in the worked-for user's zone.
ENTRY_MEMBERS = {
    "date": DATE,
    "project_id": ID,
    "task_id": _nullable(ID),
    "minutes": _nullable({"type": "integer", "minimum": 1, "maximum": DAY_MINUTES}),
    "start": _nullable(CLOCK),
    "finish": _nullable(CLOCK),
    "note": _nullable({"type": "string"}),
    "user_id": _nullable(ID),
}


def _members(names: list[str], required: list[str], *, body_required: bool = True) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": {n: ENTRY_MEMBERS[n] for n in names}}
    if not required:
        del schema["required"]
    return {"required": body_required, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict[str, Any], description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _tracking(summary: str, operation_id: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    """Describe an operation of time tracking: a token needed, its errors documented."""
    return {
        "summary": summary,
        "operationId": operation_id,
        "security": [{"bearer": []}],
        **more,
        "responses": {
            **responses,
            "400": COMMON_ERRORS["400"],
            "401": _error("No valid token (invalid_token)."),
            "403": _error("The caller may not track this user's time, or no time at all (forbidden)."),
        },
    }


USER_ID_QUERY = _query("user_id", ID, ON_BEHALF)
ENTRY_ID = {"name": "entry_id", "in": "path", "required": True, "schema": ID}
NOT_FOUND = _error("No such entry in the caller's reach (not_found).")
REFUSED = _error(
    "A rule of the Time page is broken (invalid_entry): `field` names the member, for example "
    "`date` when the day is locked, `minutes` when the day would hold more than 24 hours."
)

TIME_PATHS: dict[str, Any] = {
    "/projects": {
        "get": _tracking(
            "The active projects of the caller's group, with their active tasks",
            "projects",
            {"200": _json({"type": "array", "items": _ref("Project")}, "The projects, by name.")},
        )
    },
    "/time-entries": {
        "get": _tracking(
            "The entries of a period",
            "list_time_entries",
            {"200": _json({"type": "array", "items": _ref("Entry")}, "By date and start.")},
            description=f"`from` on or before `to`, at most {MAX_PERIOD_DAYS} days apart. {ON_BEHALF}",
            parameters=[
                _query("from", DATE, "The first day.", required=True),
                _query("to", DATE, "The last day.", required=True),
                USER_ID_QUERY,
            ],
        ),
        "post": _tracking(
            "Record time",
            "create_time_entry",
            {"201": _json(_ref("Entry"), "The entry."), "422": REFUSED},
            description=(
                "Give either `minutes` or a `start` and a `finish` (HH:MM, wall-clock times of the "
                f"worked-for user's time zone, on `date`). {ON_BEHALF}"
            ),
            requestBody=_members(list(ENTRY_MEMBERS), ["date", "project_id"]),
        ),
    },
    "/time-entries/{entry_id}": {
        "patch": _tracking(
            "Change an entry",
            "update_time_entry",
            {"200": _json(_ref("Entry"), "The entry."), "404": NOT_FOUND, "422": REFUSED},
            description=(
                "Members left out keep their value, except that `minutes` replaces a start and "
                "finish, and `start` or `finish` replaces the minutes. A running timer cannot be changed."
            ),
            parameters=[ENTRY_ID],
            requestBody=_members([n for n in ENTRY_MEMBERS if n != "user_id"], []),
        ),
        "delete": _tracking(
            "Delete an entry (a running timer too)",
            "delete_time_entry",
            {"204": {"description": "Deleted."}, "404": NOT_FOUND, "422": REFUSED},
            parameters=[ENTRY_ID],
        ),
    },
    "/timer": {
        "get": _tracking(
            "The running timer",
            "timer",
            {"200": _json(_ref("Timer"), "The running timer, or null.")},
            description=ON_BEHALF,
            parameters=[USER_ID_QUERY],
        )
    },
    "/timer/start": {
        "post": _tracking(
            "Start a timer now, on the worked-for user's today",
            "start_timer",
            {
                "201": _json(_ref("Timer"), "The running timer."),
                "422": _error("A timer already runs (`field` is `timer`), or another rule is broken."),
            },
            description=f"At most one timer runs per user. {ON_BEHALF}",
            requestBody=_members(["project_id", "task_id", "note", "user_id"], ["project_id"]),
        )
    },
    "/timer/stop": {
        "post": _tracking(
            "Stop the running timer, whichever client started it",
            "stop_timer",
            {
                "200": _json(_ref("StoppedTimer"), "The completed entry."),
                "422": _error("No timer is running (invalid_entry, `field` is `timer`)."),
            },
            description=(
                "The timer is completed on the day it started; `capped` tells whether 24 hours "
                f"on that day cut it short. {ON_BEHALF}"
            ),
            requestBody=_members(["user_id"], [], body_required=False),
        )
    },
}

GROUPINGS = {"type": "string", "enum": [grouping.value for grouping in Grouping], "default": "none"}
REPORT_PATHS: dict[str, Any] = {
    "/reports": {
        "get": {
            "summary": "Totals of a period, grouped as on the report page",
            "operationId": "report",
            "security": [{"bearer": []}],
            "description": (
                "`view_own_reports` reports the caller's own time; `view_reports` also that of the "
                "users ranked below the caller, active or not. Give `from` and `to` (at most "
                f"{report_periods.MAX_YEARS} years), or a `period` preset of the caller's today; "
                "neither is this month. Running timers are not counted."
            ),
            "parameters": [
                _query(
                    "period",
                    {"type": "string", "enum": [period.value for period in Period]},
                    "A preset; `custom` (implied by `from` and `to` alone) takes `from` and `to`.",
                ),
                _query("from", DATE, "The first day (with `to`)."),
                _query("to", DATE, "The last day, on or after `from`."),
                {
                    "name": "user_id",
                    "in": "query",
                    "schema": {"type": "array", "items": ID},
                    "style": "form",
                    "explode": True,
                    "description": "Repeatable; none means everyone in the caller's reach.",
                },
                _query("project_id", ID, "Only this project of the group."),
                _query("task_id", ID, "Only this task (of `project_id` when both are given)."),
                _query("group_by", GROUPINGS, "The first grouping."),
                _query("then_by", GROUPINGS, "The second grouping, inside the first; not the same."),
            ],
            "responses": {
                "200": _json(_ref("Report"), "The groups in the page's order, with their totals."),
                "400": _error(
                    "A parameter is wrong or given twice (invalid_request): `fields` maps each "
                    "parameter at fault to what is wrong."
                ),
                "401": _error("No valid token (invalid_token)."),
                "403": _error("No right to see reports, or a `user_id` out of reach (forbidden)."),
            },
        }
    }
}
REPORT_GROUP = {
    "type": "object",
    "description": (
        "One group with its total. It is named by `date`, `week_start` (the group's first day of "
        "the week), `month` (YYYY-MM), `user_id`, `project_id`, or `project_id` and `task_id` "
        "(null: no task), after the grouping; `groups` holds the second grouping's groups."
    ),
    "required": ["label", "minutes", "hours"],
    "properties": {
        "date": DATE,
        "week_start": DATE,
        "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
        "user_id": {"type": "integer"},
        "project_id": {"type": "integer"},
        "task_id": {"type": "integer", "nullable": True},
        "label": {"type": "string"},
        "minutes": {"type": "integer"},
        "hours": {"type": "number", "description": "Minutes / 60, rounded to two decimals."},
        "groups": {"type": "array", "items": _ref("ReportGroup")},
    },
}

TIME_SCHEMAS: dict[str, Any] = {
    "Report": {
        "type": "object",
        "required": ["from", "to", "group_by", "then_by", "minutes", "hours", "groups"],
        "properties": {
            "from": DATE,
            "to": DATE,
            "group_by": GROUPINGS,
            "then_by": GROUPINGS,
            "minutes": {"type": "integer", "description": "The grand total."},
            "hours": {"type": "number"},
            "groups": {"type": "array", "items": _ref("ReportGroup"), "description": "Empty: no grouping."},
        },
    },
    "ReportGroup": REPORT_GROUP,
    "Project": {
        "type": "object",
        "required": ["id", "name", "description", "tasks"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "tasks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
            },
        },
    },
    "Entry": {
        "type": "object",
        "description": (
            "`start` and `finish` are instants with the worked-for user's offset, or null. A "
            "running timer has null `minutes` and `finish`, `running` true and `elapsed_minutes`."
        ),
        "required": [
            "id",
            "user_id",
            "date",
            "project_id",
            "task_id",
            "minutes",
            "start",
            "finish",
            "note",
            "entered_by_id",
        ],
        "properties": {
            "id": {"type": "integer"},
            "user_id": {"type": "integer"},
            "date": DATE,
            "project_id": {"type": "integer"},
            "task_id": {"type": "integer", "nullable": True},
            "minutes": {"type": "integer", "nullable": True},
            "start": {"type": "string", "format": "date-time", "nullable": True},
            "finish": {"type": "string", "format": "date-time", "nullable": True},
            "note": {"type": "string"},
            "entered_by_id": {"type": "integer", "nullable": True},
            "running": {"type": "boolean", "enum": [True]},
            "elapsed_minutes": {"type": "integer"},
        },
    },
    "Timer": {
        "type": "object",
        "required": ["timer"],
        "properties": {"timer": {"anyOf": [_ref("Entry")], "nullable": True}},
    },
    "StoppedTimer": {
        "type": "object",
        "required": ["entry", "capped"],
        "properties": {"entry": _ref("Entry"), "capped": {"type": "boolean"}},
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Time Tracker API",
        "version": "1",
        "description": (
            "Sign-in for mobile and desktop clients, with the same second factor as the browser: "
            "an emailed code (sent with the password again), an authenticator app's code, or a "
            "security key's answer (WebAuthn); then "
            "projects, time entries and the timer, by the same rules as the Time page; and reports."
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
                    "Give `code`, or for `security_key` the key's answer as `credential`. "
                    "`password` is needed again when the factor is an emailed code, as on the web page. "
                    "A security key signs the `options` of the login's answer (the challenge works once, "
                    "for 5 minutes): `credential` is the JSON of the PublicKeyCredential, binary members "
                    "in base64url (`id`, `rawId`, `type`, and `response` with `clientDataJSON`, "
                    "`authenticatorData`, `signature`, `userHandle`), as WebAuthn's `toJSON()` gives it. "
                    "Its origin must be the server's `TIMETRACKER_BASE_URL` and its RP id that host name. "
                    "Instead of the key, the user's authenticator app's `code` (when they have one) is "
                    "accepted too. A refused answer spends a try; to get a new challenge, log in again."
                ),
                "requestBody": TWO_FACTOR_BODY,
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Token"}, "Logged in."),
                    "401": _error(
                        "invalid_pending, invalid_code, invalid_key (the security key's answer was "
                        "refused), invalid_credentials, or start_again after five wrong tries."
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
        **TIME_PATHS,
        **REPORT_PATHS,
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
                    "field": {"type": "string", "description": "With invalid_entry: the member at fault."},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "With invalid_request from /reports: what is wrong, by parameter.",
                    },
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
                    "second_factor": {"type": "string", "enum": ["email", "authenticator", "security_key"]},
                    "pending": {"type": "string"},
                    "options": {
                        "type": "object",
                        "description": (
                            "With `security_key` (unless the server cannot use keys): WebAuthn's "
                            "PublicKeyCredentialRequestOptions as JSON (`challenge`, `rpId`, `timeout`, "
                            "`allowCredentials`, `userVerification`; binary members in base64url)."
                        ),
                    },
                },
            },
            **TIME_SCHEMAS,
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
