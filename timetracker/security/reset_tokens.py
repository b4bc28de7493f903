"""Password reset links: signed, time-limited, and bound to the password and the address they served.

The token is signed with itsdangerous under a salt of its own, so no other token of the app
(session cookie, CSRF token) can pass for it, and a 2FA code cannot either. It carries a
keyed digest of the current password hash and email address: once the password changes, by
this reset or otherwise, the link stops working, which also makes it single-use; once the
email changes, the links mailed to the old address stop working too.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from timetracker.extensions import db
from timetracker.models import User
from timetracker.security.keys import keyed_hash

SALT = "timetracker.password-reset"


def make(user: User) -> str:
    """Return a reset token for ``user``'s current password."""
    return _serializer().dumps({"user": user.id, "binding": _binding(user)})


def load(token: str) -> User | None:
    """Return the active user the token was made for, if it is genuine, fresh and still bound."""
    try:
        payload: Any = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_TTL"])
        user_id, binding = int(payload["user"]), str(payload["binding"])
    except (BadData, KeyError, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not hmac.compare_digest(binding.encode(), _binding(user).encode()):
        return None
    return user


def fingerprint(token: str) -> str:
    """Return a digest naming one token, to tie a pending second factor to it."""
    return hashlib.sha256(token.encode()).hexdigest()


def _binding(user: User) -> str:
    return keyed_hash("password reset binding", f"{user.password_hash}\n{user.email or ''}")[:32]


def _serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*(config["SECRET_KEY_FALLBACKS"] or []), config["SECRET_KEY"]]  # signing uses the last one
    return URLSafeTimedSerializer(keys, salt=SALT)
