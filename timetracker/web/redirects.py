"""Where a browser may be sent after logging in."""

from __future__ import annotations

from urllib.parse import urlsplit

from timetracker.models import PendingLogin

# A target waits for the second factor in the pending login; a longer one could not be kept.
MAX_LENGTH = PendingLogin.next_url.type.length


def local_target(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, at most ``MAX_LENGTH`` long, else None.

    Browsers treat ``//host``, ``/\\host`` and paths with tabs or newlines in them as
    links to other sites, so anything but a plain absolute path is refused.
    """
    if not target or len(target) > MAX_LENGTH or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
