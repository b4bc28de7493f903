"""Several messages in flight per sender, codes before notices, and a sender killed mid-conversation.

No clock decides anything here: an SMTP server that holds every conversation at the end of
its DATA until the test releases it shows what is in flight at each moment.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import delete, select

from tests.conftest import free_port, stop_sender
from tests.processes import BIN, environment
from timetracker import ROOT
from timetracker.extensions import db
from timetracker.mail import outbox, sender
from timetracker.models import MailAttempt, MailPriority, MailStatus, OutboxMessage

# A held conversation must not time out on the sender's side, nor its claim lapse.
SLOW_SERVER = {"MAIL_TIMEOUT": 30, "MAIL_LEASE": 60}


class HoldingServer:
    """A real SMTP server (aiosmtpd) that keeps each message's conversation open, after its
    DATA arrived and before its answer, until ``release``; it records what is in flight."""

    def __init__(self) -> None:
        self.port = free_port()
        self.in_flight: list[str] = []  # recipients whose conversations are held now
        self.started: list[str] = []  # recipients in the order their DATA arrived
        self.received: Counter[str] = Counter()  # recipients answered 250, and how often
        self.most_at_once = 0
        self.connections: set[int] = set()
        self._released = threading.Event()
        self._changed = threading.Condition()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        recipient = envelope.rcpt_tos[0]
        with self._changed:
            self.in_flight.append(recipient)
            self.started.append(recipient)
            self.connections.add(id(session))
            self.most_at_once = max(self.most_at_once, len(self.in_flight))
            self._changed.notify_all()
        while not self._released.is_set():
            await asyncio.sleep(0.005)
        with self._changed:
            self.in_flight.remove(recipient)
            self.received[recipient] += 1
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_until(self, condition: Callable[[HoldingServer], bool], timeout: float = 15) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: condition(self), timeout), (
                f"in flight {self.in_flight}, received {dict(self.received)}"
            )

    def release(self) -> None:
        self._released.set()


@pytest.fixture
def holding_server() -> Iterator[HoldingServer]:
    server = HoldingServer()
    server._controller.start()
    yield server
    server.release()
    server._controller.stop()


def queue_mail(app: Flask, recipients: list[str], priority: MailPriority = MailPriority.NOTICE) -> None:
    with app.app_context():
        for recipient in recipients:
            outbox.queue("test", recipient, "Test", "test_mail", user_id=None, priority=priority, name=None)
        db.session.commit()


def addresses(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{number}@example.com" for number in range(count)]


def test_a_sender_delivers_its_concurrency_at_once_over_kept_connections(
    make_app: Any, holding_server: HoldingServer
) -> None:
    app = make_app(MAIL_PORT=holding_server.port, MAIL_CONCURRENCY=4, MAIL_DELIVERY="worker", **SLOW_SERVER)
    recipients = addresses("code", 12)
    queue_mail(app, recipients, MailPriority.WAITED_FOR)
    tried: list[int] = []
    delivering = threading.Thread(target=lambda: tried.append(sender.deliver_due(app)))
    delivering.start()

    holding_server.wait_until(lambda server: len(server.in_flight) == 4)
    assert holding_server.received == Counter()
    holding_server.release()
    delivering.join(30)

    assert tried == [12]
    assert holding_server.received == Counter(recipients)  # each exactly once
    assert holding_server.most_at_once == 4
    assert len(holding_server.connections) <= 4  # a lane keeps its connection for its next message
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
        assert {(row.status, row.attempts) for row in rows} == {(MailStatus.SENT.value, 1)}


def test_a_code_queued_behind_many_notices_goes_out_first(
    make_app: Any, holding_server: HoldingServer
) -> None:
    app = make_app(MAIL_PORT=holding_server.port, MAIL_CONCURRENCY=3, **SLOW_SERVER)
    notices = addresses("notice", 20)
    queue_mail(app, notices)  # wakes the app's sender thread

    # Notices take every lane but one; the rest of the burst waits in the outbox.
    holding_server.wait_until(lambda server: len(server.in_flight) == 2)
    queue_mail(app, ["code@example.com"], MailPriority.WAITED_FOR)
    holding_server.wait_until(lambda server: "code@example.com" in server.in_flight)
    assert len(holding_server.in_flight) == 3 and holding_server.received == Counter()

    holding_server.release()
    holding_server.wait_until(lambda server: sum(server.received.values()) == 21)
    stop_sender(app)
    assert holding_server.started.index("code@example.com") == 2
    assert holding_server.received == Counter([*notices, "code@example.com"])


def test_with_one_lane_codes_go_before_notices_queued_earlier(make_app: Any, smtp: Any) -> None:
    app = make_app(MAIL_CONCURRENCY=1, MAIL_DELIVERY="worker")
    queue_mail(app, addresses("notice", 5))
    queue_mail(app, ["code@example.com"], MailPriority.WAITED_FOR)
    assert sender.deliver_due(app) == 6
    assert [message["To"] for message in smtp.wait_for(6)] == ["code@example.com", *addresses("notice", 5)]


def test_concurrent_senders_with_several_lanes_deliver_each_message_once(make_app: Any, smtp: Any) -> None:
    app = make_app(MAIL_CONCURRENCY=4, MAIL_DELIVERY="worker")
    recipients = addresses("person", 60)
    queue_mail(app, recipients[:30])
    queue_mail(app, recipients[30:], MailPriority.WAITED_FOR)
    tried: list[int] = []
    senders = [threading.Thread(target=lambda: tried.append(sender.deliver_due(app))) for _ in range(3)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(60)

    assert sum(tried) == 60
    assert Counter(message["To"] for message in smtp.wait_for(60)) == Counter(recipients)
    with app.app_context():
        assert {row.attempts for row in db.session.scalars(select(OutboxMessage))} == {1}


def test_a_worker_killed_mid_conversation_leaves_the_message_to_be_retried_after_the_lease(
    make_app: Any, database: dict[str, Any], holding_server: HoldingServer, moving_clock: Any
) -> None:
    app = make_app(MAIL_PORT=holding_server.port, MAIL_DELIVERY="worker", **SLOW_SERVER)
    queue_mail(app, ["code@example.com"], MailPriority.WAITED_FOR)
    env = environment(
        SQLALCHEMY_DATABASE_URI=_url_for_another_process(database),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=holding_server.port,
        MAIL_DELIVERY="worker",
        **SLOW_SERVER,
    )
    command = [str(BIN / "flask"), "--app", "timetracker", "mail", "worker"]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        holding_server.wait_until(lambda server: server.in_flight == ["code@example.com"], timeout=30)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    holding_server.release()

    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts) == (MailStatus.SENDING.value, 0)
    assert sender.deliver_due(app) == 0  # the dead worker's claim still holds

    moving_clock.move(seconds=SLOW_SERVER["MAIL_LEASE"] + 1)
    assert sender.deliver_due(app) == 1
    # aiosmtpd drops a conversation whose client vanished before the answer; a server that had
    # taken the message by then would deliver it twice (the README says so).
    holding_server.wait_until(lambda server: server.received["code@example.com"] == 1)
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts) == (MailStatus.SENT.value, 2)
        outcomes = db.session.scalars(
            select(MailAttempt.outcome).where(MailAttempt.message_id == message.id).order_by(MailAttempt.id)
        )
        assert list(outcomes) == ["retry", "sent"]


def _url_for_another_process(database: dict[str, Any]) -> str:
    """Return the database address of this test's database with its PostgreSQL schema in it."""
    url: str = database["SQLALCHEMY_DATABASE_URI"]
    options = database.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    return f"{url}?options={quote(options)}" if options else url


class _Accepting:
    """A mailer that takes every message at once."""

    def send(self, message: Any) -> str:
        return "accepted"


def _claim_one(app: Flask, **busy: Any) -> list[tuple[int, int]]:
    with app.app_context():
        return outbox.claim(1, notices=1, **busy)


def _send(app: Flask, message_id: int) -> outbox.Attempt:
    with app.app_context():
        return outbox.send(message_id, _Accepting())  # type: ignore[arg-type]


def _record(app: Flask, *attempts: outbox.Attempt) -> None:
    with app.app_context():
        outbox.record(list(attempts))


def _row(app: Flask) -> tuple[str, int, list[str]]:
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        outcomes = db.session.scalars(select(MailAttempt.outcome).order_by(MailAttempt.id))
        return message.status, message.attempts, list(outcomes)


def test_a_sender_whose_lease_ran_out_does_not_overwrite_the_sender_that_took_over(
    make_app: Any, moving_clock: Any
) -> None:
    app = make_app(MAIL_DELIVERY="worker", **SLOW_SERVER)
    queue_mail(app, ["code@example.com"], MailPriority.WAITED_FOR)
    [(message_id, _)] = _claim_one(app)
    late = _send(app, message_id)  # the first sender's conversation outlasts its lease
    moving_clock.move(seconds=SLOW_SERVER["MAIL_LEASE"] + 1)
    assert _claim_one(app) == [(message_id, MailPriority.WAITED_FOR)]
    _record(app, _send(app, message_id))
    _record(app, late)  # comes too late: the message is the second sender's
    assert _row(app) == (MailStatus.SENT.value, 2, ["retry", "sent"])


def test_a_message_deleted_while_it_was_sent_does_not_hold_up_the_next(make_app: Any) -> None:
    app = make_app(MAIL_DELIVERY="worker")
    queue_mail(app, ["old@example.com"])
    [(message_id, _)] = _claim_one(app)
    attempt = _send(app, message_id)
    with app.app_context():
        db.session.execute(delete(OutboxMessage))  # purge, in another process
        db.session.commit()
    queue_mail(app, ["code@example.com"], MailPriority.WAITED_FOR)
    _record(app, attempt)  # nothing to record it on; not put on the next message's row
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.recipient, message.status, message.attempts) == ("code@example.com", "queued", 0)
        assert db.session.scalar(select(db.func.count(MailAttempt.id))) == 0


def test_a_sender_never_claims_again_what_it_is_still_sending(make_app: Any, moving_clock: Any) -> None:
    app = make_app(MAIL_DELIVERY="worker", **SLOW_SERVER)
    queue_mail(app, ["code@example.com"], MailPriority.WAITED_FOR)
    [(message_id, _)] = _claim_one(app)
    moving_clock.move(seconds=SLOW_SERVER["MAIL_LEASE"] + 1)
    assert _claim_one(app, busy=[message_id]) == []
    assert _claim_one(app) == [(message_id, MailPriority.WAITED_FOR)]  # another sender would


def test_a_lapsed_claim_past_the_retry_period_is_given_up(make_app: Any, moving_clock: Any) -> None:
    app = make_app(MAIL_DELIVERY="worker", **SLOW_SERVER)
    queue_mail(app, ["code@example.com"], MailPriority.WAITED_FOR)
    _claim_one(app)  # and its sender dies, every time
    moving_clock.move(seconds=app.config["MAIL_RETRY_PERIOD"] + 1)
    assert _claim_one(app) == []
    assert _row(app) == (MailStatus.FAILED.value, 1, ["failed"])
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.body_text)).one() == ""
