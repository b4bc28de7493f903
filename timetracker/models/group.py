"""A group: the team that shares roles, users and settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from timetracker.models.role import Role


class Group(db.Model):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
    # Group two-factor authentication: an emailed code after the password (see security.second_factor_for).
    two_factor_required: Mapped[bool] = mapped_column(default=False)
    # What the second factor may be while two-factor is on (security.own_factor_policy.Policy):
    # "any" accepts the emailed code; "own" asks for the user's own app or key after a grace period.
    second_factor_policy: Mapped[str] = mapped_column(String(20), default="any", server_default="any")
    own_factor_grace_days: Mapped[int] = mapped_column(SmallInteger, default=7, server_default="7")
    own_factor_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the grace period's end
    # Basic settings of time tracking: the week's first day (0 Monday … 6 Sunday), the members'
    # default time zone, and the lock date (time on and before it is locked).
    first_day_of_week: Mapped[int] = mapped_column(default=0, server_default="0")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    lock_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[Role]] = relationship(
        back_populates="group", order_by="Role.rank", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.name!r}>"
