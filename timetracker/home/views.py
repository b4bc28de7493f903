"""The landing page behind the login."""

from flask import render_template
from flask_login import login_required

from timetracker.home.blueprint import bp


@bp.route("/")
@login_required
def index() -> str:
    """Show who is logged in, with their group and role."""
    return render_template("home/index.html")
