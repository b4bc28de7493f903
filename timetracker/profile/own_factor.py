"""Pages of the group's own-factor policy: the set-up that cannot be skipped, and the grace page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from timetracker.profile.blueprint import bp
from timetracker.security.own_factor_policy import Owed, deadline_text, standing
from timetracker.web.redirects import local_target


@bp.route("/security/own-factor")
@login_required
def own_factor_required() -> Response | str:
    """Tell a user past their deadline to set up their own factor: nothing else opens until they do."""
    owing = standing(current_user)
    if owing.owed is not Owed.NOW:
        return redirect(url_for("profile.security"))
    return render_template("profile/own_factor_required.html")


@bp.route("/security/own-factor/grace")
@login_required
def own_factor_grace() -> Response | str:
    """Ask a user in their grace period to set up their own factor now, or later (where they were going)."""
    later = local_target(request.args.get("next")) or url_for("home.index")
    owing = standing(current_user)
    if owing.owed is Owed.NOW:
        return redirect(url_for("profile.own_factor_required"))
    if owing.owed is Owed.NOTHING or owing.deadline is None:
        return redirect(later)
    return render_template(
        "profile/own_factor_grace.html",
        days_left=owing.days_left,
        deadline=deadline_text(owing.deadline, current_user.zone),
        later=later,
    )
