"""A pending login: the password was right, the second factor is still owed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from timetracker.models.outbox import OutboxMessage
    from timetracker.models.user import User


class PendingLogin(db.Model):
    """Server-side state between the password step and the second factor.

    Only a random token goes to the client (the browser's signed session, or an API client);
    this row keeps its hash, so a code is bound to the one client that holds the token.
    ``purpose`` keeps the kinds apart: a browser login, an API login, or a password reset
    (then ``subject`` binds it to one reset link, and ``verified_at`` says the factor was given).
    """

    __tablename__ = "pending_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20), default="login")
    subject: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    next_url: Mapped[str | None] = mapped_column(String(500))
    tries_left: Mapped[int]
    # Keyed digest of the password given at the first step (see security.passwords.password_digest).
    password_digest: Mapped[str | None] = mapped_column(String(64))
    # The emailed code, as a keyed hash bound to this row; None once voided.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship()
    code_message: Mapped[OutboxMessage | None] = relationship()

    def __repr__(self) -> str:
        return f"<PendingLogin {self.id} user={self.user_id} {self.method}>"
