"""Views of "Where you're logged in" on the Security tab: ending one session, or all the others."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.extensions import db
from timetracker.profile.blueprint import bp
from timetracker.security import sessions

_SESSION_ID = re.compile(r"[0-9a-f]{64}")


def sessions_page() -> dict[str, Any]:
    """Return what the Security tab shows of the user's sessions and recent sign-ins."""
    mine, user = sessions.current(), current_user._get_current_object()
    return {
        "user_sessions": sessions.of_user(user),
        "this_session_id": mine.id if mine is not None else None,
        "sign_ins": sessions.recent_sign_ins(user),
    }


@bp.route("/security/sessions/<session_id>/logout", methods=["POST"])
@login_required
def end_session(session_id: str) -> Response:
    """Log out one session of the user (an API session's token is revoked with it).

    :raise 404: the id is not one of the user's sessions; nothing changed.
    """
    if not _SESSION_ID.fullmatch(session_id) or not sessions.end(
        current_user._get_current_object(), session_id
    ):
        abort(404)
    flash(messages.SESSION_LOGGED_OUT, "success")
    return redirect(url_for("profile.security"))


@bp.route("/security/sessions/logout-others", methods=["POST"])
@login_required
def end_other_sessions() -> Response:
    """Log out every session of the user but this browser's, API tokens included."""
    sessions.end_others(current_user._get_current_object(), "log out everywhere else")
    db.session.commit()
    flash(messages.OTHER_SESSIONS_LOGGED_OUT, "success")
    return redirect(url_for("profile.security"))
