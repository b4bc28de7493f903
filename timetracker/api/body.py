"""Reading a JSON request body: an object whose named members are short strings.

Written by hand: four fields of one type do not call for a validation library.
"""

from __future__ import annotations

from flask import request

from timetracker import messages, validation
from timetracker.api.errors import ApiError

MAX_LENGTH = 1000


def read(*required: str, optional: tuple[str, ...] = ()) -> dict[str, str]:
    """Return the named string members of the JSON body.

    :raise ApiError: 400 ``invalid_request`` for a body that is not a JSON object, a missing
        required member, a member that is not a string of at most 1000 characters, or one that
        is not text (a lone surrogate escape such as ``"\\ud800"``, which cannot be encoded).
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", messages.API_NOT_AN_OBJECT)
    values: dict[str, str] = {}
    for name in (*required, *optional):
        value = body.get(name)
        if value is None and name in optional:
            continue
        if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
            raise ApiError(
                400, "invalid_request", messages.API_BAD_FIELD.format(name=name, length=MAX_LENGTH)
            )
        if not validation.encodable(value):
            raise ApiError(400, "invalid_request", messages.API_NOT_TEXT.format(name=name))
        values[name] = value
    return values
