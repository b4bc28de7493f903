"""Views of the group's roles and their rights."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.extensions import db
from timetracker.group.blueprint import bp
from timetracker.group.forms import RightsForm
from timetracker.models import Role
from timetracker.rights import Right, may_edit_rights
from timetracker.services import membership
from timetracker.web.access import right_required


@bp.route("/roles")
@right_required(Right.MANAGE_ROLES)
def roles() -> str:
    """List the roles of the group with their rights."""
    return render_template("group/roles.html", roles=current_user.group.roles, rights=list(Right))


@bp.route("/roles/<id:role_id>/edit", methods=["GET", "POST"])
@right_required(Right.MANAGE_ROLES)
def edit_role(role_id: int) -> Response | str:
    """Change the rights of a role ranked below the current user."""
    role = db.session.get(Role, role_id)
    if role is None or role.group_id != current_user.group_id:
        abort(404)
    if not may_edit_rights(current_user, role):
        abort(403)
    form = RightsForm.for_editor(current_user.role.rights, role.rights)
    if form.validate_on_submit():
        membership.set_role_rights(current_user, role, form.chosen())
        flash(messages.ROLE_SAVED.format(role=role.name), "success")
        return redirect(url_for("group.roles"))
    return render_template("group/role_form.html", form=form, role=role, rights=list(Right))
