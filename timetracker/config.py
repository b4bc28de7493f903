"""Configuration defaults and their loading from ``TIMETRACKER_*`` environment variables."""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from timetracker import messages

ENV_PREFIX = "TIMETRACKER"

DEFAULTS: dict[str, Any] = {
    # Flask. SECRET_KEY has no usable default: see require_secret_key().
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": [],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: Secure whenever the request came over HTTPS
    "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,  # seconds a login lasts
    "SESSION_IDLE_TIMEOUT": 2 * 60 * 60,  # seconds a browser's login may go unused before it ends
    # Send the cookie only when the session changed: a request that lost a race to a concurrent
    # one of the same browser (a double-clicked "Log in") then leaves the winner's cookie alone.
    "SESSION_REFRESH_EACH_REQUEST": False,
    # No page or API body comes near it (a week grid is a few kB): larger requests get 413.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Flask-SQLAlchemy. None means a SQLite file in the instance folder.
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # Flask-WTF
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": 3600 * 8,
    # Flask-Mail. No server: messages are printed in debug mode and fail otherwise.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Time Tracker <timetracker@localhost>",
    "MAIL_SUPPRESS_SEND": False,
    # The outbox (timetracker.mail)
    "MAIL_DELIVERY": "thread",  # or "worker": a `flask mail worker` process delivers
    "MAIL_TIMEOUT": 20,  # seconds for each SMTP conversation
    "MAIL_RETRY_PERIOD": 15 * 60,  # seconds of retrying before a message counts as not sent
    "MAIL_RETRY_MAX_DELAY": 60,  # longest pause between two attempts, in seconds
    "MAIL_POLL_INTERVAL": 2.0,  # seconds between two looks at the outbox when nothing wakes the sender
    "MAIL_KEEP_DAYS": 7,  # outbox rows older than this are deleted
    "MAIL_CONCURRENCY": 8,  # messages each sender (thread or worker process) delivers at once
    "MAIL_LEASE": 120,  # seconds a sender's claim on a message lasts; then another may try it
    # Flask-Limiter; set TIMETRACKER_RATELIMIT_STORAGE_URI=redis://… when several processes serve.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_STRATEGY": "moving-window",
    "RATELIMIT_HEADERS_ENABLED": True,
    # How many reverse proxies stand in front of the app (0: clients connect directly).
    "PROXY_FIX_X_FOR": 0,
    # Time Tracker
    "ALLOW_REGISTRATION": True,
    # None: werkzeug's current default (scrypt). The test suite sets a fast method.
    "PASSWORD_HASH_METHOD": None,
    # The emailed second factor
    "2FA_CODE_DIGITS": 6,
    "2FA_CODE_TTL": 10 * 60,  # seconds
    "2FA_MAX_TRIES": 5,  # wrong tries per code before the login must start again
    # Throttling ("N per period; …", see the README): password step, code step, resend.
    "LOGIN_LIMIT_PER_ADDRESS": "30 per minute; 300 per hour",
    "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "10 per 15 minutes",
    "LOGIN_LIMIT_PER_ACCOUNT": "100 per 15 minutes",  # failures only, from all addresses
    "2FA_LIMIT_PER_ADDRESS": "30 per minute; 300 per hour",
    "2FA_LIMIT_PER_ACCOUNT": "20 per 15 minutes",  # failures only
    "2FA_RESEND_LIMIT": "1 per minute; 5 per 15 minutes",
    "PASSWORD_CONFIRMATION_LIMIT": "10 per 15 minutes",  # wrong passwords of a logged-in user
    "PASSWORD_CONFIRMATION_TTL": 10 * 60,  # seconds a password given again opens 2FA secret pages
    # Password reset by email
    "PASSWORD_RESET_TTL": 60 * 60,  # seconds a reset link stays valid
    "RESET_LIMIT_PER_ADDRESS": "5 per minute; 20 per hour",
    "RESET_LIMIT_PER_ACCOUNT": "3 per 15 minutes",  # per login or email asked for
    "RESET_LINK_LIMIT": "5 per 15 minutes",  # second factors (emailed codes) started by reset links, per user
    "REGISTER_LIMIT_PER_ADDRESS": "10 per hour",
    # Links in emails start with this (e.g. "https://tt.example.com"). Unset, with the address the
    # request came to only when Flask's TRUSTED_HOSTS lists it or, in debug and testing, it is a
    # loopback address; otherwise no link is mailed (see web.links).
    "BASE_URL": None,
    # The JSON API
    "API_TOKEN_TTL": 30 * 24 * 60 * 60,  # seconds an access token lives
}

SQLITE_FILE = "timetracker.sqlite"
MAX_MAIL_CONCURRENCY = 256
MAX_MAIL_LEASE = 24 * 60 * 60


def load(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config``: defaults, then the environment, then ``overrides``."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.from_mapping(overrides)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = Path(app.instance_path) / SQLITE_FILE
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    require_secret_key(app)
    _check_code_digits(app)
    _check_mail_delivery(app)
    _check_idle_timeout(app)
    _warn_without_base_url(app)


def _check_code_digits(app: Flask) -> None:
    digits = app.config["2FA_CODE_DIGITS"]
    if not isinstance(digits, int) or not 6 <= digits <= 10:
        raise RuntimeError(
            f"TIMETRACKER_2FA_CODE_DIGITS must be a whole number from 6 to 10, not {digits!r}."
        )


def _check_mail_delivery(app: Flask) -> None:
    concurrency, lease, timeout = (
        app.config[name] for name in ("MAIL_CONCURRENCY", "MAIL_LEASE", "MAIL_TIMEOUT")
    )
    if not _whole(concurrency) or not 1 <= concurrency <= MAX_MAIL_CONCURRENCY:
        raise RuntimeError(
            f"TIMETRACKER_MAIL_CONCURRENCY must be a whole number from 1 to {MAX_MAIL_CONCURRENCY}, "
            f"not {concurrency!r}."
        )
    if not _seconds(timeout) or not _seconds(lease) or not timeout < lease <= MAX_MAIL_LEASE:
        raise RuntimeError(
            f"TIMETRACKER_MAIL_LEASE ({lease!r}) must be a number of seconds longer than "
            f"TIMETRACKER_MAIL_TIMEOUT ({timeout!r}, more than 0), and at most {MAX_MAIL_LEASE}: "
            "a claim must outlast a conversation."
        )


def _check_idle_timeout(app: Flask) -> None:
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    if not _seconds(idle) or idle < 60:
        raise RuntimeError(
            f"TIMETRACKER_SESSION_IDLE_TIMEOUT must be a number of seconds, at least 60, not {idle!r}: "
            "a session's last use is noted to the minute."
        )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _seconds(value: object) -> bool:
    return (_whole(value) or isinstance(value, float)) and math.isfinite(value) and value > 0  # type: ignore[arg-type]


def _warn_without_base_url(app: Flask) -> None:
    """Say at start-up that password reset links cannot be mailed (``web.links``) until it is set."""
    if not (app.debug or app.testing or app.config["BASE_URL"] or app.config["TRUSTED_HOSTS"]):
        app.logger.warning(messages.LOG_NO_BASE_URL)


def require_secret_key(app: Flask) -> None:
    """Refuse to run without a secret key, except in debug and testing where one is made up.

    :raise RuntimeError: in production mode when ``TIMETRACKER_SECRET_KEY`` is not set.
    """
    if app.config["SECRET_KEY"]:
        return
    if not (app.debug or app.testing):
        raise RuntimeError(
            "TIMETRACKER_SECRET_KEY is not set, and Time Tracker will not start without it: "
            "it signs sessions and protects secrets at rest. Set it to a long random value "
            "and keep it stable across restarts, for example:\n"
            "    export TIMETRACKER_SECRET_KEY="
            "\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\""
        )
    app.logger.warning("TIMETRACKER_SECRET_KEY is not set: using a random key until restart.")
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.extensions["timetracker.secret_key_generated"] = True
