"""How durations and times are written on pages (Jinja filters) and in the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def hours_minutes(minutes: int | None) -> str:
    """Write minutes as ``h:mm`` (``90`` → ``1:30``); a running timer's None as ``…``."""
    if minutes is None:
        return "…"
    return f"{minutes // 60}:{minutes % 60:02d}"


def decimal_hours(minutes: int) -> str:
    """Write minutes as hours with two decimals (``450`` → ``7.50``), for payroll."""
    return f"{minutes / 60:.2f}"


def local_time(instant: datetime | None, zone: ZoneInfo) -> str:
    """Write a UTC instant as the wall-clock ``HH:MM`` of ``zone``; "" for None."""
    return instant.astimezone(zone).strftime("%H:%M") if instant is not None else ""
