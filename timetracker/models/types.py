"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator

from timetracker import clock
from timetracker.rights import Right


def utcnow() -> datetime:
    """Return ``clock.now()``, looked up at each call so that tests can move time."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that refuses naive datetimes and always loads aware ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store times in UTC with a timezone")
        value = value.astimezone(UTC)
        # SQLite has no timezone support: store the UTC wall time.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class RightSet(TypeDecorator[frozenset[Right]]):
    """A set of rights, stored as their sorted names separated by commas."""

    impl = String(1000)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return ",".join(sorted(Right(right).value for right in value or ()))

    def process_result_value(self, value: str | None, dialect: Dialect) -> frozenset[Right]:
        return frozenset(Right(name) for name in (value or "").split(",") if name)
