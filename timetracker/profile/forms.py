"""Forms of the profile page."""

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length

from timetracker.security.security_keys import NAME_MAX
from timetracker.web import fields
from timetracker.web.forms import CURRENT_PASSWORD, KEY_ANSWER_MAX


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


class TimeZoneForm(FlaskForm):
    time_zone = SelectField("Time zone")
    submit = SubmitField("Save")

    def offer(self, group_zone: str) -> None:
        """Offer every zone, and first the group's default (stored as none of the user's own)."""
        self.time_zone.choices = [SelectChoice("", f"The group's: {group_zone}"), *fields.time_zone_choices()]


class SecurityKeyForm(FlaskForm):
    """A new security key's name, and the browser's answer that static/js/security_key.js puts in."""

    # The domain trims and judges the name (security_keys.add); the browser is told the limit.
    name = StringField("Key name", render_kw={"maxlength": NAME_MAX, "required": True})
    credential = HiddenField(validators=[InputRequired(), Length(max=KEY_ANSWER_MAX)])
    submit = SubmitField("Add security key")
