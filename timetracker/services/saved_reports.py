"""Saved reports: a user's own named report filters, kept as the report page's query string."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, select

from timetracker import database, messages, validation
from timetracker.errors import FieldError, PermissionDenied
from timetracker.extensions import db
from timetracker.models import SavedReport, User
from timetracker.services import reports

MAX_PER_USER = 100


@dataclass(frozen=True)
class Opened:
    """A saved report to show: its query string, and whether users were left out of it."""

    query: str
    users_dropped: bool


def of(user: User) -> list[SavedReport]:
    """Return ``user``'s saved reports by name."""
    return list(
        db.session.scalars(
            select(SavedReport).where(SavedReport.user_id == user.id).order_by(SavedReport.name_key)
        )
    )


def save(user: User, name: str, query: str) -> bool:
    """Keep ``query`` under ``name`` for ``user``, replacing their report of that name; commit.

    Return whether one was replaced.

    :raise FieldError: on ``name`` when the user already has ``MAX_PER_USER`` other reports.
    """
    try:
        key = validation.name_key(name)
    except validation.Invalid as error:
        raise FieldError("name", str(error)) from None
    database.lock(user)  # the count and the name hold when two saves come at once
    kept = db.session.scalar(
        select(SavedReport).where(SavedReport.user_id == user.id, SavedReport.name_key == key)
    )
    if kept is None:
        count = db.session.scalar(select(func.count(SavedReport.id)).where(SavedReport.user_id == user.id))
        count = count or 0
        if count >= MAX_PER_USER:
            raise FieldError("name", messages.REPORT_TOO_MANY_SAVED.format(count=count))
        db.session.add(SavedReport(user_id=user.id, name=name, name_key=key, query=query))
    else:
        kept.name, kept.query = name, query
    db.session.commit()
    return kept is not None


def own(user: User, report_id: int) -> SavedReport:
    """Return ``user``'s saved report ``report_id``.

    :raise PermissionDenied: no such report of theirs (views answer 404).
    """
    report = database.get(SavedReport, report_id)
    if report is None or report.user_id != user.id:
        raise PermissionDenied()
    return report


def opened(user: User, report: SavedReport) -> Opened:
    """Return the report's query as the user's rights allow it today: users out of reach left out.

    A user who lost ``view_reports`` opens their own time only.
    """
    reach = {reached.id for reached in reports.users_in_reach(user)}
    kept, dropped = [], False
    for name, value in parse_qsl(report.query):
        if name == "user_id" and (not value.isdigit() or int(value) not in reach):
            dropped = True
            continue
        kept.append((name, value))
    return Opened(urlencode(kept), dropped)


def delete(user: User, report: SavedReport) -> None:
    """Delete ``user``'s saved report; commit."""
    if report.user_id != user.id:
        raise PermissionDenied()
    db.session.delete(report)
    db.session.commit()
