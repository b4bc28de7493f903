"""The outbox and its sender: mail never blocks a request and never fails silently."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import flask_mail
import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import (
    PASSWORD,
    BrowserClient,
    People,
    SmtpSink,
    free_port,
    read_code,
    stop_sender,
    wait_for_status,
)
from timetracker import messages
from timetracker.extensions import db
from timetracker.mail import outbox, sender, transport
from timetracker.models import MailAttempt, OutboxMessage

CODE_NOT_SENT = "The code could not be emailed. Ask a top manager to check the mail settings."


class HangingServer:
    """Accepts TCP connections on loopback and never says a word, like a stuck SMTP server."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._held: list[socket.socket] = []
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self._held.append(connection)
            self.connected.set()

    def close(self) -> None:
        self._socket.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def hanging_server() -> Iterator[HangingServer]:
    server = HangingServer()
    yield server
    server.close()


def messages_in_outbox(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def attempts_of(app: Flask, message_id: int) -> list[tuple[str, str | None]]:
    with app.app_context():
        return [
            (a.outcome, a.detail)
            for a in db.session.scalars(
                select(MailAttempt).where(MailAttempt.message_id == message_id).order_by(MailAttempt.id)
            )
        ]


# --- a good server -------------------------------------------------------------------------------


def test_status_frame_says_sent_and_stops_refreshing(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    client.login("user")
    page = wait_for_status(client, "The code was sent.")
    assert 'http-equiv="refresh"' not in page
    assert '<iframe class="delivery" src="/2fa/status"' in client.get("/2fa").text
    [message] = messages_in_outbox(app)
    assert message.status == "sent" and message.attempts == 1 and message.sent_at is not None
    assert attempts_of(app, message.id) == [("sent", f"accepted by 127.0.0.1:{smtp.port}")]


# --- a server that refuses, hangs, or is not there ------------------------------------------------


def test_refused_code_is_shown_as_not_sent(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    people.require_group_2fa()
    smtp.refuse = "550 5.1.1 Mailbox unavailable"
    assert client.login("user").location == "/2fa"
    page = wait_for_status(client, CODE_NOT_SENT)
    assert 'http-equiv="refresh"' not in page
    [message] = messages_in_outbox(app)
    assert message.status == "failed" and "550" in (message.last_error or "")
    assert message.body_text == ""  # no code left behind in the database
    assert [outcome for outcome, _ in attempts_of(app, message.id)] == ["failed"]


def test_hanging_server_never_holds_up_login(
    make_app: Any, people: People, hanging_server: HangingServer
) -> None:
    """The login answers while the only SMTP conversation is still in flight, so it never waited for it.

    Had the request talked to the server itself, the conversation would have ended (timed out
    and been recorded) before the login answered; no clock is read to tell.
    """
    app = make_app(MAIL_PORT=hanging_server.port, MAIL_TIMEOUT=3)
    people.require_group_2fa()
    client = app.test_client()
    assert client.login("user").location == "/2fa"
    assert hanging_server.connected.wait(10), "the sender never tried the server"
    [message] = messages_in_outbox(app)
    assert (message.status, message.attempts, message.last_error) == ("sending", 0, None)
    assert "Sending the code…" in client.get("/2fa/status").text
    client.get("/2fa")
    assert "Invalid 2FA code." in client.submit("/2fa", {"code": "123456", "password": PASSWORD}).text
    page = wait_for_status(client, "Still trying to email the code (attempt 1 failed)")
    assert 'http-equiv="refresh" content="2"' in page
    [message] = messages_in_outbox(app)
    assert message.status == "queued" and "timed out" in (message.last_error or "")


def test_absent_server_then_back_delivers_the_code(make_app: Any, people: People, moving_clock: Any) -> None:
    port = free_port()
    app = make_app(MAIL_PORT=port)
    people.require_group_2fa()
    client = app.test_client()
    assert client.login("user").location == "/2fa"
    wait_for_status(client, "Still trying to email the code")
    server = SmtpSink(port).start()
    try:
        moving_clock.move(seconds=61)  # past the retry pause
        code = read_code(server, "jane@example.com")
        wait_for_status(client, "The code was sent")
        assert client.submit("/2fa", {"code": code, "password": PASSWORD}).location == "/"
        assert len(server.messages) == 1
    finally:
        server.stop()
    [message] = messages_in_outbox(app)
    outcomes = [outcome for outcome, _ in attempts_of(app, message.id)]
    assert outcomes[-1] == "sent" and set(outcomes[:-1]) == {"retry"}


def test_retrying_stops_after_15_minutes(make_app: Any, people: People, moving_clock: Any) -> None:
    app = make_app(MAIL_PORT=free_port())
    people.require_group_2fa()
    client = app.test_client()
    client.login("user")
    wait_for_status(client, "Still trying")
    moving_clock.move(minutes=16)
    wait_for_status(client, CODE_NOT_SENT)
    [message] = messages_in_outbox(app)
    assert message.status == "failed" and message.body_text == ""


def test_without_a_mail_server_codes_are_marked_not_sent(make_app: Any, people: People) -> None:
    app = make_app(MAIL_SERVER=None)
    people.require_group_2fa()
    client = app.test_client()
    client.login("user")
    wait_for_status(client, CODE_NOT_SENT)
    [message] = messages_in_outbox(app)
    assert message.last_error == "No mail server is configured (TIMETRACKER_MAIL_SERVER is not set)."


def test_in_debug_without_a_mail_server_mail_is_printed(
    make_app: Any, people: People, capfd: pytest.CaptureFixture[str]
) -> None:
    app = make_app(MAIL_SERVER=None, DEBUG=True)
    people.require_group_2fa()
    client = app.test_client()
    client.login("user")
    wait_for_status(client, "The code was sent")
    printed = capfd.readouterr().out
    assert "email to jane@example.com: Time Tracker two-factor authentication code" in printed
    assert "valid for 10 minutes" in printed


# --- durability --------------------------------------------------------------------------------------


def test_outbox_survives_an_app_restart(make_app: Any, people: People, smtp: SmtpSink) -> None:
    first = make_app(MAIL_DELIVERY="worker")  # no sender thread: the message waits in the outbox
    people.require_group_2fa()
    client = first.test_client()
    client.login("user")
    time.sleep(0.2)
    assert smtp.messages == []
    stop_sender(first)

    second = make_app()
    second.test_client().get("/login")  # the first request starts the new process's sender
    code = read_code(smtp, "jane@example.com")
    assert len(code) == 6 and len(smtp.messages) == 1


def test_mail_worker_once_delivers_the_outbox(make_app: Any, people: People, smtp: SmtpSink) -> None:
    app = make_app(MAIL_DELIVERY="worker")
    people.require_group_2fa()
    app.test_client().login("user")
    result = app.test_cli_runner().invoke(args=["mail", "worker", "--once"])
    assert result.exit_code == 0 and "Tried 1 message(s)." in result.output
    assert len(smtp.wait_for(1)) == 1


def test_concurrent_senders_deliver_each_message_once(app: Flask, people: People, smtp: SmtpSink) -> None:
    with app.app_context():
        for number in range(40):
            outbox.queue("test", f"person{number}@example.com", "Test", "test_mail", user_id=None, name=None)
        db.session.commit()

    def deliver() -> None:
        sender.deliver_due(app)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    received = sorted(message["To"] for message in smtp.wait_for(40))
    time.sleep(0.2)
    assert received == sorted(f"person{number}@example.com" for number in range(40))
    assert len(smtp.messages) == 40


def test_old_outbox_rows_are_purged(app: Flask, people: People, smtp: SmtpSink, moving_clock: Any) -> None:
    with app.app_context():
        outbox.queue("test", "old@example.com", "Test", "test_mail", user_id=None, name=None)
        db.session.commit()
        sender.deliver_due(app)
        moving_clock.move(days=7, minutes=1)
        outbox.queue("test", "new@example.com", "Test", "test_mail", user_id=None, name=None)
        db.session.commit()
        outbox.purge()
        assert [row.recipient for row in db.session.scalars(select(OutboxMessage))] == ["new@example.com"]


# --- flask mail test ---------------------------------------------------------------------------------


def test_mail_test_command_reports_success(app: Flask, smtp: SmtpSink) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "test", "ops@example.com"])
    assert result.exit_code == 0, result.output
    assert f"Sent: accepted by 127.0.0.1:{smtp.port}." in result.output
    assert smtp.wait_for(1)[0]["Subject"] == "Time Tracker test email"


def test_mail_test_command_reports_a_refusal(app: Flask, smtp: SmtpSink) -> None:
    smtp.refuse = "550 5.1.1 Mailbox unavailable"
    result = app.test_cli_runner().invoke(args=["mail", "test", "ops@example.com"])
    assert result.exit_code == 1
    assert "Not sent (permanent failure): 550 5.1.1 Mailbox unavailable" in result.output


def test_mail_test_command_reports_a_dead_server(make_app: Any) -> None:
    app = make_app(MAIL_PORT=free_port())
    result = app.test_cli_runner().invoke(args=["mail", "test", "ops@example.com"])
    assert result.exit_code == 1
    assert "Not sent (temporary failure): ConnectionRefusedError" in result.output


def test_mail_test_command_refuses_a_bad_address(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "test", "not an address"])
    assert result.exit_code == 2 and "ADDRESS" in result.output


def test_a_stopped_sender_stays_stopped(app: Flask, people: People, smtp: SmtpSink) -> None:
    client = app.test_client()
    client.get("/login")  # starts the sender
    stop_sender(app)
    people.require_group_2fa()
    client.login("user")  # queues a code and would wake the sender
    time.sleep(0.3)
    assert smtp.messages == []


def test_mail_rolled_back_wakes_nobody(app: Flask, people: People, smtp: SmtpSink) -> None:
    with app.app_context():
        outbox.queue("test", "nobody@example.com", "Test", "test_mail", user_id=None, name=None)
        db.session.rollback()
        assert outbox.QUEUED_KEY not in db.session.info
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize(
    "subject", [value for name, value in vars(messages).items() if name.startswith("SUBJECT_")]
)
def test_messages_are_flattened_as_flask_mail_would(app: Flask, subject: str) -> None:
    """The sender's cheaper flattening (transport._Message) writes what Flask-Mail's would."""
    fields = {
        "subject": subject,
        "recipients": ["jane@example.com"],
        "body": "Hello Jané,\n\n    123456\n.\n" + "x" * 2000,
        "html": "<p>Hello Jané</p>",
        "sender": "Time Tracker <timetracker@localhost>",
        "date": 0,
    }
    with app.app_context():
        ours, theirs = transport._Message(**fields), flask_mail.Message(**fields)
        ours.msgId = theirs.msgId
        assert _BOUNDARY.sub(b"-", ours.as_bytes()) == _BOUNDARY.sub(b"-", theirs.as_bytes())


_BOUNDARY = re.compile(rb"={15}\d+==")
