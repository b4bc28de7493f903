"""The gate of the group's own-factor policy, in front of every page and API call.

A logged-in user who owes their own factor now (``own_factor_policy.Owed.NOW``) gets the
set-up page instead of any other page: only Profile › Security (where the authenticator app,
the security keys and the sessions are), logging out and static files stay open. The API
answers such a user 403 ``own_factor_required`` on every call but logging out.

A user in their grace period is shown the page asking them to set one up right after their
login: on the first page they open (a GET: a form being sent is never turned away). The gate
looks once per login, so someone already at work when a manager switches the policy (that
manager too) carries on, and is asked at their next login.

The marks live in the browser's session, which a login starts empty: the first time the gate
forces a login it audits that, and when the user of such a session has an own factor at last
(the gate sees it on their next request), it audits the set-up.
"""

from __future__ import annotations

from flask import Flask, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from timetracker import audit, messages
from timetracker.api.blueprint import is_api_path
from timetracker.api.errors import ApiError
from timetracker.audit import Event
from timetracker.extensions import db
from timetracker.models import User
from timetracker.security.own_factor_policy import Owed, standing

OPEN_PREFIXES = ("/profile/security",)  # the app's enrolment, security keys, sessions, these pages
OPEN_API_ENDPOINTS = frozenset({"api.logout"})
FORCED = "own_factor_forced"  # the gate forced this login to the set-up page
LOOKED = "own_factor_looked"  # the gate looked at this login's first page (and asked, in a grace period)
SAFE_METHODS = ("GET", "HEAD")


def init_app(app: Flask) -> None:
    """Put the gate in front of every page."""
    app.before_request(_gate)


def _gate() -> Response | None:
    if request.endpoint == "static" or is_api_path(request.path) or not current_user.is_authenticated:
        return None
    user: User = current_user._get_current_object()
    if session.get(FORCED) and user.has_own_factor:
        session.pop(FORCED)
        audit.record(Event.OWN_FACTOR_SET_UP, actor=user)
        db.session.commit()
    if _is_open(request.path, request.endpoint):
        return None
    owing = standing(user)
    if owing.owed is Owed.NOW:
        if not session.get(FORCED):
            session[FORCED] = True
            deadline = owing.deadline.isoformat() if owing.deadline else None
            audit.record(Event.OWN_FACTOR_SETUP_FORCED, actor=user, deadline=deadline)
            db.session.commit()
        return redirect(url_for("profile.own_factor_required"))
    if not session.get(LOOKED) and request.method in SAFE_METHODS:
        session[LOOKED] = True
        if owing.owed is Owed.GRACE:
            return redirect(url_for("profile.own_factor_grace", next=request.full_path.rstrip("?")))
    return None


def _is_open(path: str, endpoint: str | None) -> bool:
    under = any(path == prefix or path.startswith(f"{prefix}/") for prefix in OPEN_PREFIXES)
    return under or (endpoint == "auth.logout" and request.method == "POST")


def refuse_api_call(user: User) -> None:
    """Stop an API call of a user who owes their own factor now, unless it logs them out.

    :raise ApiError: 403 ``own_factor_required``.
    """
    if request.endpoint not in OPEN_API_ENDPOINTS and standing(user).owed is Owed.NOW:
        raise ApiError(403, "own_factor_required", messages.API_OWN_FACTOR_REQUIRED)
