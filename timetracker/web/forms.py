"""Forms that several blueprints show with their own words: one code, or the password again."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from timetracker import validation

APP_CODE = "Authentication code"
RECOVERY_CODE = "Recovery code"
EMAILED_CODE = "2FA code"
CODE_MAX = 40
KEY_ANSWER_MAX = 20_000  # a security key's answer as JSON: a few hundred bytes, a few kB with attestation
CURRENT_PASSWORD = [InputRequired(), Length(max=validation.PASSWORD_MAX)]


class _Labelled(FlaskForm):
    """A form whose one input and button are named by the page that shows it."""

    input_name = ""

    def __init__(self, label: str, button: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self[self.input_name].label.text = label
        self["submit"].label.text = button


class CodeForm(_Labelled):
    """One code: the authenticator app's, a recovery code, or an emailed one."""

    input_name = "code"
    code = StringField(APP_CODE, [InputRequired(), Length(max=CODE_MAX)])
    submit = SubmitField()


class PasswordAgainForm(_Labelled):
    """The logged-in user's password, given again before a sensitive step."""

    input_name = "password"
    password = PasswordField("Password", CURRENT_PASSWORD)
    submit = SubmitField()


class SecurityKeyAnswerForm(FlaskForm):
    """A security key's answer to a login's challenge, put in by static/js/security_key.js."""

    credential = HiddenField(validators=[InputRequired(), Length(max=KEY_ANSWER_MAX)])
