"""Email: messages are queued in the durable outbox and delivered by a sender, never by a request.

``outbox`` queues and delivers, ``transport`` talks SMTP (or prints in development),
``sender`` runs deliveries in a thread or a worker process, ``cli`` holds ``flask mail …``.
"""

from __future__ import annotations

from flask import Flask

from timetracker.extensions import mail


def mask_address(address: str) -> str:
    """Return an address with its local part hidden: ``j•••@example.com``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def init_app(app: Flask) -> None:
    """Bind Flask-Mail, the sender thread and the ``flask mail`` commands to ``app``."""
    from timetracker.mail import cli, sender

    mail.init_app(app)
    sender.init_app(app)
    app.add_template_filter(mask_address, "masked_email")
    app.cli.add_command(cli.mail_cli)
