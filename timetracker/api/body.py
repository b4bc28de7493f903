"""Reading a JSON request body: an object whose members are strings, ids, whole numbers, dates, times.

Written by hand: a few members of a few types do not call for a validation library. A value
that is not of its member's type, or outside the range the OpenAPI description gives, is
answered 400 ``invalid_request`` naming the member; the domain's rules (an active project, a
24-hour day) are the services' to judge.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from flask import request

from timetracker import ids, messages, validation
from timetracker.api.errors import ApiError

MAX_LENGTH = 1000

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def json_object(*, required: bool = True) -> dict[str, Any]:
    """Return the JSON body; with ``required=False`` an empty body counts as ``{}``.

    :raise ApiError: 400 for a body that is not a JSON object.
    """
    if not required and not request.get_data():
        return {}
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser goes: no body of ours looks so
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", messages.API_NOT_AN_OBJECT)
    return body


def read(*required: str, optional: tuple[str, ...] = ()) -> dict[str, str]:
    """Return the named string members of the JSON body.

    :raise ApiError: 400 ``invalid_request`` for a body that is not a JSON object, a missing
        required member, a member that is not a string of at most 1000 characters, or one that
        is not text (a lone surrogate escape such as ``"\\ud800"``, which cannot be encoded).
    """
    body = json_object()
    values: dict[str, str] = {}
    for name in (*required, *optional):
        value = body.get(name)
        if value is None and name in optional:
            continue
        if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
            raise _invalid(messages.API_BAD_FIELD.format(name=name, length=MAX_LENGTH))
        values[name] = _encodable(value, name)
    return values


def require(body: dict[str, Any], *names: str) -> None:
    """Refuse a body in which one of ``names`` is missing or null."""
    for name in names:
        if body.get(name) is None:
            raise _invalid(messages.API_MISSING.format(name=name))


def whole_number(body: dict[str, Any], name: str, lowest: int, highest: int) -> int | None:
    """Return the member as an integer from ``lowest`` to ``highest``; None when absent or null."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise _invalid(messages.API_BAD_NUMBER.format(name=name, lowest=lowest, highest=highest))
    return value


def row_id(body: dict[str, Any], name: str) -> int | None:
    """Return the member as a row id (see ``ids``); None when absent or null."""
    return whole_number(body, name, ids.SMALLEST, ids.LARGEST)


def day(value: Any, name: str) -> date:
    """Return ``value``, a member or a query argument written ``YYYY-MM-DD``, as a date."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:  # 2024-02-30
            pass
    raise _invalid(messages.API_BAD_DATE.format(name=name))


def clock_time(body: dict[str, Any], name: str) -> time | None:
    """Return the member, a wall-clock time written ``HH:MM``; None when absent or null."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not (match := _CLOCK.fullmatch(value)):
        raise _invalid(messages.API_BAD_TIME.format(name=name))
    return time(int(match[1]), int(match[2]))


def text(body: dict[str, Any], name: str) -> str | None:
    """Return a string member of any length, for the domain's rules to judge; None when absent or null."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(messages.API_BAD_STRING.format(name=name))
    return _encodable(value, name)


def _encodable(value: str, name: str) -> str:
    """Refuse a string that is not text (a lone surrogate escape such as ``"\\ud800"``)."""
    if not validation.encodable(value):
        raise _invalid(messages.API_NOT_TEXT.format(name=name))
    return value


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)
