"""Secrets at rest (TOTP secrets, recovery codes waiting to be printed), encrypted with Fernet.

The key is derived from SECRET_KEY; keys derived from SECRET_KEY_FALLBACKS still decrypt,
so the secret key can be rotated without losing anyone's authenticator.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from timetracker.security.keys import derive_from

PURPOSE = "secrets at rest"


def encrypt(plain: str) -> str:
    """Return ``plain`` encrypted and authenticated, as text."""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """Return the text ``encrypt`` was given.

    :raise InvalidToken: the token was altered or made with an unknown secret key.
    """
    return _fernet().decrypt(token.encode()).decode()


def _fernet() -> MultiFernet:
    secrets = [current_app.config["SECRET_KEY"], *(current_app.config["SECRET_KEY_FALLBACKS"] or [])]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derive_from(secret, PURPOSE))) for secret in secrets])


__all__ = ["InvalidToken", "decrypt", "encrypt"]
