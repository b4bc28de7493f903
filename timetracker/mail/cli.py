"""``flask --app timetracker mail worker|test``."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click
from flask import current_app, render_template
from flask.cli import AppGroup

from timetracker import messages, validation
from timetracker.mail import sender, transport
from timetracker.models import OutboxMessage

mail_cli = AppGroup("mail", help="Deliver the outbox and check the mail settings.")


@mail_cli.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def worker(once: bool) -> None:
    """Deliver the outbox until stopped (set TIMETRACKER_MAIL_DELIVERY=worker for the app)."""
    if once:
        click.echo(
            messages.CLI_MAIL_TRIED.format(count=sender.deliver_due(current_app._get_current_object()))
        )  # type: ignore[attr-defined]
        return
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo(messages.CLI_MAIL_WORKER_STARTED.format(mode=transport.mail_mode()))
    sender.run_loop(current_app._get_current_object(), stop)  # type: ignore[attr-defined]
    click.echo(messages.CLI_MAIL_WORKER_STOPPED)


@mail_cli.command("test")
@click.argument("address")
def test_mail(address: str) -> None:
    """Send a test mail to ADDRESS now, showing the SMTP conversation."""
    try:
        address = validation.email(address)
    except validation.Invalid as error:
        raise click.BadParameter(str(error), param_hint="ADDRESS") from None
    row = OutboxMessage(
        purpose="test",
        recipient=address,
        subject=messages.SUBJECT_TEST_MAIL,
        body_text=render_template("email/test_mail.txt", name=None),
        body_html=render_template("email/test_mail.html", name=None),
    )
    try:
        with transport.Mailer(show_conversation=True) as mailer:
            outcome = mailer.send(row)
    except (transport.TemporaryFailure, transport.PermanentFailure) as failure:
        kind = (
            messages.CLI_MAIL_FAILURE_TEMPORARY
            if isinstance(failure, transport.TemporaryFailure)
            else messages.CLI_MAIL_FAILURE_PERMANENT
        )
        raise click.ClickException(messages.CLI_MAIL_NOT_SENT.format(kind=kind, failure=failure)) from None
    click.echo(messages.CLI_MAIL_SENT.format(outcome=outcome))
