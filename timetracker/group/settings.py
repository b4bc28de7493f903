"""Views of the group page and its advanced settings (two-factor authentication and its policy)."""

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
from timetracker.security import own_factor_policy
from timetracker.security.login import keep_session
from timetracker.services import group_settings
from timetracker.services.own_factor_rollout import Change
from timetracker.web import fields, links
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
    """Change the group's name, description, two-factor authentication and its policy, after a pre-flight."""
    group = current_user.group
    form = AdvancedSettingsForm(obj=group, two_factor=group.two_factor_required)
    if form.validate_on_submit():
        settings = form.settings()
        was_on = group.two_factor_required
        try:
            saved = group_settings.save(
                current_user, group, settings, confirmed=form.confirm_no_email.data, setup_link=_setup_link()
            )
        except FieldError as error:
            fields.show_error(form, error)
        else:
            keep_session(current_user._get_current_object())  # other password-only sessions end
            flash(_saved_message(was_on, settings.two_factor, saved.locked_out), "success")
            if saved.own_factor is not Change.NONE:
                flash(_own_factor_message(saved), "success")
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


def _own_factor_message(saved: group_settings.Saved) -> str:
    if saved.own_factor is Change.NOT_REQUIRED:
        return messages.OWN_FACTOR_NOT_REQUIRED
    group = current_user.group
    deadline = own_factor_policy.deadline_text(group.own_factor_deadline, current_user.zone)
    if saved.own_factor is Change.DEADLINE_MOVED:
        return messages.OWN_FACTOR_DEADLINE_MOVED.format(deadline=deadline, count=len(saved.emailed))
    if group.own_factor_grace_days == 0:
        return messages.OWN_FACTOR_REQUIRED_AT_ONCE.format(count=len(saved.emailed))
    return messages.OWN_FACTOR_REQUIRED_SAVED.format(deadline=deadline, count=len(saved.emailed))


def _setup_link() -> str:
    """Return the link to Profile › Security for the own-factor emails: absolute if trusted, else the path."""
    try:
        return links.external_url("profile.security")
    except links.NoTrustedAddress:
        return url_for("profile.security")


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
