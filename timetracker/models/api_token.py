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


class ApiToken(db.Model):
    """A bearer token of one API client.

    It is valid until it expires or is revoked, and only while the user's session token is
    the one it was issued under: a password change, a deactivation or a 2FA reset rotates
    that, which ends every token of the user at once.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_session_token: Mapped[str] = mapped_column(String(64))
    # The server-side session of the API login: deleting it revokes the token.
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True
    )
    # The second factor the login gave (security.second_factor.Factor); the token ends when it is not enough.
    second_factor: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
