"""A software security key for the tests: real WebAuthn ceremonies that the ``webauthn`` package verifies.

It answers the JSON options the server gives (``navigator.credentials.create`` / ``get``) the way a
browser and an authenticator together would: clientDataJSON with the origin and challenge,
authenticatorData with the RP id's hash, flags and signature counter, an attestation object of
format "none" (CBOR), and ECDSA P-256 signatures made with ``cryptography``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    """One credential the device made: its id, private key, RP id, user handle and counter."""

    id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


class SoftwareKey:
    """A security key in memory; ``counting=False`` makes it a passkey whose counter stays 0."""

    def __init__(self, *, counting: bool = True) -> None:
        self.counting = counting
        self.credentials: list[Credential] = []

    def create(self, options: dict[str, Any], origin: str, *, rp_id: str | None = None) -> dict[str, Any]:
        """Make a credential for the creation ``options`` as a browser on ``origin`` would."""
        rp_id = rp_id or options["rp"]["id"]
        excluded = {from_b64url(item["id"]) for item in options.get("excludeCredentials", [])}
        if any(credential.id in excluded for credential in self.credentials):
            raise ValueError("InvalidStateError: this key is already registered")
        credential = Credential(
            secrets.token_bytes(16),
            ec.generate_private_key(ec.SECP256R1()),
            rp_id,
            from_b64url(options["user"]["id"]),
        )
        self.credentials.append(credential)
        attested = bytes(16) + struct.pack(">H", len(credential.id)) + credential.id + _cose(credential)
        auth_data = _auth_data(rp_id, USER_PRESENT | USER_VERIFIED | ATTESTED, 0) + attested
        client_data = _client_data("webauthn.create", options["challenge"], origin)
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(credential.id),
            "rawId": b64url(credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["usb"],
            },
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict[str, Any],
        origin: str,
        *,
        rp_id: str | None = None,
        credential: Credential | None = None,
        user_handle: bytes | None = None,
    ) -> dict[str, Any]:
        """Sign the request ``options``'s challenge with ``credential`` (the newest one by default)."""
        credential = credential or self.credentials[-1]
        if self.counting:
            credential.sign_count += 1
        auth_data = _auth_data(rp_id or credential.rp_id, USER_PRESENT | USER_VERIFIED, credential.sign_count)
        client_data = _client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = credential.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(credential.id),
            "rawId": b64url(credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(user_handle or credential.user_handle),
            },
            "clientExtensionResults": {},
        }


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()


def _auth_data(rp_id: str, flags: int, sign_count: int) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)


def _cose(credential: Credential) -> bytes:
    """Return the credential's public key as a COSE EC2 key (ES256)."""
    numbers = credential.private_key.public_key().public_numbers()
    return encode_cbor(
        {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    )
