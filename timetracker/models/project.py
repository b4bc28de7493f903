"""Projects of a group and their tasks: what time is spent on."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from timetracker.models.group import Group


class Project(db.Model):
    """A project; an inactive one keeps its entries but takes no new time."""

    __tablename__ = "projects"
    # ``name_key`` is the name case-folded: names are unique in a group regardless of case.
    __table_args__ = (UniqueConstraint("group_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    tasks: Mapped[list[Task]] = relationship(
        back_populates="project",
        order_by=lambda: (Task.active.desc(), Task.name_key),
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name!r}>"


class Task(db.Model):
    """A task of one project; an inactive one keeps its entries but takes no new time."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("project_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)

    project: Mapped[Project] = relationship(back_populates="tasks")

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.name!r}>"
