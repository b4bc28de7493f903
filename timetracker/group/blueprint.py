"""The group blueprint object, with the rank-rule helpers its templates use."""

from flask import Blueprint

from timetracker.rights import may_edit_rights, may_manage

bp = Blueprint("group", __name__)
bp.add_app_template_global(may_manage)
bp.add_app_template_global(may_edit_rights)
