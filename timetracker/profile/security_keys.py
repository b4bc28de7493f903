"""Views of the Security tab's security keys and passkeys: add one, see the list, remove one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.errors import FieldError
from timetracker.models import SecurityKey
from timetracker.profile.authenticator import _codes_or_404, _private, password_confirmed_first
from timetracker.profile.blueprint import bp
from timetracker.profile.forms import SecurityKeyForm
from timetracker.security import authenticator, security_keys, throttle
from timetracker.security.login import keep_session
from timetracker.security.security_keys import KeyRefused, Refusal, SecurityKeysUnavailable
from timetracker.web import fields
from timetracker.web.forms import PasswordAgainForm


@bp.route("/security/keys/new", methods=["GET", "POST"])
@login_required
@password_confirmed_first
def add_security_key() -> Response | str:
    """Ask for the key's name, run the browser's ceremony, and register the key it made."""
    form = SecurityKeyForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            key = security_keys.add(user, form.name.data, form.credential.data)
        except FieldError as error:
            fields.show_error(form, error)
        except KeyRefused as refused:
            already = refused.reason is Refusal.ALREADY_ADDED
            form.form_errors.append(messages.KEY_ALREADY_ADDED if already else messages.KEY_CEREMONY_REFUSED)
        except SecurityKeysUnavailable:
            pass  # the page says so
        else:
            keep_session(user)  # this session gave less than a key: it carries on
            flash(messages.KEY_ADDED.format(name=key.name), "success")
            if authenticator.shown_codes(key):  # this key made the user's first recovery codes
                return redirect(url_for("profile.security_key_recovery_codes"))
            return redirect(url_for("profile.security"))
    try:
        options = security_keys.registration_options(current_user)
    except SecurityKeysUnavailable:
        options = None
    return _private(render_template("profile/add_security_key.html", form=form, options=options))


@bp.route("/security/keys/recovery-codes")
@login_required
@password_confirmed_first
def security_key_recovery_codes() -> Response:
    """Show the recovery codes that the user's first own factor, a key, made."""
    return _private(render_template("profile/security_key_codes.html", codes=_codes_or_404()))


@bp.route("/security/keys/<id:key_id>/remove", methods=["GET", "POST"])
@login_required
@throttle.password_confirmation
def remove_security_key(key_id: int) -> Response | str:
    """Remove one of the user's keys after checking their password."""
    key = _own_key_or_404(key_id)
    form = PasswordAgainForm("Password", "Remove security key")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        name = key.name
        try:
            security_keys.remove(user, key, form.password.data)
        except FieldError as error:
            fields.show_error(form, error)
        else:
            keep_session(user)  # the user's other sessions ended with the key
            flash(messages.KEY_REMOVED.format(name=name), "success")
            return redirect(url_for("profile.security"))
    return render_template("profile/remove_security_key.html", form=form, key=key)


def _own_key_or_404(key_id: int) -> SecurityKey:
    key = security_keys.find(current_user, key_id)
    if key is None:
        abort(404)
    return key
