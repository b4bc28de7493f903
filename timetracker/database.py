"""Binding the database and migrations to the app, SQLite's connection settings, and row locks."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from timetracker import ids
from timetracker.extensions import db, migrate

Row = TypeVar("Row")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def init_app(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and Flask-Migrate to ``app``."""
    from timetracker import models  # noqa: F401  (registers the tables)

    # Never write query parameters (codes, hashes, emails) into logs or error messages.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "hide_parameters": True,
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)


def get(model: type[Row], row_id: int) -> Row | None:
    """Return the row of ``model`` with ``row_id``; None for a number that can be no id.

    Too large a number would make the database fail ("integer out of range", SQLite's
    OverflowError) rather than find nothing: it is not asked (see ``ids``).
    """
    return db.session.get(model, row_id) if ids.in_range(row_id) else None


def lock(row: Any) -> None:
    """Hold ``row`` (a model instance with an ``id``) for this transaction, then reload it.

    A no-op UPDATE: a row lock on PostgreSQL, the database's write lock on SQLite, where
    ``SELECT … FOR UPDATE`` does not exist. Two requests that lock the same row first are
    judged one after the other, and the second sees what the first changed.
    """
    model = row.__class__  # not type(): current_user is a proxy that answers for its user
    no_change = update(model).where(model.id == row.id).values(id=model.id)
    db.session.execute(no_change.execution_options(synchronize_session=False))
    db.session.refresh(row)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """Turn on foreign keys and WAL for every SQLite connection, and wait for locks.

    With WAL, synchronous=NORMAL keeps the database consistent after a crash and only risks
    the last transactions on a power cut, for much cheaper commits.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
