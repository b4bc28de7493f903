"""Views of the group's users: the list, adding and editing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from timetracker import messages
from timetracker.errors import FieldError
from timetracker.extensions import db
from timetracker.group.blueprint import bp
from timetracker.group.forms import NewUserForm, UserForm
from timetracker.models import User, users_of
from timetracker.rights import Right, may_assign, may_manage
from timetracker.security import authenticator, throttle
from timetracker.security.login import keep_session
from timetracker.services import membership
from timetracker.web import fields
from timetracker.web.access import right_required
from timetracker.web.forms import PasswordAgainForm


@bp.route("/users")
@right_required(Right.VIEW_USERS)
def users() -> str:
    """List the users of the current user's group."""
    members = db.session.scalars(users_of(current_user.group_id)).all()
    return render_template("group/users.html", users=members)


@bp.route("/users/new", methods=["GET", "POST"])
@right_required(Right.MANAGE_USERS)
@throttle.password_confirmation
def new_user() -> Response | str:
    """Add a user to the group (a top manager only with the current password)."""
    form = _user_form(NewUserForm)
    if form.validate_on_submit():
        try:
            user = membership.add_user(
                current_user, current_user.group, _details(form), current_password=form.current_password.data
            )
        except FieldError as error:
            fields.show_error(form, error)
        else:
            flash(messages.USER_CREATED.format(name=user.name), "success")
            return redirect(url_for("group.users"))
    return render_template("group/user_form.html", form=form, user=None)


@bp.route("/users/<id:user_id>/edit", methods=["GET", "POST"])
@right_required(Right.MANAGE_USERS)
@throttle.password_confirmation
def edit_user(user_id: int) -> Response | str:
    """Edit a user ranked below the current user (or yourself, by the profile's rules)."""
    user = _managed_user(user_id)
    form = _user_form(UserForm, obj=user)
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            membership.edit_user(actor, user, _details(form), current_password=form.current_password.data)
        except FieldError as error:
            fields.show_error(form, error)
        else:
            if user is actor:
                keep_session(actor)  # a new password of your own ends only your other sessions
            flash(messages.USER_SAVED.format(name=user.name), "success")
            return redirect(url_for("group.users"))
    return _edit_page(form, user)


@bp.route("/users/<id:user_id>/reset-2fa", methods=["POST"])
@right_required(Right.MANAGE_USERS)
@throttle.password_confirmation
def reset_two_factor(user_id: int) -> Response | str:
    """Remove the user's authenticator and recovery codes, confirmed with the manager's password."""
    user = _managed_user(user_id)
    reset_form = _reset_form()
    if reset_form.validate_on_submit():
        try:
            done = authenticator.reset(current_user, user, reset_form.password.data)
        except FieldError as error:
            fields.show_error(reset_form, error)
        else:
            message = messages.TWO_FACTOR_RESET_DONE if done else messages.NOTHING_TO_RESET
            flash(message.format(name=user.name), "success" if done else "info")
            return redirect(url_for("group.edit_user", user_id=user.id))
    return _edit_page(_user_form(UserForm, obj=user, formdata=None), user, reset_form)


def _reset_form(**options: object) -> PasswordAgainForm:
    return PasswordAgainForm("Your password", "Reset two-factor authentication", prefix="reset", **options)


def _edit_page(form: UserForm, user: User, reset_form: PasswordAgainForm | None = None) -> str:
    return render_template(
        "group/user_form.html",
        form=form,
        user=user,
        reset_form=reset_form or _reset_form(formdata=None),
    )


def _managed_user(user_id: int) -> User:
    """Return a user of the current group whom the current user may manage.

    :raise 404: no such user in this group.
    :raise 403: the user ranks too high.
    """
    user = db.session.get(User, user_id)
    if user is None or user.group_id != current_user.group_id:
        abort(404)
    if not may_manage(current_user, user):
        abort(403)
    return user


def _user_form(form_class: type[UserForm], obj: User | None = None, **options: object) -> UserForm:
    form = form_class(obj=obj, **options)
    form.offer_roles([role for role in current_user.group.roles if may_assign(current_user, role)])
    return form


def _details(form: UserForm) -> membership.UserDetails:
    return membership.UserDetails(
        name=form.name.data,
        login=form.login.data,
        email=form.email.data,
        role_id=form.role_id.data,
        active=form.active.data,
        password=form.password.data,
    )
