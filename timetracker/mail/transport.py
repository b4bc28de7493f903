"""Handing messages to the SMTP server (Flask-Mail), or to the console in development."""

from __future__ import annotations

import email.policy
import smtplib
import sys
from types import TracebackType
from typing import Protocol

import flask_mail
from flask import current_app

from timetracker import messages


class Mail(Protocol):
    """What is sent of an outbox message (a row of ``outbox_messages``, read or not yet stored)."""

    recipient: str
    subject: str
    body_text: str
    body_html: str | None


class TemporaryFailure(Exception):
    """The server could not take the message now (down, slow, 4xx): try again later."""


class PermanentFailure(Exception):
    """The message will never go through as it is (5xx, no mail server): give up."""


def mail_mode() -> str:
    """Say how mail leaves: "smtp", "console" (debug without a server) or "none"."""
    if current_app.config["MAIL_SERVER"]:
        return "smtp"
    return "console" if current_app.debug else "none"


class Mailer:
    """Hands messages to the SMTP server, keeping one connection open for a burst of them.

    Use it as a context manager; the connection is closed on leaving it, and dropped (to be
    opened again for the next message) after any failure.
    """

    def __init__(self, *, show_conversation: bool = False) -> None:
        self.show_conversation = show_conversation
        self._smtp: _Connection | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            self._smtp.__exit__(None, None, None)
            self._smtp = None

    def send(self, row: Mail) -> str:
        """Deliver ``row`` now and describe where it went.

        :raise TemporaryFailure: try again later.
        :raise PermanentFailure: do not try again.
        """
        mode = mail_mode()
        if mode == "none":
            raise PermanentFailure(messages.NO_MAIL_SERVER)
        if mode == "console":
            _print(row)
            return "printed to the console"
        config = current_app.config
        message = _Message(
            subject=row.subject,
            recipients=[row.recipient],
            body=row.body_text,
            html=row.body_html,
            sender=config["MAIL_DEFAULT_SENDER"],
        )
        reused = self._smtp is not None
        try:
            try:
                self._connection().send(message)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                if not reused:
                    raise
                self.close()  # the server closed the connection kept from the last message: one fresh try
                self._connection().send(message)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            code, reply = next(iter(error.recipients.values()))
            raise _failure(code, reply) from None
        except smtplib.SMTPResponseException as error:
            self.close()
            raise _failure(error.smtp_code, error.smtp_error) from None
        except flask_mail.BadHeaderError:
            raise PermanentFailure("the message has a line break in a header") from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from None
        return f"accepted by {config['MAIL_SERVER']}:{config['MAIL_PORT']}"

    def _connection(self) -> _Connection:
        if self._smtp is None:
            connection = _Connection(
                current_app.extensions["mail"], current_app.config["MAIL_TIMEOUT"], self.show_conversation
            )
            connection.__enter__()
            self._smtp = connection
        return self._smtp


def _failure(code: int, reply: bytes | str) -> Exception:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    description = f"{code} {text}".strip()
    return PermanentFailure(description) if code >= 500 else TemporaryFailure(description)


def _print(row: Mail) -> None:
    """Write the message to standard output, as development mode promises."""
    print(
        f"\n----- email to {row.recipient}: {row.subject} -----\n{row.body_text}\n----- end of email -----\n",
        file=sys.stdout,
        flush=True,
    )


class _Message(flask_mail.Message):
    """Flask-Mail's message, flattened without parsing each header again.

    Flask-Mail encodes the headers itself and then flattens with ``policy.SMTP``, whose header
    registry parses every header anew: two thirds of a sender's CPU per message. The legacy
    policy with CRLF line ends writes the same headers as they are.
    """

    def as_bytes(self) -> bytes:
        return self._message().as_bytes(policy=_FLATTEN)


_FLATTEN = email.policy.compat32.clone(linesep="\r\n")


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection, with a timeout (Flask-Mail sets none) and a close that never raises."""

    def __init__(self, mail: flask_mail._Mail, timeout: float, show_conversation: bool) -> None:
        super().__init__(mail)  # type: ignore[arg-type]
        self.timeout = timeout
        self.show_conversation = show_conversation

    def configure_host(self) -> smtplib.SMTP:
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(timeout=self.timeout)
        host.set_debuglevel(1 if self.show_conversation else 0)
        try:
            host.connect(self.mail.server, self.mail.port)
            if self.mail.use_tls:
                host.starttls()
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.host is None:
            return
        try:
            self.host.quit()
        except (OSError, smtplib.SMTPException):
            self.host.close()
