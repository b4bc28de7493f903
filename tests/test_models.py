"""Column types: times in UTC only, rights as sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy.exc import StatementError

from tests.conftest import People
from timetracker.extensions import db


def test_times_come_back_aware_in_utc(app: Flask, people: People) -> None:
    plus_two = timezone(timedelta(hours=2))
    with app.app_context():
        user = people.user("user")
        user.last_login_at = datetime(2026, 1, 2, 12, 0, tzinfo=plus_two)
        db.session.commit()
        db.session.expire_all()
        stored = people.user("user").last_login_at
    assert stored == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(app: Flask, people: People) -> None:
    with app.app_context():
        people.user("user").last_login_at = datetime(2026, 1, 2, 12, 0)
        with pytest.raises(StatementError, match="naive datetime refused"):
            db.session.commit()
