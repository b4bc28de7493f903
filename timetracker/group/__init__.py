"""Blueprint: the group's users and roles."""

from flask import Blueprint

from timetracker.rights import may_edit_rights, may_manage

bp = Blueprint("group", __name__)
bp.add_app_template_global(may_manage)
bp.add_app_template_global(may_edit_rights)

from timetracker.group import audit, members, roles, settings, users  # noqa: E402,F401  (attach the routes)
