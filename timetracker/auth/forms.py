"""Forms of the login pages."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from timetracker import validation
from timetracker.web import fields
from timetracker.web.forms import CODE_MAX, CURRENT_PASSWORD, EMAILED_CODE


class LoginForm(FlaskForm):
    login = StringField("Login", [InputRequired(), Length(max=validation.LOGIN_MAX)])
    password = PasswordField("Password", CURRENT_PASSWORD)
    submit = SubmitField("Log in")


class RegisterForm(FlaskForm):
    group_name = StringField("Group name", [fields.name_rule(validation.GROUP_NAME_MAX)])
    manager_name = StringField("Manager name", [fields.name_rule()])
    login = StringField("Login", [fields.LOGIN])
    password = PasswordField("Password", [fields.NEW_PASSWORD])
    confirm = fields.confirm_password("password")
    email = EmailField("Email (optional)", [fields.EMAIL])
    submit = SubmitField("Create group")


class EmailedCodeForm(FlaskForm):
    # Shown read-only; the login that counts is the pending login's, kept on the server.
    login = StringField("Login", render_kw={"readonly": True})
    password = PasswordField("Password", CURRENT_PASSWORD)
    code = StringField(EMAILED_CODE, [InputRequired(), Length(max=CODE_MAX)])
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    identity = StringField("Email, or Login", [InputRequired(), Length(max=validation.EMAIL_MAX)])
    submit = SubmitField("Send reset link")


class NewPasswordForm(FlaskForm):
    new_password = PasswordField("New password", [fields.NEW_PASSWORD])
    confirm = fields.confirm_password("new_password")
    submit = SubmitField("Set new password")
