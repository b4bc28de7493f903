"""The durable outbox: every email is a row first, delivered by a sender afterwards."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for its first or next attempt
    SENDING = "sending"  # claimed by a sender until lease_until
    SENT = "sent"
    FAILED = "failed"  # given up: refused by the server, or no success within the retry period


class MailPriority(IntEnum):
    """Which messages a sender takes first: the lower, the sooner."""

    WAITED_FOR = 0  # someone is at the screen waiting for it: a login code, a reset link
    NOTICE = 1  # confirmations, alerts, test mails


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    # Emptied once the message is sent or given up, so no code lingers in the database.
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED.value)
    priority: Mapped[int] = mapped_column(
        SmallInteger, default=MailPriority.NOTICE.value, server_default=str(MailPriority.NOTICE.value)
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))

    attempt_log: Mapped[list[MailAttempt]] = relationship(
        back_populates="message",
        order_by="MailAttempt.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.purpose} {self.status}>"


class MailAttempt(db.Model):
    """One try at handing a message to the SMTP server, and what came of it."""

    __tablename__ = "mail_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(500))

    message: Mapped[OutboxMessage] = relationship(back_populates="attempt_log")
