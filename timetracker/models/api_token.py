"""Access tokens of the JSON API, kept only as hashes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from timetracker.models.user import User
    from timetracker.models.user_session import UserSession


class ApiToken(db.Model):
    """A bearer token of one API client, valid while the server-side session of its login lives.

    The session (kind "api") keeps the login's second factor, its end and when it was last
    seen; ending it (a sign-out, "Log out" on the Security tab, a password change, a 2FA reset,
    a deactivation) deletes this row with it.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    session: Mapped[UserSession] = relationship()
