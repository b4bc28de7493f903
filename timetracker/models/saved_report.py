"""Reports a user saved: a name and the report's filters, to open again later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow


class SavedReport(db.Model):
    """A user's own saved report.

    ``query`` is the report's query string as the report page takes it, with the period kept
    as its preset ("last_month" stays last month); it is checked again, against the user's
    rights of the day, each time it is opened. ``name_key`` is the name case-folded: saving
    under a name the user already has replaces that report.
    """

    __tablename__ = "saved_reports"
    __table_args__ = (UniqueConstraint("user_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)  # as long as the users chosen: at most the group
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SavedReport {self.id} {self.name!r}>"
