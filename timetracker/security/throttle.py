"""Throttling of the password and code steps with Flask-Limiter; the numbers live in config.

Per client address, every attempt counts. Per account, the password step has two limits:
one for the account from one address (every attempt counts), which locks out a single
attacker without touching the account's owner elsewhere, and a higher one for the account
from all addresses that counts failures only. Windows are moving: a lock lifts at most one
window after the last counted attempt, so nobody can lock a top manager out for longer.

A logged-in user who must give their password again (profile, 2FA settings, a manager's 2FA
reset) has a limit on wrong passwords of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_login import current_user
from werkzeug.wrappers import Response

from timetracker import validation
from timetracker.extensions import limiter
from timetracker.security import pending as pending_logins
from timetracker.security import reauth


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def client_address() -> str:
    return f"address:{request.remote_addr or 'unknown'}"


def posted(name: str) -> str:
    """Return a posted field, from a form or a JSON body ("" when absent or not text)."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get(name) if isinstance(body, dict) else None
    else:
        value = request.form.get(name)
    return value if isinstance(value, str) else ""


def posted_account() -> str:
    """Return the posted login, normalised the way logins are stored."""
    try:
        return f"account:{validation.login(posted('login'))}"
    except validation.Invalid:
        return "account:(invalid)"


def posted_identity() -> str:
    """Return the login or email a password reset asks for, normalised."""
    return f"reset:{posted('identity').strip().lower()[:254]}"


def posted_account_and_address() -> str:
    return f"{posted_account()}|{client_address()}"


def pending_account() -> str:
    """Return the account of the pending login this request is about (browser or API)."""
    if request.is_json:
        pending = pending_logins.find(posted("pending"), pending_logins.API)
    else:
        pending = pending_logins.in_session()
    return f"pending-user:{pending.user_id if pending else '(none)'}"


def logged_in_account() -> str:
    return f"user:{current_user.get_id()}"


def _failed(response: Response) -> bool:
    """A failed attempt re-renders its page (200) or gets a JSON error (4xx); success redirects
    (browser) or answers 200 with JSON (API)."""
    if response.is_json:
        return response.status_code >= 400
    return response.status_code == 200


def _limit(setting: str, key_func: Callable[[], str], **options: Any) -> Callable[[Any], Any]:
    return limiter.limit(_setting(setting), key_func=key_func, methods=["POST"], **options)


def password_step(view: Callable[..., Any]) -> Callable[..., Any]:
    """Throttle POSTs of the login form per address and per account."""
    view = _limit("LOGIN_LIMIT_PER_ACCOUNT", posted_account, deduct_when=_failed)(view)
    view = _limit("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", posted_account_and_address)(view)
    return _limit("LOGIN_LIMIT_PER_ADDRESS", client_address)(view)


def code_step(view: Callable[..., Any]) -> Callable[..., Any]:
    """Throttle POSTs of the second-factor form per address and per pending account."""
    view = _limit("2FA_LIMIT_PER_ACCOUNT", pending_account, deduct_when=_failed)(view)
    return _limit("2FA_LIMIT_PER_ADDRESS", client_address)(view)


def reset_request(view: Callable[..., Any]) -> Callable[..., Any]:
    """Throttle password reset requests per address and per login or email asked for."""
    view = _limit("RESET_LIMIT_PER_ACCOUNT", posted_identity)(view)
    return _limit("RESET_LIMIT_PER_ADDRESS", client_address)(view)


def password_confirmation(view: Callable[..., Any]) -> Callable[..., Any]:
    """Throttle POSTs where a logged-in user gives their password again, counting wrong passwords.

    Put it below the decorator that requires the login, so anonymous visitors are sent to log in.
    """
    return limiter.shared_limit(
        _setting("PASSWORD_CONFIRMATION_LIMIT"),
        scope="password confirmation",  # one count across all those forms
        key_func=logged_in_account,
        methods=["POST"],
        deduct_when=lambda _: reauth.password_was_refused(),
    )(view)


def resend(view: Callable[..., Any]) -> Callable[..., Any]:
    """Throttle "Resend code" per pending account."""
    return _limit("2FA_RESEND_LIMIT", pending_account)(view)
