"""Views of the password reset: asking for a link, the second factor, the new password."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.auth.blueprint import bp
from timetracker.auth.forms import ForgotPasswordForm, NewPasswordForm
from timetracker.auth.two_factor import key_step
from timetracker.models import PendingLogin, User
from timetracker.security import password_reset, reset_tokens, sign_in, throttle
from timetracker.security.second_factor import Factor
from timetracker.security.verification import Outcome
from timetracker.web import links
from timetracker.web.forms import APP_CODE, EMAILED_CODE, RECOVERY_CODE, CodeForm, SecurityKeyAnswerForm

CONTINUE = "Continue"


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttle.reset_request
def forgot_password() -> Response | str:
    """Email a reset link; the answer never tells whether the login exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            links.trusted_base()  # refused alike whether the login exists or not
            password_reset.request_reset(form.identity.data, _link)
        except links.NoTrustedAddress:
            current_app.logger.error(messages.LOG_RESET_LINK_REFUSED)
            abort(503, description=messages.RESET_LINKS_UNAVAILABLE)
        flash(messages.RESET_SENT, "info")
        return redirect(url_for("auth.forgot_password"))
    return render_template("auth/forgot.html", form=form)


def _link(token: str) -> str:
    return links.external_url("auth.reset_password", token=token)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@throttle.reset_link
def reset_password(token: str) -> Response | str:
    """Ask for the second factor first, if the user has one, then for the new password."""
    user = _user_or_invalid(token)
    pending = _second_factor_step(user, token)
    if pending is not None and pending.verified_at is None:
        return _factor_page(pending, token)
    form = NewPasswordForm()
    if form.validate_on_submit():
        if not password_reset.may_set_password(user, token):
            abort(403)
        if not password_reset.complete(user, token, form.new_password.data):
            abort(400, description=messages.RESET_LINK_INVALID)
        flash(messages.RESET_DONE, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/password/reset/<token>/verify", methods=["POST"])
@throttle.code_step
def verify_reset(token: str) -> Response | str:
    """Check the authenticator code or the emailed code of a reset."""
    return _check(token, recovery=False)


@bp.route("/password/reset/<token>/recovery", methods=["GET", "POST"])
@throttle.code_step
def reset_recovery(token: str) -> Response | str:
    """Give a recovery code instead of the authenticator code ("Need help?")."""
    user = _user_or_invalid(token)
    pending = password_reset.started_step(user, token)
    if pending is None or not Factor(pending.method).is_own or pending.verified_at is not None:
        return redirect(url_for("auth.reset_password", token=token))
    form = _factor_form(pending, recovery=True)
    if form.is_submitted():
        return _check(token, recovery=True)
    return render_template("auth/reset_recovery.html", form=form, token=token)


@bp.route("/password/reset/<token>/key", methods=["POST"])
@throttle.code_step
def reset_security_key(token: str) -> Response:
    """Check the answer of the user's security key for this reset."""
    user = _user_or_invalid(token)
    pending = password_reset.started_step(user, token)
    form = SecurityKeyAnswerForm()
    if (
        pending is not None
        and pending.method == Factor.SECURITY_KEY
        and pending.verified_at is None
        and form.validate_on_submit()
    ):
        outcome = sign_in.finish(pending, assertion=form.credential.data).outcome
        if outcome is Outcome.START_AGAIN:
            flash(messages.START_AGAIN, "error")
            return redirect(url_for("auth.login"))
        if outcome is Outcome.KEY_REFUSED:
            flash(messages.KEY_REFUSED, "error")
    return redirect(url_for("auth.reset_password", token=token))


@bp.route("/password/reset/<token>/resend", methods=["POST"])
@throttle.resend
def resend_reset_code(token: str) -> Response:
    """Email a new code for this reset; the previous one stops working."""
    user = _user_or_invalid(token)
    pending = password_reset.started_step(user, token)
    if (
        pending is not None
        and pending.method == Factor.EMAIL
        and pending.verified_at is None
        and sign_in.resend_code(pending)
    ):
        flash(messages.CODE_RESENT, "info")
    return redirect(url_for("auth.reset_password", token=token))


def _check(token: str, *, recovery: bool) -> Response | str:
    """Check a code posted for the second factor this browser started for the link (only the
    link's page starts one, under its own limit)."""
    user = _user_or_invalid(token)
    pending = password_reset.started_step(user, token)
    if pending is None or pending.verified_at is not None:
        return redirect(url_for("auth.reset_password", token=token))
    form = _factor_form(pending, recovery)
    if not form.validate_on_submit():
        return _factor_page(pending, token, form, recovery)
    outcome = sign_in.finish(pending, form.code.data, recovery=recovery).outcome
    if outcome in (Outcome.VERIFIED, Outcome.GONE):
        return redirect(url_for("auth.reset_password", token=token))
    if outcome is Outcome.START_AGAIN:
        flash(messages.START_AGAIN, "error")
        return redirect(url_for("auth.login"))
    form.code.errors.append(_invalid_message(pending, recovery))
    return _factor_page(pending, token, form, recovery)


def _user_or_invalid(token: str) -> User:
    user = reset_tokens.load(token)
    if user is None:
        abort(400, description=messages.RESET_LINK_INVALID)
    return user


def _second_factor_step(user: User, token: str) -> PendingLogin | None:
    try:
        return password_reset.second_factor_step(user, token)
    except sign_in.NoEmailForCode:
        abort(400, description=messages.NO_EMAIL)


def _factor_form(pending: PendingLogin, recovery: bool) -> CodeForm:
    if recovery:
        return CodeForm(RECOVERY_CODE, CONTINUE)
    return CodeForm(APP_CODE if Factor(pending.method).is_own else EMAILED_CODE, CONTINUE)


def _invalid_message(pending: PendingLogin, recovery: bool) -> str:
    if recovery:
        return messages.INVALID_RECOVERY_CODE
    return messages.INVALID_AUTH_CODE if Factor(pending.method).is_own else messages.INVALID_CODE


def _factor_page(
    pending: PendingLogin, token: str, form: CodeForm | None = None, recovery: bool = False
) -> str:
    if recovery:
        return render_template("auth/reset_recovery.html", form=form, token=token)
    template = "auth/reset_key.html" if pending.method == Factor.SECURITY_KEY else "auth/reset_factor.html"
    return render_template(
        template, form=form or _factor_form(pending, False), pending=pending, token=token, **key_step(pending)
    )
