"""Keys derived from the app's secret key, one per purpose, so no two uses share a key."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def derive(purpose: str) -> bytes:
    """Return a 32-byte key for ``purpose``, derived from SECRET_KEY."""
    return derive_from(current_app.config["SECRET_KEY"], purpose)


def derive_from(secret: str | bytes, purpose: str) -> bytes:
    """Return a 32-byte key for ``purpose``, derived from ``secret``."""
    secret_bytes = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret_bytes, f"timetracker/{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """Return the hex HMAC-SHA256 of ``value`` under the key for ``purpose``."""
    return hmac.new(derive(purpose), value.encode(), hashlib.sha256).hexdigest()
