"""Views of the second step of a login: the Two Factor Authentication page and its recovery page."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.auth.blueprint import bp
from timetracker.auth.forms import EmailedCodeForm
from timetracker.mail.outbox import delivery_state
from timetracker.models import PendingLogin
from timetracker.security import pending as pending_logins
from timetracker.security import recovery_codes, security_keys, sign_in, throttle
from timetracker.security.second_factor import Factor
from timetracker.security.verification import Outcome
from timetracker.web.forms import APP_CODE, RECOVERY_CODE, CodeForm, SecurityKeyAnswerForm

LOG_IN = "Log in"


@bp.route("/2fa", methods=["GET", "POST"])
@throttle.code_step
def two_factor() -> Response | str:
    """Ask for the second factor: the emailed code with the password, the app's code, or a key
    (whose answer goes to ``security_key``; the app's code is taken here too)."""
    pending = pending_logins.current()
    if pending is None:
        return redirect(url_for("auth.login"))
    form: CodeForm | EmailedCodeForm
    if pending.method == Factor.EMAIL:
        form = EmailedCodeForm()
        form.login.data = pending.user.login
        template, invalid = "auth/two_factor.html", messages.INVALID_CODE
    else:
        form = CodeForm(APP_CODE, LOG_IN)
        template, invalid = _OWN_FACTOR_PAGES[Factor(pending.method)], messages.INVALID_AUTH_CODE
    if form.validate_on_submit():
        next_url = pending.next_url
        password = form.password.data if isinstance(form, EmailedCodeForm) else None
        outcome = sign_in.finish(pending, form.code.data, password=password).outcome
        if outcome is Outcome.INVALID_CODE:
            form.code.errors.append(invalid)
        elif outcome is Outcome.WRONG_PASSWORD:
            form.form_errors.append(messages.INCORRECT_LOGIN)
        else:
            return _after(outcome, next_url)
    return render_template(template, form=form, pending=pending, **key_step(pending))


_OWN_FACTOR_PAGES = {
    Factor.AUTHENTICATOR: "auth/two_factor_app.html",
    Factor.SECURITY_KEY: "auth/two_factor_key.html",
}


@bp.route("/2fa/key", methods=["POST"])
@throttle.code_step
def security_key() -> Response:
    """Check the answer of the user's security key ("Use your security key")."""
    pending = pending_logins.current()
    if pending is None:
        return redirect(url_for("auth.login"))
    form = SecurityKeyAnswerForm()
    if pending.method != Factor.SECURITY_KEY or not form.validate_on_submit():
        return redirect(url_for("auth.two_factor"))
    next_url = pending.next_url
    outcome = sign_in.finish(pending, assertion=form.credential.data).outcome
    if outcome is not Outcome.KEY_REFUSED:
        return _after(outcome, next_url)
    flash(messages.KEY_REFUSED, "error")
    return redirect(url_for("auth.two_factor"))


def key_step(pending: PendingLogin) -> dict[str, Any]:
    """Return what a page that asks for a key shows: the request options (None when keys are
    unavailable), the form for the key's answer, whether the app and recovery codes may be used."""
    if pending.method != Factor.SECURITY_KEY:
        return {}
    try:
        options = security_keys.assertion_options(pending)
    except security_keys.SecurityKeysUnavailable:
        options = None
    user = pending.user
    return {
        "options": options,
        "key_form": SecurityKeyAnswerForm(formdata=None),
        "has_app": user.has_authenticator,
        "has_codes": recovery_codes.remaining(user) > 0,
    }


@bp.route("/2fa/recovery", methods=["GET", "POST"])
@throttle.code_step
def recovery() -> Response | str:
    """Log in with a recovery code instead of the app's code ("Need help?")."""
    pending = pending_logins.current()
    if pending is None:
        return redirect(url_for("auth.login"))
    if not Factor(pending.method).is_own:
        return redirect(url_for("auth.two_factor"))
    form = CodeForm(RECOVERY_CODE, LOG_IN)
    if form.validate_on_submit():
        next_url = pending.next_url
        outcome = sign_in.finish(pending, form.code.data, recovery=True).outcome
        if outcome is not Outcome.INVALID_CODE:
            return _after(outcome, next_url)
        form.code.errors.append(messages.INVALID_RECOVERY_CODE)
    return render_template("auth/recovery.html", form=form, pending=pending)


def _after(outcome: Outcome, next_url: str | None) -> Response:
    """Redirect after a finished second step: logged in, back to the start, or (when a concurrent
    request of this browser won) to the start page, leaving the session as that request made it."""
    if outcome is Outcome.VERIFIED:
        return redirect(next_url or url_for("home.index"))
    if outcome is Outcome.GONE:
        return redirect(url_for("home.index"))
    flash(messages.START_AGAIN, "error")
    return redirect(url_for("auth.login"))


@bp.route("/2fa/resend", methods=["POST"])
@throttle.resend
def resend() -> Response:
    """Email a new code; the old one stops working."""
    pending = pending_logins.current()
    if pending is None:
        return redirect(url_for("auth.login"))
    if pending.method == Factor.EMAIL and sign_in.resend_code(pending):
        flash(messages.CODE_RESENT, "info")
    return redirect(url_for("auth.two_factor"))


@bp.route("/2fa/status")
def code_status() -> Response | str:
    """Show how the delivery of the current code is going (framed by the 2FA page)."""
    pending = pending_logins.current()
    if pending is None or pending.code_message is None:
        return redirect(url_for("auth.login"))
    return render_template("mail/status.html", state=delivery_state(pending.code_message), what="code")
