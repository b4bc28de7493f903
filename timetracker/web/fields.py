"""WTForms glue for the rules in ``validation``, shared by every blueprint's forms."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from wtforms import Field, Form, PasswordField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import ValidationError

from timetracker import ids, messages, validation

if TYPE_CHECKING:
    from timetracker.errors import FieldError


class Rule:
    """A WTForms validator that applies a ``validation`` function and keeps its cleaned value."""

    def __init__(self, check: Callable[[Any], Any]) -> None:
        self.check = check

    def __call__(self, form: Form, field: Field) -> None:
        try:
            field.data = self.check(field.data or "")
        except validation.Invalid as error:
            raise ValidationError(str(error)) from None


def name_rule(max_length: int = validation.NAME_MAX) -> Rule:
    """Return a rule for a one-line name of at most ``max_length`` characters."""
    return Rule(lambda value: validation.text(value, max_length))


def optional_id(value: object) -> int | None:
    """Coerce a select's value to an id; "" (nothing chosen) is None.

    :raise ValueError: not an id (``IdSelectField`` shows it as the field's error).
    """
    if value in (None, ""):
        return None
    return ids.parse(str(value))


class _FromTheList:
    """Says "Choose from the list." for a posted value that is no id, instead of WTForms' words."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            raise ValueError(messages.NOT_FROM_THE_LIST) from None


class IdSelectField(_FromTheList, SelectField):
    """A choice of one row by its id, or none ("")."""

    def __init__(self, label: str, **options: Any) -> None:
        super().__init__(label, coerce=optional_id, validate_choice=False, **options)


class IdsSelectField(_FromTheList, SelectMultipleField):
    """A choice of rows by their ids."""

    def __init__(self, label: str, **options: Any) -> None:
        super().__init__(label, coerce=ids.parse, validate_choice=False, **options)


LOGIN = Rule(validation.login)
EMAIL = Rule(validation.optional_email)
NEW_PASSWORD = Rule(validation.password)


def show_error(form: Form, error: FieldError) -> None:
    """Put a domain's field error on the form field it names, or on the form when it has no such field."""
    if error.field in form:
        form[error.field].errors.append(error.message)
    else:
        form.form_errors.append(error.message)


OPTIONAL_NEW_PASSWORD = Rule(lambda value: validation.password(value) if value else "")


def confirm_password(of: str) -> PasswordField:
    """Return a "Confirm password" field that must repeat the field named ``of``."""

    def repeats(form: Form, field: Field) -> None:
        if (field.data or "") != (form[of].data or ""):  # a field left out of the post counts as empty
            raise ValidationError(messages.PASSWORDS_DIFFER)

    return PasswordField("Confirm password", [repeats])


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_choices() -> list[SelectChoice]:
    """Return the days of the week as select choices, 0 for Monday."""
    return [SelectChoice(str(number), name) for number, name in enumerate(WEEKDAYS)]


@cache
def time_zone_choices() -> tuple[SelectChoice, ...]:
    """Return the IANA time zones ``zoneinfo`` knows, by name, as select choices."""
    return tuple(
        SelectChoice(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
    )
