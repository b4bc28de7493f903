"""Time-based one-time passwords (RFC 6238) with pyotp: 30-second steps, one step of drift, no replay."""

from __future__ import annotations

import hmac
import re

import pyotp

from timetracker import clock

ISSUER = "Time Tracker"
DRIFT = 1  # steps accepted either side of now
_SEPARATORS = re.compile(r"[\s-]+")


def new_secret() -> str:
    """Return a new random base32 secret (160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, login: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """Return the secret in groups of four, for typing it in by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, typed: str, *, after_step: int | None) -> int | None:
    """Return the step whose code ``typed`` is, within the drift and after ``after_step``, or None.

    Refusing steps up to ``after_step`` makes each code work once.
    """
    code = _SEPARATORS.sub("", typed or "")
    totp = pyotp.TOTP(secret)
    now = totp.timecode(clock.now())
    found = None
    for step in range(now - DRIFT, now + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()) and (
            after_step is None or step > after_step
        ):
            found = step
    return found
