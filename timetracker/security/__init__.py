"""Security decisions, kept free of views so every entry point shares them."""

from __future__ import annotations

from flask import Flask

from timetracker import messages
from timetracker.extensions import csrf, limiter, login_manager
from timetracker.security import headers, log_redaction
from timetracker.security.login import load_user
from timetracker.security.second_factor import Factor, second_factor_for

__all__ = ["Factor", "init_app", "second_factor_for"]


def init_app(app: Flask) -> None:
    """Bind Flask-Login, CSRF protection, throttling and the security headers to ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = messages.LOGIN_REQUIRED
    login_manager.login_message_category = "info"
    login_manager.request_loader(load_user)  # the server-side session in the cookie (security.sessions)
    login_manager.session_protection = None  # no marks of Flask-Login's in the cookie: the row decides
    csrf.init_app(app)
    limiter.init_app(app)
    headers.init_app(app)
    log_redaction.init_app()
