"""Views of the group page and its advanced settings (two-factor authentication)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.errors import FieldError
from timetracker.group.blueprint import bp
from timetracker.group.forms import AdvancedSettingsForm, BasicSettingsForm
from timetracker.mail.outbox import delivery_state
from timetracker.models import User
from timetracker.rights import Right
from timetracker.security.login import keep_session
from timetracker.services import group_settings
from timetracker.web import fields
from timetracker.web.access import right_required


@bp.route("/group", methods=["GET", "POST"])
@right_required(Right.MANAGE_BASIC_SETTINGS)
def group() -> Response | str:
    """Show the group and change its basic settings, with the way to the advanced ones."""
    group = current_user.group
    form = BasicSettingsForm(obj=group)
    if form.validate_on_submit():
        settings = group_settings.BasicSettings(
            form.first_day_of_week.data, form.time_zone.data, form.lock_date.data
        )
        group_settings.save_basic(current_user, group, settings)
        flash(messages.BASIC_SETTINGS_SAVED, "success")
        return redirect(url_for("group.group"))
    return render_template("group/group.html", group=group, form=form)


@bp.route("/group/advanced", methods=["GET", "POST"])
@right_required(Right.MANAGE_ADVANCED_SETTINGS)
def advanced() -> Response | str:
    """Change the group's name, description and two-factor authentication, after a pre-flight."""
    group = current_user.group
    form = AdvancedSettingsForm(obj=group, two_factor=group.two_factor_required)
    if form.validate_on_submit():
        settings = group_settings.AdvancedSettings(
            form.name.data, form.description.data, form.two_factor.data
        )
        was_on = group.two_factor_required
        try:
            locked_out = group_settings.save(
                current_user, group, settings, confirmed=form.confirm_no_email.data
            )
        except FieldError as error:
            fields.show_error(form, error)
        else:
            keep_session(current_user._get_current_object())  # other password-only sessions end
            flash(_saved_message(was_on, settings.two_factor, locked_out), "success")
            return redirect(url_for("group.advanced"))
    preflight = group_settings.preflight(group)
    return render_template("group/advanced.html", form=form, group=group, preflight=preflight)


def _saved_message(was_on: bool, now_on: bool, locked_out: list[User]) -> str:
    if now_on and not was_on:
        if locked_out:
            return messages.TWO_FACTOR_ON_WITHOUT_EMAIL.format(
                names=", ".join(user.name for user in locked_out)
            )
        return messages.TWO_FACTOR_ON
    if was_on and not now_on:
        return messages.TWO_FACTOR_OFF
    return messages.GROUP_SAVED


@bp.route("/group/advanced/test-mail", methods=["POST"])
@right_required(Right.MANAGE_ADVANCED_SETTINGS)
def send_test_mail() -> Response:
    """Mail the current user through the outbox, to see whether mail works."""
    try:
        message = group_settings.send_test_mail(current_user)
    except FieldError as error:
        flash(error.message, "error")
    else:
        flash(messages.TEST_MAIL_QUEUED.format(address=message.recipient), "info")
    return redirect(url_for("group.advanced", _anchor="preflight"))


@bp.route("/group/advanced/test-mail/status")
@right_required(Right.MANAGE_ADVANCED_SETTINGS)
def test_mail_status() -> str:
    """Show how the group's last test mail is doing (framed by the advanced settings page)."""
    message = group_settings.last_test_mail(current_user.group)
    if message is None:
        abort(404)
    return render_template("mail/status.html", state=delivery_state(message), what="test email")
