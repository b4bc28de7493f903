"""The browsers and clients users log in from: what they are called, and alerts for new ones.

A browser gets a long-lived random device cookie (HttpOnly, SameSite=Lax, Secure over
HTTPS) at its first login; the server keeps its hash per user (``KnownDevice``). A login
from a browser whose cookie that user has not logged in with before queues the "New sign-in"
email in the login's transaction: it never waits for the mail server.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import after_this_request, g, has_request_context, request
from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from ua_parser import parse
from werkzeug.wrappers import Response

from timetracker import clock, messages
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import KnownDevice, MailPriority, User, UserSession

COOKIE = "tt_device"
COOKIE_LIFETIME = timedelta(days=730)
DEVICE_LENGTH: int = UserSession.__table__.c.device.type.length  # type: ignore[attr-defined]
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes
_TOKEN_KEY = "device_token"  # in ``g``: this browser's token, once read or made

_DEVICES = KnownDevice.__table__
_SEEN = (
    update(_DEVICES)
    .where(_DEVICES.c.user_id == bindparam("owner"), _DEVICES.c.token_hash == bindparam("hash"))
    .values(last_seen_at=bindparam("now"))
)
_ADD = {
    name: dialect.insert(_DEVICES).on_conflict_do_nothing(index_elements=["user_id", "token_hash"])
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}


def describe(user_agent: str) -> str:
    """Name a browser or client in a few words from its User-Agent: "Chrome 120 on Linux"."""
    parsed = parse(user_agent[:1000]) if user_agent else None
    agent = parsed.user_agent if parsed is not None else None
    if agent is None or agent.family == "Other":
        return messages.UNKNOWN_DEVICE
    name = f"{agent.family} {agent.major}" if agent.major else agent.family
    system = parsed.os if parsed is not None else None
    if system is not None and system.family != "Other":
        name = f"{name} on {system.family}"
    return name[:DEVICE_LENGTH]


def this_device() -> str:
    """Describe the requesting browser or client (``describe``); an unknown one outside a request."""
    return describe(request.headers.get("User-Agent", "") if has_request_context() else "")


def client_address() -> str | None:
    """Return the address the request came from, as the audit trail notes it."""
    return request.remote_addr if has_request_context() else None


def note(user: User) -> bool:
    """Remember that this browser logs in to ``user``'s account; tell whether it is new to it.

    The browser keeps (or gets) its device cookie for another two years. The caller commits.
    """
    token_hash = hashlib.sha256(_browser_token().encode()).hexdigest()
    now = clock.now()
    if db.session.execute(_SEEN, {"owner": user.id, "hash": token_hash, "now": now}).rowcount:
        return False
    added = {"user_id": user.id, "token_hash": token_hash, "first_seen_at": now, "last_seen_at": now}
    dialect = db.session.get_bind().dialect.name
    return bool(db.session.execute(_ADD[dialect], added).rowcount)  # of two logins at once, one adds it


def alert(user: User) -> None:
    """Queue the "New sign-in" email for a login of ``user`` from this browser, if they have an address."""
    if not user.email:
        return
    zone = user.zone
    outbox.queue(
        "new sign-in",
        user.email,
        messages.SUBJECT_NEW_SIGN_IN,
        "new_sign_in",
        user_id=user.id,
        priority=MailPriority.NOTICE,
        name=user.name,
        when=clock.now().astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        zone=zone.key,
        address=client_address() or messages.UNKNOWN_ADDRESS,
        device=this_device(),
    )


def _browser_token() -> str:
    """Return this browser's device token: from its cookie when well-formed, else a new one.

    Either way the response sets the cookie again, so it lasts two years from the last login.
    """
    token = g.get(_TOKEN_KEY)
    if token is None:
        sent = request.cookies.get(COOKIE, "")
        token = sent if _TOKEN.fullmatch(sent) else secrets.token_urlsafe(32)
        g.setdefault(_TOKEN_KEY, token)
        after_this_request(_set_cookie)
    return token


def _set_cookie(response: Response) -> Response:
    response.set_cookie(
        COOKIE,
        g.get(_TOKEN_KEY),
        max_age=int(COOKIE_LIFETIME.total_seconds()),
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response
