"""Views of the user's own profile: name, email and password."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.errors import FieldError
from timetracker.profile.blueprint import bp
from timetracker.profile.forms import PasswordForm, ProfileForm, TimeZoneForm
from timetracker.rights import Right
from timetracker.security import throttle
from timetracker.security.login import keep_session
from timetracker.services import membership
from timetracker.web import fields
from timetracker.web.access import right_required


@bp.route("", methods=["GET", "POST"])
@right_required(Right.MANAGE_OWN_SETTINGS)
@throttle.password_confirmation
def profile() -> Response | str:
    """Show the profile, and change the user's name and email."""
    form = ProfileForm(prefix="profile", obj=current_user)
    if form.validate_on_submit():
        try:
            membership.update_profile(
                current_user,
                name=form.name.data,
                email=form.email.data,
                current_password=form.current_password.data,
            )
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.PROFILE_SAVED, "success")
            return redirect(url_for("profile.profile"))
    return _page(profile_form=form)


@bp.route("/password", methods=["POST"])
@right_required(Right.MANAGE_OWN_SETTINGS)
@throttle.password_confirmation
def password() -> Response | str:
    """Change the user's own password; their other sessions end."""
    form = PasswordForm(prefix="password")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            membership.change_password(
                user, current_password=form.current_password.data, new_password=form.new_password.data
            )
        except FieldError as error:
            fields.show_error(form, error)
        else:
            keep_session(user)
            flash(messages.PASSWORD_CHANGED, "success")
            return redirect(url_for("profile.profile"))
    return _page(password_form=form)


@bp.route("/time-zone", methods=["POST"])
@right_required(Right.MANAGE_OWN_SETTINGS)
def time_zone() -> Response | str:
    """Choose the time zone your days and times follow (none: the group's)."""
    form = _time_zone_form()
    if form.validate_on_submit():
        membership.set_time_zone(current_user, form.time_zone.data or None)
        flash(messages.TIME_ZONE_SAVED, "success")
        return redirect(url_for("profile.profile"))
    return _page(time_zone_form=form)


def _time_zone_form(**kwargs: object) -> TimeZoneForm:
    form = TimeZoneForm(prefix="zone", data={"time_zone": current_user.time_zone or ""}, **kwargs)
    form.offer(current_user.group.time_zone)
    return form


def _page(
    profile_form: ProfileForm | None = None,
    password_form: PasswordForm | None = None,
    time_zone_form: TimeZoneForm | None = None,
) -> str:
    """Render the profile page; the forms that were not submitted start fresh."""
    if profile_form is None:
        profile_form = ProfileForm(prefix="profile", obj=current_user, formdata=None)
    if password_form is None:
        password_form = PasswordForm(prefix="password", formdata=None)
    if time_zone_form is None:
        time_zone_form = _time_zone_form(formdata=None)
    return render_template(
        "profile/profile.html",
        profile_form=profile_form,
        password_form=password_form,
        time_zone_form=time_zone_form,
    )
