"""The group's audit view: its security events, newest first."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from timetracker import ids
from timetracker.extensions import db
from timetracker.group.blueprint import bp
from timetracker.models import AuditEvent
from timetracker.rights import Right
from timetracker.web.access import right_required

PAGE_SIZE = 100


@bp.route("/group/audit")
@right_required(Right.MANAGE_USERS)
def audit_log() -> str:
    """List the group's audit events, a page at a time (``?before=<id>`` for older ones)."""
    query = select(AuditEvent).where(AuditEvent.group_id == current_user.group_id)
    before = request.args.get("before", type=ids.parse)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)))
    older = events[PAGE_SIZE - 1].id if len(events) > PAGE_SIZE else None
    return render_template("group/audit.html", events=events[:PAGE_SIZE], older=older)
