"""Absolute links for emails, which never follow a Host header the operator does not trust.

A forged ``Host: evil.example`` must not put evil.example into a password reset mail. A link
starts with ``TIMETRACKER_BASE_URL``; without it, with the address the request came to only
when that address is trusted: Flask's ``TRUSTED_HOSTS`` lists it (Flask answers 400 to any
other), or the development server (debug or testing mode) is reached on a loopback address.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, request, url_for

from timetracker.errors import TimeTrackerError


class NoTrustedAddress(TimeTrackerError):
    """Neither the configuration nor the request gives an address that links may point to."""


def external_url(endpoint: str, **values: object) -> str:
    """Return the absolute URL of ``endpoint`` for an email.

    :raise NoTrustedAddress: see the module's description.
    """
    return f"{trusted_base().rstrip('/')}{url_for(endpoint, **values)}"


def trusted_base() -> str:
    """Return the start of every absolute link, as the module's description says.

    Views that mail links only to some callers (a reset for a login that exists) ask this
    first, so that a refusal never tells which callers those are.

    :raise NoTrustedAddress: no base URL, no trusted host list, and no loopback dev server.
    """
    config = current_app.config
    if config["BASE_URL"]:
        return str(config["BASE_URL"])
    # An empty TRUSTED_HOSTS list makes Werkzeug trust every host: it counts as none here.
    if config["TRUSTED_HOSTS"] or ((current_app.debug or current_app.testing) and _is_loopback(request.host)):
        return request.host_url
    raise NoTrustedAddress()


def _is_loopback(host: str) -> bool:
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
