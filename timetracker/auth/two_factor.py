"""Views of the second step of a login: the Two Factor Authentication page and its recovery page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.auth.blueprint import bp
from timetracker.auth.forms import AuthenticatorCodeForm, EmailedCodeForm, RecoveryCodeForm
from timetracker.mail.outbox import delivery_state
from timetracker.models import PendingLogin
from timetracker.security import pending as pending_logins
from timetracker.security import throttle
from timetracker.security.second_factor import Factor
from timetracker.security.verification import Outcome, complete_login_with, resend_code


@bp.route("/2fa", methods=["GET", "POST"])
@throttle.code_step
def two_factor() -> Response | str:
    """Ask for the second factor: the emailed code with the password, or the app's code."""
    pending = pending_logins.current()
    if pending is None:
        return redirect(url_for("auth.login"))
    if pending.method == Factor.AUTHENTICATOR:
        return _authenticator_step(pending)
    form = EmailedCodeForm()
    if form.validate_on_submit():
        next_url = pending.next_url
        outcome = complete_login_with(pending, form.code.data, password=form.password.data)
        if outcome is Outcome.INVALID_CODE:
            form.code.errors.append(messages.INVALID_CODE)
        elif outcome is Outcome.WRONG_PASSWORD:
            form.form_errors.append(messages.INCORRECT_LOGIN)
        else:
            return _after(outcome, next_url)
    form.login.data = pending.user.login
    return render_template("auth/two_factor.html", form=form, pending=pending)


def _authenticator_step(pending: PendingLogin) -> Response | str:
    form = AuthenticatorCodeForm()
    if form.validate_on_submit():
        next_url = pending.next_url
        outcome = complete_login_with(pending, form.code.data)
        if outcome is not Outcome.INVALID_CODE:
            return _after(outcome, next_url)
        form.code.errors.append(messages.INVALID_AUTH_CODE)
    return render_template("auth/two_factor_app.html", form=form, pending=pending)


@bp.route("/2fa/recovery", methods=["GET", "POST"])
@throttle.code_step
def recovery() -> Response | str:
    """Log in with a recovery code instead of the app's code ("Need help?")."""
    pending = pending_logins.current()
    if pending is None:
        return redirect(url_for("auth.login"))
    if pending.method != Factor.AUTHENTICATOR:
        return redirect(url_for("auth.two_factor"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        next_url = pending.next_url
        outcome = complete_login_with(pending, form.code.data, recovery=True)
        if outcome is not Outcome.INVALID_CODE:
            return _after(outcome, next_url)
        form.code.errors.append(messages.INVALID_RECOVERY_CODE)
    return render_template("auth/recovery.html", form=form, pending=pending)


def _after(outcome: Outcome, next_url: str | None) -> Response:
    """Redirect after a finished second step: logged in, or back to the start."""
    if outcome is Outcome.LOGGED_IN:
        return redirect(next_url or url_for("home.index"))
    flash(messages.START_AGAIN, "error")
    return redirect(url_for("auth.login"))


@bp.route("/2fa/resend", methods=["POST"])
@throttle.resend
def resend() -> Response:
    """Email a new code; the old one stops working."""
    pending = pending_logins.current()
    if pending is None:
        return redirect(url_for("auth.login"))
    if pending.method == Factor.EMAIL:
        resend_code(pending)
        flash(messages.CODE_RESENT, "info")
    return redirect(url_for("auth.two_factor"))


@bp.route("/2fa/status")
def code_status() -> Response | str:
    """Show how the delivery of the current code is going (framed by the 2FA page)."""
    pending = pending_logins.current()
    if pending is None or pending.code_message is None:
        return redirect(url_for("auth.login"))
    return render_template("mail/status.html", state=delivery_state(pending.code_message), what="code")
