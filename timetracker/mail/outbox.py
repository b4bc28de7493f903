"""The outbox: queue messages in the caller's transaction, claim and deliver them, keep the record.

Any number of senders (``mail.sender``: threads or ``flask mail worker`` processes, each with
several deliveries in flight) may run at once: each message is claimed by exactly one of them
(see ``claim``). A sender that dies mid-conversation loses its claim when the lease
(MAIL_LEASE) runs out, and the message is tried again: had the SMTP server already taken it,
it arrives twice, the only way a message is ever duplicated.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app, render_template
from sqlalchemy import BindParameter, ColumnElement, Row, and_, bindparam, delete, insert, or_, select, update

from timetracker import clock, messages
from timetracker.extensions import db
from timetracker.mail import transport
from timetracker.models import MailAttempt, MailPriority, MailStatus, OutboxMessage, PendingLogin, UserSession

FIRST_RETRY_DELAY = 5  # seconds; doubles with each failed attempt up to MAIL_RETRY_MAX_DELAY
QUEUED_KEY = "timetracker.outbox_queued_by"


def queue(
    purpose: str,
    recipient: str,
    subject: str,
    template: str,
    *,
    user_id: int | None,
    priority: MailPriority = MailPriority.NOTICE,
    **context: object,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; it is sent after the commit.

    The bodies come from ``templates/email/<template>.txt`` and ``.html``. Messages someone
    waits for (``MailPriority.WAITED_FOR``) are claimed before any notice.
    """
    now = clock.now()
    message = OutboxMessage(
        purpose=purpose,
        user_id=user_id,
        recipient=recipient,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        priority=priority.value,
        next_attempt_at=now,
        give_up_at=now + timedelta(seconds=current_app.config["MAIL_RETRY_PERIOD"]),
    )
    db.session.add(message)
    db.session.info[QUEUED_KEY] = current_app._get_current_object()  # whose sender to wake on commit
    return message


def claim(limit: int, *, notices: int, busy: Collection[int] = ()) -> list[tuple[int, int]]:
    """Claim up to ``limit`` due messages for this sender, at most ``notices`` of them notices,
    none of the ``busy`` ones it is still sending (a conversation may outlast its lease).

    Returns their ids and priorities, mail someone waits for first, then by due time. On
    PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent senders each
    get other rows without waiting. SQLite has one writer at a time: the UPDATE claims only rows
    that are still claimable, so a sender that lost the race for some gets the others. A
    message whose earlier claim lapsed (its sender died) gets an attempt recorded for it, or is
    given up when its retry period is over.
    """
    now = clock.now()
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    due = {"now": now, "limit": limit, "busy": list(busy)}
    rows = db.session.execute(_DUE_LOCKED if postgresql else _DUE, due).all()
    if not postgresql:
        db.session.commit()  # SQLite cannot turn a read transaction that went stale into a write
    over = [row for row in rows if row.status == MailStatus.SENDING and row.give_up_at <= now]
    for row in over:
        _give_up_lapsed(row, now)
    wanted = _within_notices([row for row in rows if row not in over], notices)
    if not wanted:
        db.session.commit()
        return []
    until = now + timedelta(seconds=current_app.config["MAIL_LEASE"])
    claimed = set(db.session.scalars(_CLAIM, {"ids": [row.id for row in wanted], "now": now, "until": until}))
    lapsed = [row.id for row in wanted if row.id in claimed and row.status == MailStatus.SENDING]
    if lapsed:
        db.session.execute(_COUNT_ATTEMPT, {"ids": lapsed})
        for message_id in lapsed:
            _record_attempt(message_id, now, "retry", messages.MAIL_CLAIM_LAPSED)
    db.session.commit()
    return [(row.id, row.priority) for row in wanted if row.id in claimed]


def _give_up_lapsed(row: Row[Any], now: datetime) -> None:
    """End a lapsed claim whose retry period is over: the message is not sent, its body emptied."""
    _finish(row.id, _OUTBOX.c.lease_until < now, MailStatus.FAILED, messages.MAIL_CLAIM_LAPSED_TOO_LATE)


def _within_notices(rows: Sequence[Row[Any]], notices: int) -> list[Row[Any]]:
    """Keep ``rows`` (in order) with no more than ``notices`` notices among them."""
    wanted = []
    for row in rows:
        if row.priority != MailPriority.WAITED_FOR:
            if notices == 0:
                continue
            notices -= 1
        wanted.append(row)
    return wanted


def _claimable(now: BindParameter[datetime]) -> ColumnElement[bool]:
    """Match messages that are due, or whose sender's lease ran out."""
    return or_(
        and_(OutboxMessage.status == MailStatus.QUEUED.value, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == MailStatus.SENDING.value, OutboxMessage.lease_until < now),
    )


# Built once: a busy sender claims several times a second.
_DUE = (
    select(OutboxMessage.id, OutboxMessage.priority, OutboxMessage.status, OutboxMessage.give_up_at)
    .where(_claimable(bindparam("now")), OutboxMessage.id.not_in(bindparam("busy", expanding=True)))
    .order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id)
    .limit(bindparam("limit"))
)
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True)
_CLAIM = (
    update(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)), _claimable(bindparam("now")))
    .values(status=MailStatus.SENDING.value, lease_until=bindparam("until"))
    .returning(OutboxMessage.id)
    .execution_options(synchronize_session=False)
)
_COUNT_ATTEMPT = (
    update(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
    .values(attempts=OutboxMessage.attempts + 1)
    .execution_options(synchronize_session=False)
)


@dataclass(frozen=True)
class Attempt:
    """What came of handing a message to the SMTP server, to be recorded by ``record``."""

    message: Row[Any]  # id, attempts and give_up_at of the message
    outcome: MailStatus | None  # SENT or FAILED; None: try again later
    detail: str


def send(message_id: int, mailer: transport.Mailer) -> Attempt:
    """Hand a claimed message to ``mailer`` and say what came of it (nothing is written yet)."""
    message = db.session.execute(_TO_SEND, {"message_id": message_id}).one()
    db.session.rollback()  # no transaction stays open through a conversation of seconds
    try:
        return Attempt(message, MailStatus.SENT, mailer.send(message))
    except transport.PermanentFailure as failure:
        return Attempt(message, MailStatus.FAILED, str(failure))
    except transport.TemporaryFailure as failure:
        return Attempt(message, None, str(failure))
    except Exception as error:  # a bug must not leave the message claimed for ever
        current_app.logger.exception("Delivering outbox message %s failed unexpectedly", message_id)
        return Attempt(message, None, f"{type(error).__name__}: {error}")


def record(attempts: list[Attempt]) -> None:
    """Store what came of ``attempts`` in one transaction, ending their claims.

    Sent or given up, a message is final; otherwise it is queued again after a back-off, or
    given up when that would pass the end of its retry period.
    """
    for attempt in attempts:
        if attempt.outcome is None:
            _retry_or_give_up(attempt.message, attempt.detail)
        else:
            _finish(attempt.message.id, _held(attempt.message), attempt.outcome, attempt.detail)
    db.session.commit()


def _finish(message_id: int, held: ColumnElement[bool], status: MailStatus, detail: str) -> None:
    """Record the final outcome and empty the bodies, which may hold a code."""
    now = clock.now()
    outcome = {"sent_at": now} if status is MailStatus.SENT else {"last_error": detail[:500]}
    _record(message_id, held, now, status.value, detail, body_text="", body_html=None, **outcome)


def _retry_or_give_up(message: Row[Any], detail: str) -> None:
    now = clock.now()
    delay = min(FIRST_RETRY_DELAY * 2**message.attempts, current_app.config["MAIL_RETRY_MAX_DELAY"])
    next_attempt = now + timedelta(seconds=delay)
    if next_attempt > message.give_up_at:
        _finish(message.id, _held(message), MailStatus.FAILED, detail)
        return
    changes = {"next_attempt_at": next_attempt, "last_error": detail[:500]}
    _record(message.id, _held(message), now, "retry", detail, **changes)


def _held(message: Row[Any]) -> ColumnElement[bool]:
    """Match the message's row while it is still claimed with the lease this sender read."""
    return _OUTBOX.c.lease_until == message.lease_until


def _record(
    message_id: int, held: ColumnElement[bool], now: datetime, outcome: str, detail: str, **changes: object
) -> None:
    """End a claim on the message with ``changes``, one more attempt, and its record.

    Only while ``held`` (the claim is still this sender's, or lapsed): a message another sender
    took over, or that is gone, keeps what that sender or purge made of it.
    """
    status = MailStatus.QUEUED.value if outcome == "retry" else outcome
    recorded = db.session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == message_id, _OUTBOX.c.status == MailStatus.SENDING.value, held)
        .values(status=status, lease_until=None, attempts=_OUTBOX.c.attempts + 1, **changes)
    )
    if recorded.rowcount == 1:
        _record_attempt(message_id, now, outcome, detail)


def _record_attempt(message_id: int, at: datetime, outcome: str, detail: str) -> None:
    """Add an attempt to the record."""
    db.session.execute(
        _ADD_ATTEMPT, {"message_id": message_id, "at": at, "outcome": outcome, "detail": detail[:500]}
    )


_OUTBOX = OutboxMessage.__table__
_TO_SEND = select(
    *(
        _OUTBOX.c[name]
        for name in (
            "id",
            "recipient",
            "subject",
            "body_text",
            "body_html",
            "attempts",
            "give_up_at",
            "lease_until",
        )
    )
).where(_OUTBOX.c.id == bindparam("message_id"))
_ADD_ATTEMPT = insert(MailAttempt.__table__)


def purge() -> None:
    """Delete outbox rows older than MAIL_KEEP_DAYS, and pending logins and sessions that have ended."""
    now = clock.now()
    keep = timedelta(days=current_app.config["MAIL_KEEP_DAYS"])
    idle = timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])
    db.session.execute(delete(PendingLogin).where(PendingLogin.expires_at <= now))
    db.session.execute(delete(UserSession).where(UserSession.ended(now, idle)))
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
