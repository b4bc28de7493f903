"""Time entries: minutes a user spent on a project (and task) on one of their local days."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from timetracker.models.project import Project, Task
    from timetracker.models.user import User


class TimeEntry(db.Model):
    """An entry of time; a running timer is an entry with a start and no minutes yet.

    ``day`` is the user's local date, ``start_at``/``finish_at`` are UTC instants (both or
    neither, except a running timer's start). ``group_id`` repeats the user's group so that a
    group's entries in a date range are read from one index, without joining users to roles.
    """

    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_user_day", "user_id", "day"),
        # A group's entries in a date range, with what reports total: read from the index alone.
        Index(
            "ix_time_entries_group_day_totals",
            "group_id",
            "day",
            "user_id",
            "project_id",
            "task_id",
            "minutes",
        ),
        Index("ix_time_entries_project", "project_id"),
        # At most one running timer per user, whichever device or client started it.
        Index(
            "uq_time_entries_running_timer",
            "user_id",
            unique=True,
            sqlite_where=text("minutes IS NULL"),
            postgresql_where=text("minutes IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int | None]
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(2000), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    project: Mapped[Project] = relationship()
    task: Mapped[Task | None] = relationship()

    @property
    def running(self) -> bool:
        """Tell whether this is a running timer."""
        return self.minutes is None

    def __repr__(self) -> str:
        return f"<TimeEntry {self.id} user={self.user_id} {self.day} {self.minutes}>"
