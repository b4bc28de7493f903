"""Throttling with Flask-Limiter; the numbers live in config ("N per period; …").

Each kind of attempt has one count however it arrives: the password step of the browser and
of the API share their limits, and so do the second steps of a browser login, an API login
and a password reset. Per client address every attempt counts. Per account, the password
step has two limits: one for the account from one address (every attempt counts), which
locks out a single attacker without touching the account's owner elsewhere, and a higher one
for the account from all addresses that counts failures only. The per-account limit of the
second step counts failures only, including the one that ends a pending login. A failure is
what the code that checked says it is (``request_marks``), not a guess from the response.

Windows are moving: a lock lifts at most one window after the last counted attempt, so nobody
can lock a top manager out for longer.

A logged-in user who must give their password again (profile, 2FA settings, a manager's 2FA
reset) has a limit on wrong passwords of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_login import current_user

from timetracker import validation
from timetracker.extensions import limiter
from timetracker.security import pending as pending_logins
from timetracker.security import reset_tokens
from timetracker.security.request_marks import Mark, has

View = Callable[..., Any]


def client_address() -> str:
    return f"address:{request.remote_addr or 'unknown'}"


def posted(name: str) -> str:
    """Return a posted text field, from a form or a JSON body ("" when absent or not usable text)."""
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested deeper than the JSON parser goes: the view refuses the body
            body = None
        value = body.get(name) if isinstance(body, dict) else None
    else:
        value = request.form.get(name)
    # A lone surrogate from a JSON escape cannot be used as a key; the view refuses the body.
    return value if isinstance(value, str) and validation.encodable(value) else ""


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


def second_factor_account() -> str:
    """Return the user whose second factor this request is about: of the reset link, or pending."""
    token = (request.view_args or {}).get("token")
    if isinstance(token, str):
        user = reset_tokens.load(token)
        return f"second-factor:{user.id if user else '(none)'}"
    if request.is_json:
        pending = pending_logins.find(posted("pending"), pending_logins.Purpose.API)
    else:
        pending = pending_logins.in_session()
    return f"second-factor:{pending.user_id if pending else '(none)'}"


def logged_in_account() -> str:
    return f"user:{current_user.get_id()}"


def _limit(
    setting: str,
    scope: str,
    key_func: Callable[[], str],
    *,
    counts: Mark | None = None,
    methods: tuple[str, ...] = ("POST",),
) -> Callable[[View], View]:
    """Limit the view by the setting's value, in a count shared by every view with this scope.

    :param counts: count only requests marked so; None counts every request.
    :param methods: the methods limited; HEAD runs the GET view, so it is limited with GET.
    """
    if "GET" in methods:
        methods = (*methods, "HEAD")
    return limiter.shared_limit(
        lambda: current_app.config[setting],
        scope=scope,
        key_func=key_func,
        methods=list(methods),
        deduct_when=(lambda _: has(counts)) if counts is not None else None,
    )


def password_step(view: View) -> View:
    """Throttle the password step (browser and API) per address and per account."""
    view = _limit("LOGIN_LIMIT_PER_ACCOUNT", "password, account", posted_account, counts=Mark.WRONG_PASSWORD)(
        view
    )
    view = _limit(
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "password, account and address", posted_account_and_address
    )(view)
    return _limit("LOGIN_LIMIT_PER_ADDRESS", "password, address", client_address)(view)


def code_step(view: View) -> View:
    """Throttle the second step (browser, API, reset) per address and per user."""
    view = _limit(
        "2FA_LIMIT_PER_ACCOUNT", "second factor, user", second_factor_account, counts=Mark.WRONG_SECOND_FACTOR
    )(view)
    return _limit("2FA_LIMIT_PER_ADDRESS", "second factor, address", client_address)(view)


def reset_request(view: View) -> View:
    """Throttle password reset requests per address and per login or email asked for."""
    view = _limit("RESET_LIMIT_PER_ACCOUNT", "reset request, identity", posted_identity)(view)
    return _limit("RESET_LIMIT_PER_ADDRESS", "reset request, address", client_address)(view)


def reset_link(view: View) -> View:
    """Throttle how often reset links start a second factor (and email a code) for one user."""
    return _limit(
        "RESET_LINK_LIMIT",
        "reset link, user",
        second_factor_account,
        counts=Mark.RESET_CODE_STARTED,
        methods=("GET", "POST"),
    )(view)


def registration(view: View) -> View:
    """Throttle registering new groups per address."""
    return _limit("REGISTER_LIMIT_PER_ADDRESS", "registration, address", client_address)(view)


def password_confirmation(view: View) -> View:
    """Throttle POSTs where a logged-in user gives their password again, counting wrong passwords.

    Put it below the decorator that requires the login, so anonymous visitors are sent to log in.
    """
    return _limit(
        "PASSWORD_CONFIRMATION_LIMIT",
        "password confirmation",
        logged_in_account,
        counts=Mark.PASSWORD_NOT_CONFIRMED,
    )(view)


def resend(view: View) -> View:
    """Throttle "Resend code" per user (login and reset alike)."""
    return _limit("2FA_RESEND_LIMIT", "resend", second_factor_account)(view)
