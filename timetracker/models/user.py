"""A user: a login of one group, with a role that decides what they may do."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, LargeBinary, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.role import Role
from timetracker.models.types import UTCDateTime, utcnow
from timetracker.rights import Right

if TYPE_CHECKING:
    from timetracker.models.authenticator import Authenticator, RecoveryCode
    from timetracker.models.group import Group
    from timetracker.models.security_key import SecurityKey


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), index=True)
    # Stored lower-case, which makes logins unique regardless of case.
    login: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_zone: Mapped[str | None] = mapped_column(String(64))  # None: the group's
    # The random WebAuthn user handle its security keys carry; made with the first key.
    webauthn_handle: Mapped[bytes | None] = mapped_column(LargeBinary(64), unique=True, index=True)

    role: Mapped[Role] = relationship(back_populates="users")
    authenticator: Mapped[Authenticator | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    security_keys: Mapped[list[SecurityKey]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True, order_by="SecurityKey.id"
    )

    @property
    def group(self) -> Group:
        """Return the user's group, which is their role's group."""
        return self.role.group

    @property
    def group_id(self) -> int:
        """Return the id of the user's group."""
        return self.role.group_id

    @property
    def zone(self) -> ZoneInfo:
        """Return the time zone the user's days and times follow: their own, else the group's."""
        return ZoneInfo(self.time_zone or self.group.time_zone)

    @property
    def has_authenticator(self) -> bool:
        """Tell whether the user has a confirmed authenticator app."""
        return self.authenticator is not None and self.authenticator.confirmed

    @property
    def has_own_factor(self) -> bool:
        """Tell whether the user has a second factor of their own: a confirmed app or a security key."""
        return self.has_authenticator or bool(self.security_keys)

    def can(self, right: Right) -> bool:
        """Tell whether the user's role holds ``right``."""
        return right in self.role.rights

    # Flask-Login's user interface
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Return the user's id as Flask-Login names users (the session itself is a row, not this)."""
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.login!r}>"


def users_of(group_id: int) -> Select[tuple[User]]:
    """Return a query for the users of a group, ordered by name."""
    return select(User).join(User.role).where(Role.group_id == group_id).order_by(User.name, User.id)


def users_below(actor: User) -> Select[tuple[User]]:
    """Return a query for the other users of ``actor``'s group that ``actor`` outranks, by name.

    The rank rule of ``rights.outranks`` in SQL: ranked below the actor, or anyone for a top manager.
    """
    others = users_of(actor.group_id).where(User.id != actor.id)
    return others if actor.role.is_top else others.where(Role.rank < actor.role.rank)
