"""The one clock: every "now" in Time Tracker comes from here, so tests can move time."""

from datetime import UTC, datetime


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)
