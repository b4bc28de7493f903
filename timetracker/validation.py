"""What a valid login, name, email and password look like, for forms and the command line alike."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo

from email_validator import EmailNotValidError, validate_email

from timetracker import messages

LOGIN_MAX = 100
NAME_MAX = 100
GROUP_NAME_MAX = 200
DESCRIPTION_MAX = 1000
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 128

NOTE_MAX = 2000
DAY_MINUTES = 24 * 60

_LOGIN = re.compile(r"[\w.@+-]+")
# "1:30", "1.5" or "1,5" (hours), "1h 30m", "1h", "90m"
_CLOCK = re.compile(r"(\d{1,2}):([0-5]\d)")
_DECIMAL = re.compile(r"(\d{1,2})(?:[.,](\d{1,2}))?")
_UNITS = re.compile(r"(?:(\d{1,2})\s*h)?\s*(?:(\d{1,4})\s*m)?")


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


def name_key(name: str) -> str:
    """Return ``name`` case-folded: the key that keeps names unique regardless of case.

    :raise Invalid: folding made it longer than a name may be ("ß" is "ss").
    """
    key = name.casefold()
    if len(key) > NAME_MAX:
        raise Invalid(messages.TOO_LONG.format(maximum=NAME_MAX))
    return key


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


def duration(value: str) -> int:
    """Return the minutes of a duration such as ``1:30``, ``1.5``, ``1,5``, ``1h 30m`` or ``90m``.

    Decimal hours are rounded to the nearest minute. Zero, more than 24 hours and anything
    else raise ``Invalid``.
    """
    value = value.strip().lower()
    minutes = _duration_minutes(value)
    if minutes is None:
        raise Invalid(messages.DURATION_FORMAT)
    if not 0 < minutes <= DAY_MINUTES:
        raise Invalid(messages.DURATION_RANGE)
    return minutes


def _duration_minutes(value: str) -> int | None:
    if match := _CLOCK.fullmatch(value):
        return int(match[1]) * 60 + int(match[2])
    if match := _DECIMAL.fullmatch(value):
        fraction = match[2] or "0"
        return round((int(match[1]) + int(fraction) / 10 ** len(fraction)) * 60)
    if value and (match := _UNITS.fullmatch(value)) and (match[1] or match[2]):
        return int(match[1] or 0) * 60 + int(match[2] or 0)
    return None


def note(value: str | None) -> str:
    """Return a multi-line note stripped, or raise ``Invalid``: no control characters but line breaks."""
    value = (value or "").replace("\r\n", "\n").strip()
    _require_length(value, 0, NOTE_MAX)
    if has_control_characters(value.replace("\n", "")):
        raise Invalid(messages.NOTE_CHARACTERS)
    return value


def time_zone(value: str) -> str:
    """Return an IANA time zone name that ``zoneinfo`` knows, or raise ``Invalid``."""
    value = value.strip()
    if value not in zoneinfo.available_timezones():
        raise Invalid(messages.UNKNOWN_TIME_ZONE)
    return value


def has_control_characters(value: str) -> bool:
    """Tell whether ``value`` holds control or format characters (including bidi overrides)."""
    return any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") for char in value)
