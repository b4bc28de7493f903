"""Logged-in sessions kept on the server, and the browsers a user has logged in from before."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from timetracker.models.user import User


class UserSession(db.Model):
    """One login of a browser or an API client, alive while this row is.

    The client holds only a random token; ``id`` is its SHA-256, so every request costs one
    primary-key read, and deleting the row ends the session for every copy of the token.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "browser" or "api"
    # The second factor the login gave (security.second_factor.Factor); it ends when that is not enough.
    second_factor: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the absolute end
    client_address: Mapped[str | None] = mapped_column(String(45))
    device: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession user={self.user_id} {self.kind}>"


class KnownDevice(db.Model):
    """A browser that completed a login to this account: its device cookie's hash."""

    __tablename__ = "known_devices"
    __table_args__ = (UniqueConstraint("user_id", "token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
