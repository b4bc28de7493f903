"""Security keys and passkeys (WebAuthn): the relying party, the ceremonies' challenges, and
adding, using and removing a user's keys, with the ``webauthn`` package's verification.

The relying party is the server's own address, ``TIMETRACKER_BASE_URL``: its host name is the
RP id and its ``scheme://host[:port]`` the one origin accepted. WebAuthn refuses IP addresses
as RP ids, so without a host name there security keys are unavailable.

Challenges live on the server, work once (a conditional DELETE whose row count says who won),
expire after ``CHALLENGE_LIFETIME``, and are bound to what started them: a registration to its
user and to the browser that asked, a login to its pending login.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import SplitResult, urlsplit

from flask import current_app, session
from sqlalchemy import and_, delete, or_, update
from sqlalchemy.exc import IntegrityError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    decode_credential_public_key,
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.decoded_public_key_to_cryptography import decoded_public_key_to_cryptography
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from timetracker import audit, clock, database, messages
from timetracker.audit import Event
from timetracker.errors import FieldError, TimeTrackerError
from timetracker.extensions import db
from timetracker.models import PendingLogin, SecurityKey, User, WebAuthnChallenge
from timetracker.security import authenticator, recovery_codes, sessions
from timetracker.security.reauth import require_password

CHALLENGE_LIFETIME = timedelta(minutes=5)
NAME_MAX = 100
RP_NAME = "Time Tracker"
BROWSER_TOKEN = "webauthn_browser"  # the session key of this browser's random ceremony token
CREDENTIAL_ID_MAX = 1023
# What a forged or garbled answer raises (RecursionError: JSON nested deeper than its parser goes).
_MALFORMED = (WebAuthnException, ValueError, TypeError, RecursionError)


class SecurityKeysUnavailable(TimeTrackerError):
    """TIMETRACKER_BASE_URL gives no host name a browser accepts as relying party."""


class Refusal(StrEnum):
    """Why an answer of a security key was not accepted (audited)."""

    MALFORMED = "malformed answer"
    CHALLENGE = "unknown, used or expired challenge"
    UNKNOWN_KEY = "unknown key"
    ANOTHER_USER = "another user's key"
    USER_HANDLE = "another user's handle"
    NOT_VERIFIED = "origin, relying party or signature wrong"
    CLONED = "signature counter went back"
    ALREADY_ADDED = "key already registered"


class KeyRefused(TimeTrackerError):
    """A ceremony's answer was not accepted; nothing was changed but the spent challenge."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class RelyingParty:
    id: str  # the host name
    origin: str  # scheme://host[:port], the only origin accepted


def relying_party() -> RelyingParty:
    """Return the relying party that ``TIMETRACKER_BASE_URL`` names.

    :raise SecurityKeysUnavailable: it is unset, not an http(s) URL, or names an IP address;
        the message says which.
    """
    parts = urlsplit(str(current_app.config["BASE_URL"] or ""))
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise SecurityKeysUnavailable(messages.CHECK_KEYS_NO_BASE_URL)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return RelyingParty(host, _origin(parts))
    raise SecurityKeysUnavailable(messages.CHECK_KEYS_IP_ADDRESS.format(host=host))


def _origin(parts: SplitResult) -> str:
    """Return the origin as a browser writes it: the host in lower case, no default port, no user."""
    scheme, host = parts.scheme, parts.hostname
    try:
        port = parts.port
    except ValueError:
        raise SecurityKeysUnavailable(messages.CHECK_KEYS_NO_BASE_URL) from None
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def available() -> bool:
    """Tell whether security keys can be added and used on this server."""
    try:
        relying_party()
    except SecurityKeysUnavailable:
        return False
    return True


# --- adding a key -------------------------------------------------------------------------------


def registration_options(user: User) -> str:
    """Start adding a key of ``user`` in this browser; return the creation options as JSON; commit.

    :raise SecurityKeysUnavailable: see ``relying_party``.
    """
    party = relying_party()
    options = generate_registration_options(
        rp_id=party.id,
        rp_name=RP_NAME,
        user_name=user.login,
        user_id=_user_handle(user),
        user_display_name=user.name,
        challenge=_new_challenge(user, browser_hash=_browser_hash()),
        timeout=_timeout_ms(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    db.session.commit()
    return options_to_json(options)


def add(user: User, name: str, credential: str) -> SecurityKey:
    """Register the key of this browser's finished ceremony under ``name``; commit.

    The first own factor of a user without unused recovery codes makes ten, shown on the key
    for a while (``shown_codes``). Sessions that gave a weaker factor stop counting by the rule.

    :raise FieldError: on ``name``: empty, too long, or the name of another of the user's keys.
    :raise KeyRefused: the answer is not one to this browser's live challenge, or fails verification.
    :raise SecurityKeysUnavailable: see ``relying_party``.
    """
    party = relying_party()
    _valid_name(user, name)  # before the challenge is spent; judged again under the lock below
    try:
        parsed = parse_registration_credential_json(credential)
        challenge = parse_client_data_json(parsed.response.client_data_json).challenge
    except _MALFORMED:
        raise KeyRefused(Refusal.MALFORMED) from None
    if not _claim(challenge, user_id=user.id, browser_hash=_browser_hash()):
        raise KeyRefused(Refusal.CHALLENGE)
    db.session.commit()  # the challenge is spent, whatever the verification says
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
        )
        decoded_public_key_to_cryptography(decode_credential_public_key(verified.credential_public_key))
    except (*_MALFORMED, KeyError):  # KeyError: a public key without its type; no key of it could sign
        raise KeyRefused(Refusal.NOT_VERIFIED) from None
    database.lock(user)  # one add of the user at a time: names are judged one after the other
    name = _valid_name(user, name)
    known = db.session.scalar(
        db.select(SecurityKey.id).where(SecurityKey.credential_id == verified.credential_id)
    )
    if known is not None or len(verified.credential_id) > CREDENTIAL_ID_MAX:
        raise KeyRefused(Refusal.ALREADY_ADDED)
    key = SecurityKey(
        user=user,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(transport.value for transport in parsed.response.transports or []),
    )
    db.session.add(key)
    try:
        db.session.flush()
    except IntegrityError:  # the unique credential id: a concurrent request of another user added it first
        db.session.rollback()
        raise KeyRefused(Refusal.ALREADY_ADDED) from None
    if not recovery_codes.remaining(user):
        codes = recovery_codes.generate()
        recovery_codes.replace(user, codes)
        authenticator.show_codes(key, codes, authenticator.NEW_CODES_SHOWN_FOR)
    audit.record(Event.SECURITY_KEY_ADDED, actor=user, key=name)
    authenticator.notify(user, messages.SUBJECT_KEY_ADDED, "security_key_added", key=name)
    db.session.commit()
    return key


def shown_codes(user: User) -> list[str] | None:
    """Return the recovery codes a key of ``user`` made and still shows, else None."""
    return next(filter(None, (authenticator.shown_codes(key) for key in user.security_keys)), None)


def _valid_name(user: User, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise FieldError("name", messages.KEY_NAME_REQUIRED)
    if len(name) > NAME_MAX:
        raise FieldError("name", messages.KEY_NAME_TOO_LONG.format(length=NAME_MAX))
    if any(key.name.casefold() == name.casefold() for key in user.security_keys):
        raise FieldError("name", messages.KEY_NAME_TAKEN.format(name=name))
    return name


def _user_handle(user: User) -> bytes:
    """Return the user's random WebAuthn handle, made (once, whoever wins) with the first key."""
    if user.webauthn_handle is None:
        db.session.execute(
            update(User)
            .where(User.id == user.id, User.webauthn_handle.is_(None))
            .values(webauthn_handle=secrets.token_bytes(32))
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(user, ["webauthn_handle"])
    assert user.webauthn_handle is not None
    return user.webauthn_handle


def _browser_hash() -> str:
    """Return the hash of this browser's ceremony token, kept in its session (made on first use)."""
    token = session.get(BROWSER_TOKEN)
    if not isinstance(token, str):
        token = session[BROWSER_TOKEN] = secrets.token_urlsafe(32)
    return hashlib.sha256(token.encode()).hexdigest()


# --- removing a key -----------------------------------------------------------------------------


def find(user: User, key_id: int) -> SecurityKey | None:
    """Return ``user``'s key ``key_id``, or None (another user's key included)."""
    return next((key for key in user.security_keys if key.id == key_id), None)


def remove(user: User, key: SecurityKey, password: str) -> bool:
    """Remove ``user``'s ``key`` after checking their password; False if a concurrent request did.

    With their last own factor go their recovery codes; every session and API token of the user
    ends (the caller keeps its own browser's session).

    :raise FieldError: on ``password``, wrong.
    """
    require_password(user, password, field="password")
    name = key.name
    removed = db.session.execute(
        delete(SecurityKey).where(SecurityKey.id == key.id, SecurityKey.user_id == user.id)
    )
    if removed.rowcount != 1:
        db.session.rollback()
        return False
    db.session.expire(user, ["security_keys"])
    if not user.has_own_factor:
        user.recovery_codes.clear()
    sessions.end_others(user, "security key removed")  # the sessions that gave this key end with it
    audit.record(Event.SECURITY_KEY_REMOVED, actor=user, key=name)
    authenticator.notify(user, messages.SUBJECT_KEY_REMOVED, "security_key_removed", key=name)
    db.session.commit()
    return True


# --- logging in with a key ----------------------------------------------------------------------


def assertion_options(pending: PendingLogin) -> dict[str, Any]:
    """Return the request options for the key ``pending`` owes, with a new challenge; commit.

    :raise SecurityKeysUnavailable: see ``relying_party``.
    """
    options = generate_authentication_options(
        rp_id=relying_party().id,
        challenge=_new_challenge(pending.user, pending_login_id=pending.id),
        timeout=_timeout_ms(),
        allow_credentials=_descriptors(pending.user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    db.session.commit()
    return options_to_json_dict(options)


def use(pending: PendingLogin, credential: str | dict[str, Any]) -> SecurityKey:
    """Verify a key's answer to the challenge of ``pending`` and record its counter (the caller commits).

    The challenge is spent even when the answer is refused; a counter that is not above the one
    stored (unless both are 0: many passkeys never count) says the key was cloned.

    :raise KeyRefused: with the reason.
    """
    user = pending.user
    try:
        party = relying_party()
        parsed = parse_authentication_credential_json(credential)
        challenge = parse_client_data_json(parsed.response.client_data_json).challenge
    except (*_MALFORMED, SecurityKeysUnavailable):
        raise KeyRefused(Refusal.MALFORMED) from None
    if not _claim(challenge, pending_login_id=pending.id):
        raise KeyRefused(Refusal.CHALLENGE)
    key = db.session.scalar(db.select(SecurityKey).where(SecurityKey.credential_id == parsed.raw_id))
    if key is None:
        raise KeyRefused(Refusal.UNKNOWN_KEY)
    if key.user_id != user.id:
        raise KeyRefused(Refusal.ANOTHER_USER)
    handle = parsed.response.user_handle
    if handle is not None and handle != user.webauthn_handle:
        raise KeyRefused(Refusal.USER_HANDLE)
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=0,  # judged below, after the signature: a forgery is no clone
        )
    except _MALFORMED:
        raise KeyRefused(Refusal.NOT_VERIFIED) from None
    if not _count(key, verified.new_sign_count):
        raise KeyRefused(Refusal.CLONED)
    return key


def _count(key: SecurityKey, sign_count: int) -> bool:
    """Store ``sign_count`` and the time of use unless it is not above the stored counter."""
    above = SecurityKey.sign_count < sign_count if sign_count else SecurityKey.sign_count == 0
    counted = db.session.execute(
        update(SecurityKey)
        .where(SecurityKey.id == key.id, above)
        .values(sign_count=sign_count, last_used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return counted.rowcount == 1


# --- challenges ---------------------------------------------------------------------------------


def _new_challenge(user: User, **binding: Any) -> bytes:
    """Add a challenge bound to ``binding``; the binding's older ones and every expired one go."""
    now = clock.now()
    db.session.execute(
        delete(WebAuthnChallenge).where(
            or_(WebAuthnChallenge.expires_at <= now, _bound(user_id=user.id, **binding))
        )
    )
    challenge = secrets.token_bytes(32)
    db.session.add(
        WebAuthnChallenge(
            challenge=challenge, user_id=user.id, expires_at=now + CHALLENGE_LIFETIME, **binding
        )
    )
    return challenge


def _claim(challenge: bytes, **binding: Any) -> bool:
    """Spend ``challenge`` if it is alive and bound to ``binding``; True for the one request that did."""
    claimed = db.session.execute(
        delete(WebAuthnChallenge).where(
            WebAuthnChallenge.challenge == challenge,
            WebAuthnChallenge.expires_at > clock.now(),
            _bound(**binding),
        )
    )
    return claimed.rowcount == 1


def _bound(**binding: Any) -> Any:
    """Return the condition that a challenge has every column of ``binding`` at its value."""
    return and_(*(getattr(WebAuthnChallenge, column) == value for column, value in binding.items()))


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=key.credential_id,
            transports=[AuthenticatorTransport(name) for name in key.transports.split(",") if name] or None,
        )
        for key in user.security_keys
    ]


def _timeout_ms() -> int:
    return int(CHALLENGE_LIFETIME.total_seconds() * 1000)
