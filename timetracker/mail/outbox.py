"""The outbox: queue messages in the caller's transaction, claim and deliver them, keep the record.

Any number of senders (threads or ``flask mail worker`` processes) may run at once: each
message is claimed by exactly one of them (see ``_claim_next``). A sender that dies mid-send
loses its claim when the lease runs out, and the message is tried again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app, render_template
from sqlalchemy import ColumnElement, and_, delete, or_, select, update

from timetracker import clock
from timetracker.extensions import db
from timetracker.mail import transport
from timetracker.models import MailAttempt, MailStatus, OutboxMessage, PendingLogin

LEASE = timedelta(minutes=2)
FIRST_RETRY_DELAY = 5  # seconds; doubles with each failed attempt up to MAIL_RETRY_MAX_DELAY
BATCH = 20
QUEUED_KEY = "timetracker.outbox_queued_by"


def queue(
    purpose: str, recipient: str, subject: str, template: str, *, user_id: int | None, **context: object
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; it is sent after the commit.

    The bodies come from ``templates/email/<template>.txt`` and ``.html``.
    """
    now = clock.now()
    message = OutboxMessage(
        purpose=purpose,
        user_id=user_id,
        recipient=recipient,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        next_attempt_at=now,
        give_up_at=now + timedelta(seconds=current_app.config["MAIL_RETRY_PERIOD"]),
    )
    db.session.add(message)
    db.session.info[QUEUED_KEY] = current_app._get_current_object()  # whose sender to wake on commit
    return message


def deliver_due() -> int:
    """Send every message that is due and not claimed by another sender; return how many were tried."""
    tried = 0
    with transport.Mailer() as mailer:
        while (message_id := _claim_next()) is not None:
            _deliver(message_id, mailer)
            tried += 1
    return tried


def _claim_next() -> int | None:
    """Claim one due message for this sender and return its id; None when nothing is left.

    On PostgreSQL the row is locked with ``FOR UPDATE SKIP LOCKED``, so concurrent senders
    each get another row without waiting. SQLite has one writer at a time: a conditional
    UPDATE claims the row, and a sender that lost the race tries the next one.
    """
    now = clock.now()
    due = (
        select(OutboxMessage.id)
        .where(_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        message_id = db.session.scalar(due.limit(1).with_for_update(skip_locked=True))
        if message_id is not None:
            _mark_claimed(message_id, now)
        db.session.commit()
        return message_id
    candidates = list(db.session.scalars(due.limit(BATCH)))
    db.session.commit()
    for candidate in candidates:
        claimed = _mark_claimed(candidate, now, only_if_claimable=True)
        db.session.commit()
        if claimed:
            return candidate
    return None


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Match messages that are due, or whose sender's lease ran out."""
    return or_(
        and_(OutboxMessage.status == MailStatus.QUEUED.value, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == MailStatus.SENDING.value, OutboxMessage.lease_until < now),
    )


def _mark_claimed(message_id: int, now: datetime, *, only_if_claimable: bool = False) -> bool:
    statement = update(OutboxMessage).where(OutboxMessage.id == message_id)
    if only_if_claimable:
        statement = statement.where(_claimable(now))
    result = db.session.execute(
        statement.values(status=MailStatus.SENDING.value, lease_until=now + LEASE).execution_options(
            synchronize_session=False
        )
    )
    return result.rowcount == 1


def _deliver(message_id: int, mailer: transport.Mailer) -> None:
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None
    try:
        detail = mailer.send(message)
    except transport.PermanentFailure as failure:
        _finish(message, MailStatus.FAILED, str(failure))
    except transport.TemporaryFailure as failure:
        _retry_or_give_up(message, str(failure))
    except Exception as error:  # a bug must not leave the message claimed for ever
        current_app.logger.exception("Delivering outbox message %s failed unexpectedly", message_id)
        _retry_or_give_up(message, f"{type(error).__name__}: {error}")
    else:
        _finish(message, MailStatus.SENT, detail)
    db.session.commit()


def _finish(message: OutboxMessage, status: MailStatus, detail: str) -> None:
    """Record the final outcome and empty the bodies, which may hold a code."""
    now = clock.now()
    message.attempts += 1
    message.status = status.value
    message.lease_until = None
    message.body_text, message.body_html = "", None
    if status is MailStatus.SENT:
        message.sent_at = now
    else:
        message.last_error = detail[:500]
    message.attempt_log.append(MailAttempt(at=now, outcome=status.value, detail=detail[:500]))


def _retry_or_give_up(message: OutboxMessage, detail: str) -> None:
    now = clock.now()
    delay = min(FIRST_RETRY_DELAY * 2**message.attempts, current_app.config["MAIL_RETRY_MAX_DELAY"])
    next_attempt = now + timedelta(seconds=delay)
    if next_attempt > message.give_up_at:
        _finish(message, MailStatus.FAILED, detail)
        return
    message.attempts += 1
    message.status = MailStatus.QUEUED.value
    message.lease_until = None
    message.next_attempt_at = next_attempt
    message.last_error = detail[:500]
    message.attempt_log.append(MailAttempt(at=now, outcome="retry", detail=detail[:500]))


def purge() -> None:
    """Delete outbox rows older than MAIL_KEEP_DAYS and pending logins that have expired."""
    now = clock.now()
    keep = timedelta(days=current_app.config["MAIL_KEEP_DAYS"])
    db.session.execute(delete(PendingLogin).where(PendingLogin.expires_at <= now))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.created_at < now - keep))
    db.session.commit()


class Delivery(StrEnum):
    """What a user is told about a message."""

    SENDING = "sending"
    TRYING = "still trying"
    SENT = "sent"
    FAILED = "could not be sent"


@dataclass(frozen=True)
class DeliveryState:
    delivery: Delivery
    attempts: int
    error: str | None

    @property
    def final(self) -> bool:
        return self.delivery in (Delivery.SENT, Delivery.FAILED)


def delivery_state(message: OutboxMessage) -> DeliveryState:
    """Describe how far a message got, as stored now."""
    db.session.refresh(message)
    if message.status == MailStatus.SENT.value:
        delivery = Delivery.SENT
    elif message.status == MailStatus.FAILED.value:
        delivery = Delivery.FAILED
    else:
        delivery = Delivery.TRYING if message.attempts else Delivery.SENDING
    return DeliveryState(delivery, message.attempts, message.last_error)
