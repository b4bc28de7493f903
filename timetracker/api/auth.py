"""Views of the API's sign-in: password, second factor, who am I, sign-out."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, jsonify, request
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.api.blueprint import bp
from timetracker.api.body import json_object, read
from timetracker.api.errors import ApiError
from timetracker.security import api_tokens, security_keys, sign_in, throttle
from timetracker.security import pending as pending_logins
from timetracker.security.login import check_credentials
from timetracker.security.pending import Purpose
from timetracker.security.second_factor import Factor
from timetracker.security.verification import Outcome
from timetracker.web import own_factor_gate

# What a second step that did not let the client in answers: status, error code, message.
_REFUSED = {
    Outcome.INVALID_CODE: (401, "invalid_code", messages.INVALID_CODE),
    Outcome.KEY_REFUSED: (401, "invalid_key", messages.API_KEY_REFUSED),
    Outcome.WRONG_PASSWORD: (401, "invalid_credentials", messages.INCORRECT_LOGIN),
    Outcome.START_AGAIN: (401, "start_again", messages.START_AGAIN),
    Outcome.GONE: (401, "invalid_pending", messages.API_INVALID_PENDING),
}


@bp.route("/auth/login", methods=["POST"])
@throttle.password_step
def login() -> Response:
    """Check login and password; answer a token, or the second factor still owed."""
    body = read("login", "password")
    user = check_credentials(body["login"], body["password"])
    if user is None:
        raise ApiError(401, "invalid_credentials", messages.INCORRECT_LOGIN)
    try:
        started = sign_in.start(user, Purpose.API, password=body["password"])
    except sign_in.NoEmailForCode:
        raise ApiError(403, "no_email", messages.NO_EMAIL) from None
    if started.api_token is not None:
        return _token_response(started.api_token)
    assert started.pending is not None
    owed = {"second_factor": started.pending.method, "pending": started.pending_token}
    if started.pending.method == Factor.SECURITY_KEY and security_keys.available():
        owed["options"] = security_keys.assertion_options(started.pending)
    return jsonify(owed)


@bp.route("/auth/2fa", methods=["POST"])
@throttle.code_step
def two_factor() -> Response:
    """Check the second factor of a pending login (a code, or a security key's ``credential``) and
    answer a token."""
    credential = json_object().get("credential")
    if credential is not None and not isinstance(credential, dict):
        raise ApiError(400, "invalid_request", messages.API_BAD_CREDENTIAL)
    code = () if credential is not None else ("code",)
    body = read("pending", *code, optional=("password",))
    pending = pending_logins.find(body["pending"], Purpose.API)
    if pending is None:
        raise ApiError(*_REFUSED[Outcome.GONE])
    if pending.method == Factor.EMAIL and "password" not in body:
        raise ApiError(400, "invalid_request", messages.API_PASSWORD_NEEDED)
    finished = sign_in.finish(
        pending, body.get("code", ""), password=body.get("password"), assertion=credential
    )
    if finished.api_token is None:
        raise ApiError(*_REFUSED[finished.outcome])
    return _token_response(finished.api_token)


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let in only requests with a valid ``Authorization: Bearer`` token (in ``g.api_token``)."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        row = api_tokens.find(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if row is None:
            raise ApiError(401, "invalid_token", messages.API_INVALID_TOKEN)
        own_factor_gate.refuse_api_call(row.user)
        g.api_token = row
        return view(*args, **kwargs)

    return checked


@bp.route("/me")
@token_required
def me() -> Response:
    """Describe the token's user: who, which group and role, which rights."""
    user = g.api_token.user
    return jsonify(
        user={"id": user.id, "login": user.login, "name": user.name, "email": user.email},
        group={
            "id": user.group.id,
            "name": user.group.name,
            "two_factor_required": user.group.two_factor_required,
        },
        role={"name": user.role.name, "rank": user.role.rank},
        rights=sorted(right.value for right in user.role.rights),
    )


@bp.route("/auth/logout", methods=["POST"])
@token_required
def logout() -> Response:
    """Revoke the token the request came with."""
    api_tokens.revoke(g.api_token)
    return Response(status=204)


def _token_response(issued: api_tokens.IssuedToken) -> Response:
    return jsonify(token=issued.token, token_type="Bearer", expires_at=issued.expires_at.isoformat())
