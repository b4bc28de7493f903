"""Views of logging in and out, and of registering a group."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.auth.blueprint import bp
from timetracker.auth.forms import LoginForm, RegisterForm
from timetracker.errors import FieldError
from timetracker.security import devices, sign_in, throttle
from timetracker.security.login import check_credentials, end_session
from timetracker.security.pending import Purpose
from timetracker.services import membership
from timetracker.web import fields
from timetracker.web.redirects import local_target


@bp.route("/login", methods=["GET", "POST"])
@throttle.password_step
def login() -> Response | str:
    """Check login and password, then log in or go on to the second factor."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form)
    user = check_credentials(form.login.data, form.password.data)
    if user is None:
        return _login_page(form, messages.INCORRECT_LOGIN)
    next_url = local_target(request.args.get("next"))
    try:
        started = sign_in.start(user, Purpose.BROWSER, password=form.password.data, next_url=next_url)
    except sign_in.NoEmailForCode:
        return _login_page(form, messages.NO_EMAIL)
    if started.pending is not None:
        return redirect(url_for("auth.two_factor"))
    return redirect(next_url or url_for("home.index"))


def _login_page(form: LoginForm, error: str | None = None) -> str:
    if error:
        form.form_errors.append(error)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Log the current user out."""
    end_session(current_user)
    flash(messages.LOGGED_OUT, "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@throttle.registration
def register() -> Response | str:
    """Create a group with its top manager, and log them in."""
    if not current_app.config["ALLOW_REGISTRATION"]:
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        new = membership.NewGroup(
            group_name=form.group_name.data,
            manager_name=form.manager_name.data,
            login=form.login.data,
            password=form.password.data,
            email=form.email.data,
        )
        try:
            user = membership.create_group(new, via="registration")
        except FieldError as error:
            fields.show_error(form, error)
        else:
            devices.note(user)  # the browser that made the account is its first: no "New sign-in" mail
            sign_in.start(user, Purpose.BROWSER)  # a new group has two-factor off: logs in
            flash(messages.GROUP_CREATED.format(group=user.group.name), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/register.html", form=form)
