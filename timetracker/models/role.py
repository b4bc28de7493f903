"""A role of a group: a name, a rank and a set of rights."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import RightSet
from timetracker.rights import TOP_MANAGER_RANK, Right

if TYPE_CHECKING:
    from timetracker.models.group import Group
    from timetracker.models.user import User


class Role(db.Model):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int]
    rights: Mapped[frozenset[Right]] = mapped_column(RightSet, default=frozenset)

    group: Mapped[Group] = relationship(back_populates="roles")
    users: Mapped[list[User]] = relationship(back_populates="role")

    @property
    def is_top(self) -> bool:
        """Tell whether this is a top manager role."""
        return self.rank >= TOP_MANAGER_RANK

    def __repr__(self) -> str:
        return f"<Role {self.id} {self.name!r} rank={self.rank}>"
