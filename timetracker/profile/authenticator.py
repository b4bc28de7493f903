"""Views of the Security tab: the user's own authenticator app and recovery codes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.errors import FieldError, PermissionDenied
from timetracker.profile.blueprint import bp
from timetracker.profile.sessions import sessions_page
from timetracker.security import authenticator, reauth, recovery_codes, security_keys, throttle, totp
from timetracker.security.login import keep_session
from timetracker.web import fields
from timetracker.web.forms import APP_CODE, CodeForm, PasswordAgainForm
from timetracker.web.redirects import local_target


@bp.route("/security")
@login_required
def security() -> str:
    """Show whether two-factor authentication is on, with what can be done about it."""
    return _security_page()


def _disable_form(**options: object) -> PasswordAgainForm:
    return PasswordAgainForm("Password", "Disable Two Factor Authentication", prefix="disable", **options)


def _new_codes_form(**options: object) -> PasswordAgainForm:
    return PasswordAgainForm("Password", "Generate new recovery codes", prefix="codes", **options)


def _security_page(
    disable_form: PasswordAgainForm | None = None, codes_form: PasswordAgainForm | None = None
) -> str:
    user = current_user
    return render_template(
        "profile/security.html",
        disable_form=disable_form or _disable_form(formdata=None),
        codes_form=codes_form or _new_codes_form(formdata=None),
        codes_left=recovery_codes.remaining(user) if user.has_authenticator else 0,
        **sessions_page(),
        security_keys_available=security_keys.available(),
    )


@bp.route("/security/confirm-password", methods=["GET", "POST"])
@login_required
@throttle.password_confirmation
def confirm_password() -> Response | str:
    """Ask for the password again, then go on to the page that shows two-factor secrets."""
    form = PasswordAgainForm("Password", "Continue")
    if form.validate_on_submit():
        try:
            reauth.require_password(current_user, form.password.data, field="password")
        except FieldError as error:
            fields.show_error(form, error)
        else:
            return redirect(local_target(request.args.get("next")) or url_for("profile.security"))
    return render_template("profile/confirm_password.html", form=form)


def password_confirmed_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send the user to give their password again first, unless they did a few minutes ago.

    A stolen session alone then never sees an authenticator's secret or recovery codes.
    """

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not reauth.confirmed_recently():
            return _confirm_password_first()
        return view(*args, **kwargs)

    return checked


def _confirm_password_first() -> Response:
    return redirect(url_for("profile.confirm_password", next=request.path))


@bp.route("/security/enable", methods=["GET", "POST"])
@login_required
@password_confirmed_first
def enable() -> Response | str:
    """Show the recovery codes, the QR code and the secret; enable once the app's code is confirmed."""
    if current_user.has_authenticator:
        return redirect(url_for("profile.security"))
    enrollment = authenticator.enrollment(current_user)
    form = CodeForm(APP_CODE, "Enable")
    if form.validate_on_submit():
        if authenticator.confirm(current_user, form.code.data):
            keep_session(current_user._get_current_object())  # the other sessions did not give its code
            flash(messages.AUTHENTICATOR_ENABLED, "success")
            return redirect(url_for("profile.security"))
        form.code.errors.append(messages.INVALID_AUTH_CODE)
    secret = authenticator.secret(enrollment)
    uri = totp.provisioning_uri(secret, current_user.login)
    return _private(
        render_template(
            "profile/enable.html",
            form=form,
            codes=authenticator.shown_codes(enrollment),
            qr_svg=segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator app"),
            secret=totp.grouped(secret),
        )
    )


@bp.route("/security/disable", methods=["POST"])
@login_required
@throttle.password_confirmation
def disable() -> Response | str:
    """Turn the authenticator off after checking the password."""
    form = _disable_form()
    if not current_user.has_authenticator:
        return redirect(url_for("profile.security"))
    if form.validate_on_submit():
        try:
            authenticator.disable(current_user, form.password.data)
        except FieldError as error:
            fields.show_error(form, error)
        else:
            keep_session(current_user._get_current_object())  # the app's other sessions ended
            flash(messages.AUTHENTICATOR_DISABLED, "success")
            return redirect(url_for("profile.security"))
    return _security_page(disable_form=form)


@bp.route("/security/recovery-codes", methods=["GET", "POST"])
@login_required
@throttle.password_confirmation
def new_recovery_codes() -> Response | str:
    """Make a new set of recovery codes (password required) and show it while it may be seen."""
    form = _new_codes_form()
    if form.validate_on_submit():
        try:
            authenticator.regenerate_codes(current_user, form.password.data)
        except FieldError as error:
            fields.show_error(form, error)
            return _security_page(codes_form=form)
        except PermissionDenied:
            return redirect(url_for("profile.security"))
        flash(messages.RECOVERY_CODES_REPLACED, "success")
        return redirect(url_for("profile.new_recovery_codes"))
    if form.is_submitted():
        return _security_page(codes_form=form)
    if not reauth.confirmed_recently():  # the GET shows the new codes: the POST above confirmed
        return _confirm_password_first()
    return _private(render_template("profile/recovery_codes.html", codes=_codes_or_404()))


@bp.route("/security/recovery-codes.txt")
@login_required
@password_confirmed_first
def download_recovery_codes() -> Response:
    """Download the recovery codes being shown, as a text file."""
    response = _private(render_template("profile/recovery_codes.txt", codes=_codes_or_404()))
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="time-tracker-recovery-codes.txt"'
    return response


@bp.route("/security/recovery-codes/print")
@login_required
@password_confirmed_first
def print_recovery_codes() -> Response:
    """Show the recovery codes being shown on a page made for printing."""
    return _private(render_template("profile/recovery_codes_print.html", codes=_codes_or_404()))


def _private(body: str) -> Response:
    """Return a response that no browser or proxy may keep: it shows secrets."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _codes_or_404() -> list[str]:
    """Return the codes the user may still see, or answer 404 saying why not."""
    codes = authenticator.shown_codes(current_user.authenticator) or security_keys.shown_codes(current_user)
    if codes is None:
        abort(404, description=messages.CODES_NO_LONGER_SHOWN)
    return codes
