"""Forms of the group's pages: users, roles, basic and advanced settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, NumberRange, Optional

from timetracker import messages, validation
from timetracker.models import Role
from timetracker.rights import Right
from timetracker.security.own_factor_policy import GRACE_DAYS_MAX, Policy
from timetracker.services.group_settings import AdvancedSettings
from timetracker.web import fields


class UserForm(FlaskForm):
    name = StringField("Name", [fields.name_rule()])
    login = StringField("Login", [fields.LOGIN])
    password = PasswordField("Password", [fields.OPTIONAL_NEW_PASSWORD])
    confirm = fields.confirm_password("password")
    email = EmailField("Email", [fields.EMAIL])
    # Any posted id is coerced here and checked by membership against the rank rule.
    role_id = SelectField("Role", coerce=int, validate_choice=False)
    active = BooleanField("Active", default=True)
    # Shown when you edit yourself: a change of your name, login, email or password needs it.
    current_password = PasswordField("Current password", [Length(max=validation.PASSWORD_MAX)])
    submit = SubmitField("Save")

    def offer_roles(self, roles: list[Role]) -> None:
        """List ``roles`` in the Role menu, lowest rank (and so the default) first."""
        self.role_id.choices = [(role.id, role.name) for role in sorted(roles, key=lambda r: r.rank)]


class NewUserForm(UserForm):
    password = PasswordField("Password", [fields.NEW_PASSWORD])


class RightsForm(FlaskForm):
    """One checkbox per right; those the editor does not hold are shown but disabled."""

    submit = SubmitField("Save")

    @classmethod
    def for_editor(cls, held: frozenset[Right], current: frozenset[Right]) -> RightsForm:
        """Build the form for an editor holding ``held``, for a role that has ``current``."""

        class EditorRightsForm(cls):  # type: ignore[valid-type,misc]
            pass

        for right in Right:
            checkbox = BooleanField(
                right.value,
                description=messages.RIGHT_DESCRIPTIONS[right.value],
                render_kw={} if right in held else {"disabled": True},
            )
            setattr(EditorRightsForm, right.value, checkbox)
        return EditorRightsForm(data={right.value: right in current for right in Right})

    def chosen(self) -> frozenset[Right]:
        """Return the rights whose boxes are ticked."""
        return frozenset(right for right in Right if self[right.value].data)


class AdvancedSettingsForm(FlaskForm):
    name = StringField("Group name", [fields.name_rule(validation.GROUP_NAME_MAX)])
    description = StringField(
        "Description",
        [fields.Rule(lambda value: validation.optional_text(value, validation.DESCRIPTION_MAX))],
    )
    two_factor = BooleanField("Two factor authentication")
    second_factor_policy = RadioField(
        "Second factor required",
        coerce=Policy,
        choices=[SelectChoice(policy.value, messages.OWN_FACTOR_POLICY_LABELS[policy]) for policy in Policy],
        invalid_value_message=messages.NOT_FROM_THE_LIST,
        invalid_choice_message=messages.NOT_FROM_THE_LIST,
    )
    own_factor_grace_days = IntegerField(
        "Grace period (days)",
        [NumberRange(0, GRACE_DAYS_MAX, messages.GRACE_DAYS_RANGE)],
        invalid_value_message=messages.GRACE_DAYS_RANGE,
        description="With the user's own factor required: how long members without one may still "
        "log in with the emailed code, counted from the switch.",
        render_kw={"min": 0, "max": GRACE_DAYS_MAX},
    )
    confirm_no_email = BooleanField(
        "Switch it on anyway: the users listed above cannot log in until they have an email"
    )
    submit = SubmitField("Save")

    def settings(self) -> AdvancedSettings:
        """Return the settings the valid form holds."""
        return AdvancedSettings(
            self.name.data,
            self.description.data,
            self.two_factor.data,
            self.second_factor_policy.data,
            self.own_factor_grace_days.data,
        )


class BasicSettingsForm(FlaskForm):
    first_day_of_week = SelectField("First day of week", coerce=int, choices=fields.weekday_choices)
    time_zone = SelectField("Time zone", choices=lambda: list(fields.time_zone_choices()))
    lock_date = DateField(
        "Lock time on and before",
        [Optional()],
        description="Time on and before this date can only be changed with the right to override the lock.",
    )
    submit = SubmitField("Save")
