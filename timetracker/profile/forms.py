"""Forms of the profile page."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from timetracker import validation
from timetracker.web import fields

CURRENT_PASSWORD = [InputRequired(), Length(max=validation.PASSWORD_MAX)]


class ProfileForm(FlaskForm):
    name = StringField("Name", [fields.name_rule()])
    email = EmailField("Email", [fields.EMAIL])
    current_password = PasswordField("Current password", CURRENT_PASSWORD)
    submit = SubmitField("Save")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", CURRENT_PASSWORD)
    new_password = PasswordField("New password", [fields.NEW_PASSWORD])
    confirm = fields.confirm_password("new_password")
    submit = SubmitField("Change password")


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField("Password", CURRENT_PASSWORD)
    submit = SubmitField("Continue")


class ConfirmAuthenticatorForm(FlaskForm):
    code = StringField("Authentication code", [InputRequired(), Length(max=40)])
    submit = SubmitField("Enable")


class DisableAuthenticatorForm(FlaskForm):
    password = PasswordField("Password", CURRENT_PASSWORD)
    submit = SubmitField("Disable Two Factor Authentication")


class NewRecoveryCodesForm(FlaskForm):
    password = PasswordField("Password", CURRENT_PASSWORD)
    submit = SubmitField("Generate new recovery codes")
