"""Password hashing policy."""

from __future__ import annotations

import hmac
import secrets
from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from timetracker.security.keys import keyed_hash

PENDING_PURPOSE = "password of a pending login"


def hash_password(password: str) -> str:
    """Hash ``password`` with the configured method (werkzeug's default unless set)."""
    return _generate(password, current_app.config["PASSWORD_HASH_METHOD"])


def check_password(password_hash: str | None, password: str) -> bool:
    """Tell whether ``password`` matches; with no hash, spend the same time and say no.

    Checking an unknown login against a dummy hash keeps response times from telling
    which logins exist.
    """
    if password_hash is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a stored hash was made with another method or cost than the current one."""
    current = _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]).split("$", 1)[0]
    return password_hash.split("$", 1)[0] != current


def password_digest(pending_id: int, password_hash: str, password: str) -> str:
    """Return a keyed digest of a password just checked, for the second step of the same login.

    The emailed-code step asks for the password again; comparing it with this digest instead
    of the slow hash keeps a full login at one slow hash. The digest is worthless without the
    secret key, names one pending login and one stored password hash (so it dies with either),
    and is deleted with the pending login within 30 minutes.
    """
    return keyed_hash(PENDING_PURPOSE, f"{pending_id}:{password_hash}:{password}")


def matches_digest(digest: str | None, pending_id: int, password_hash: str, password: str) -> bool:
    """Tell, in constant time, whether ``password`` is the one ``password_digest`` was made of."""
    candidate = password_digest(pending_id, password_hash, password)
    return digest is not None and hmac.compare_digest(candidate, digest)


def _generate(password: str, method: str | None) -> str:
    if method:
        return generate_password_hash(password, method=method)
    return generate_password_hash(password)


@cache
def _dummy_hash(method: str | None) -> str:
    """Return a hash of a random password, made once per hashing method."""
    return _generate(secrets.token_urlsafe(16), method)
