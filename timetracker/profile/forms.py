"""Forms of the profile page."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField

from timetracker.web import fields
from timetracker.web.forms import CURRENT_PASSWORD


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
