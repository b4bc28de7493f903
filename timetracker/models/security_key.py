"""A user's security keys and passkeys (WebAuthn credentials), and the challenges of their ceremonies."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timetracker.extensions import db
from timetracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from timetracker.models.user import User


class SecurityKey(db.Model):
    """One WebAuthn credential of a user: its id, public key and the last signature counter seen.

    The first key of a user without recovery codes makes them; ``shown_codes_*`` then hold them,
    encrypted, for the page that shows them once (as an authenticator's enrolment does).
    """

    __tablename__ = "security_keys"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")  # comma-separated hints
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shown_codes_encrypted: Mapped[str | None] = mapped_column(Text)
    shown_codes_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="security_keys")

    def __repr__(self) -> str:
        return f"<SecurityKey {self.id} user={self.user_id} {self.name!r}>"


class WebAuthnChallenge(db.Model):
    """A challenge sent to a browser or API client, single use, until ``expires_at``.

    A registration's is bound to its user and to the browser that asked (``browser_hash``, the
    hash of a random token in that browser's session); a login's to its pending login.
    """

    __tablename__ = "webauthn_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pending_login_id: Mapped[int | None] = mapped_column(
        ForeignKey("pending_logins.id", ondelete="CASCADE"), index=True
    )
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
