"""Logged-in sessions kept on the server, and the browsers a user has logged in from before."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from timetracker.models.user import User


class SessionKind(StrEnum):
    BROWSER = "browser"  # a signed cookie holds the token; it also ends when idle
    API = "api"  # the bearer token of an API client (``ApiToken``); only its lifetime ends it


class UserSession(db.Model):
    """One login of a browser or an API client, alive while this row is.

    The client holds only a random token; ``id`` is its SHA-256, so every request costs one
    primary-key read, and deleting the row ends the session for every copy of the token.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # a SessionKind
    # The second factor the login gave (security.second_factor.Factor); it ends when that is not enough.
    second_factor: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # to the minute
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the absolute end
    client_address: Mapped[str | None] = mapped_column(String(45))
    device: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    @hybrid_method
    def ended(self, now: datetime, idle: timedelta) -> Any:
        """Tell (in Python, or as SQL for a query) whether the session is over at ``now``.

        Past its absolute end, or a browser's session unseen for ``idle``.
        """
        return (self.expires_at <= now) | (
            (self.kind == SessionKind.BROWSER.value) & (self.last_seen_at <= now - idle)
        )

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
