"""What a valid login, name, email and password look like, for forms and the command line alike."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from timetracker import messages

LOGIN_MAX = 100
NAME_MAX = 100
GROUP_NAME_MAX = 200
DESCRIPTION_MAX = 1000
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 128

_LOGIN = re.compile(r"[\w.@+-]+")


class Invalid(ValueError):
    """A value that breaks a rule; the message says which."""


def login(value: str) -> str:
    """Return the login lower-cased and stripped, or raise ``Invalid``."""
    value = value.strip().lower()
    _require_length(value, 1, LOGIN_MAX)
    if not _LOGIN.fullmatch(value):
        raise Invalid(messages.LOGIN_CHARACTERS)
    return value


def text(value: str, max_length: int = NAME_MAX) -> str:
    """Return a one-line text (a name) stripped, or raise ``Invalid``."""
    value = value.strip()
    _require_length(value, 1, max_length)
    if has_control_characters(value) or "<" in value or ">" in value:
        raise Invalid(messages.TEXT_CHARACTERS)
    return value


def optional_text(value: str | None, max_length: int) -> str:
    """Return an optional one-line text stripped ("" when empty), or raise ``Invalid``."""
    return text(value, max_length) if value and value.strip() else ""


def email(value: str) -> str:
    """Return the email address normalised, or raise ``Invalid``."""
    value = value.strip()
    _require_length(value, 1, EMAIL_MAX)
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise Invalid(str(error)) from None


def optional_email(value: str | None) -> str | None:
    """Return None for an empty value, else the normalised address."""
    return email(value) if value and value.strip() else None


def password(value: str) -> str:
    """Return a new password unchanged if it is acceptable, or raise ``Invalid``."""
    _require_length(value, PASSWORD_MIN, PASSWORD_MAX)
    if has_control_characters(value):
        raise Invalid(messages.PASSWORD_CHARACTERS)
    return value


def encodable(value: str) -> bool:
    """Tell whether UTF-8 can encode ``value``.

    JSON's ``"\\ud800"`` decodes to a lone surrogate, which it cannot: such a string fails
    wherever it is encoded (a hash, a query).
    """
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _require_length(value: str, minimum: int, maximum: int) -> None:
    if len(value) < minimum:
        short = messages.FIELD_REQUIRED if minimum == 1 else messages.TOO_SHORT
        raise Invalid(short.format(minimum=minimum))
    if len(value) > maximum:
        raise Invalid(messages.TOO_LONG.format(maximum=maximum))


def has_control_characters(value: str) -> bool:
    """Tell whether ``value`` holds control or format characters (including bidi overrides)."""
    return any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") for char in value)
