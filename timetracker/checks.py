"""Readiness checks for an operator: ``flask --app timetracker check``."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from timetracker import messages
from timetracker.database import MIGRATIONS
from timetracker.extensions import db, limiter
from timetracker.mail import transport
from timetracker.security import security_keys

MIN_SECRET_LENGTH = 32
GENERATED_SECRET = "timetracker.secret_key_generated"


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Result:
    subject: str
    status: Status
    detail: str

    def line(self) -> str:
        return f"{self.status.value:<5} {self.subject}: {self.detail}"


def run_all() -> list[Result]:
    """Run every check; each one reports its own failure instead of raising."""
    checks: list[tuple[str, Callable[[], Result]]] = [
        ("secret key", secret_key),
        ("database", database),
        ("migrations", migrations),
        ("mail", mail),
        ("rate limits", rate_limit_storage),
        ("links", base_url),
        ("security keys", relying_party),
    ]
    results = []
    for subject, check in checks:
        try:
            results.append(check())
        except Exception as error:  # a check must report, never crash the report
            results.append(Result(subject, Status.FAIL, f"{type(error).__name__}: {_first_line(error)}"))
    return results


def secret_key() -> Result:
    key = current_app.config["SECRET_KEY"]
    if current_app.extensions.get(GENERATED_SECRET):
        return Result(
            "secret key",
            Status.FAIL,
            messages.CHECK_SECRET_KEY_GENERATED,
        )
    if len(key) < MIN_SECRET_LENGTH:
        return Result(
            "secret key",
            Status.FAIL,
            messages.CHECK_SECRET_KEY_TOO_SHORT.format(length=len(key), minimum=MIN_SECRET_LENGTH),
        )
    return Result("secret key", Status.OK, messages.CHECK_SECRET_KEY_SET.format(length=len(key)))


def database() -> Result:
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return Result(
            "database",
            Status.FAIL,
            messages.CHECK_DATABASE_UNREACHABLE.format(url=url, error=_first_line(error)),
        )
    return Result("database", Status.OK, messages.CHECK_DATABASE_CONNECTED.format(url=url))


def migrations() -> Result:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:
        return Result(
            "migrations", Status.FAIL, messages.CHECK_MIGRATIONS_UNREADABLE.format(error=_first_line(error))
        )
    if current != head:
        detail = messages.CHECK_MIGRATIONS_BEHIND.format(
            current=current or messages.CHECK_MIGRATIONS_NO_REVISION, head=head
        )
        return Result("migrations", Status.FAIL, detail)
    return Result("migrations", Status.OK, messages.CHECK_MIGRATIONS_LATEST.format(head=head))


def mail() -> Result:
    mode = transport.mail_mode()
    if mode == "console":
        return Result("mail", Status.WARN, messages.CHECK_MAIL_CONSOLE)
    if mode == "none":
        return Result("mail", Status.FAIL, messages.CHECK_MAIL_NONE)
    return _smtp_handshake()


def _smtp_handshake() -> Result:
    """Connect, greet, start TLS and log in as configured, then say goodbye."""
    config = current_app.config
    server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            smtp.ehlo()
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
                smtp.ehlo()
            if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            code, _ = smtp.noop()
    except (OSError, smtplib.SMTPException) as error:
        return Result(
            "mail",
            Status.FAIL,
            messages.CHECK_MAIL_NOT_READY.format(
                server=server, error_type=type(error).__name__, error=_first_line(error)
            ),
        )
    return Result("mail", Status.OK, messages.CHECK_MAIL_ANSWERED.format(server=server, code=code))


def rate_limit_storage() -> Result:
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory://"):
        return Result("rate limits", Status.WARN, messages.CHECK_RATE_LIMITS_IN_MEMORY)
    if not limiter.storage.check():
        return Result(
            "rate limits", Status.FAIL, messages.CHECK_RATE_LIMITS_SILENT.format(uri=_without_password(uri))
        )
    return Result(
        "rate limits", Status.OK, messages.CHECK_RATE_LIMITS_ANSWER.format(uri=_without_password(uri))
    )


def base_url() -> Result:
    """Links in emails (password reset) must not follow the Host header a client sends."""
    base, hosts = current_app.config["BASE_URL"], current_app.config["TRUSTED_HOSTS"]
    if not base and hosts:
        return Result(
            "links", Status.OK, messages.CHECK_BASE_URL_TRUSTED_HOSTS.format(hosts=", ".join(hosts))
        )
    if not base:
        return Result("links", Status.FAIL, messages.CHECK_BASE_URL_MISSING)
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Result("links", Status.FAIL, messages.CHECK_BASE_URL_INVALID.format(base=base))
    return Result("links", Status.OK, messages.CHECK_BASE_URL_SET.format(base=base))


def relying_party() -> Result:
    """Security keys need a host name in BASE_URL, and HTTPS anywhere but on localhost."""
    try:
        party = security_keys.relying_party()
    except security_keys.SecurityKeysUnavailable as unavailable:
        return Result("security keys", Status.WARN, str(unavailable))
    if not party.origin.startswith("https://") and party.id != "localhost":
        return Result("security keys", Status.WARN, messages.CHECK_KEYS_NOT_HTTPS.format(origin=party.origin))
    return Result(
        "security keys", Status.OK, messages.CHECK_KEYS_READY.format(rp_id=party.id, origin=party.origin)
    )


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _without_password(uri: str) -> str:
    scheme, _, rest = uri.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}://{'***@' if at else ''}{host}"
