"""The migrations are the only schema path: they must build exactly what the models describe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.conftest import POSTGRESQL, base_config
from timetracker import create_app
from timetracker.extensions import db


def _schema_config(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    if kind == "sqlite":
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite'}"}
    return request.getfixturevalue("new_postgres_schema")().config()


@pytest.mark.parametrize("kind", ["sqlite", POSTGRESQL])
def test_migrations_build_the_models_schema(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = create_app(base_config(**_schema_config(kind, tmp_path, request)))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


@pytest.mark.parametrize("kind", ["sqlite", POSTGRESQL])
def test_migrations_go_down_and_up_again(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    app = create_app(base_config(**_schema_config(kind, tmp_path, request)))
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert {"groups", "roles", "users", "audit_events"} <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", POSTGRESQL])
def test_existing_default_roles_get_the_time_rights(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Migration 0007 gives default roles (found by rank) the new rights and leaves custom roles alone."""
    app = create_app(base_config(**_schema_config(kind, tmp_path, request)))
    before = {
        "User": (4, "manage_own_settings,track_own_time,view_own_reports"),
        "Supervisor": (12, "manage_own_settings,track_own_time,view_own_reports,view_users"),
        "Co-manager": (
            68,
            "manage_basic_settings,manage_own_settings,manage_users,track_own_time,view_own_reports,view_users",
        ),
        "Manager": (324, "manage_advanced_settings,manage_roles,manage_users,track_own_time"),
        "Top manager": (512, "override_2fa,track_own_time"),
        "Night shift": (30, "track_own_time"),  # a role the group made
    }
    with app.app_context():
        flask_migrate.upgrade(revision="0006")
        with db.engine.begin() as connection:
            group_id = connection.execute(
                text(
                    "INSERT INTO groups (name, description, two_factor_required, created_at) "
                    "VALUES ('Old', '', false, CURRENT_TIMESTAMP) RETURNING id"
                )
            ).scalar_one()
            for name, (rank, rights) in before.items():
                connection.execute(
                    text(
                        "INSERT INTO roles (group_id, name, rank, rights) VALUES (:group, :name, :rank, :r)"
                    ),
                    {"group": group_id, "name": name, "rank": rank, "r": rights},
                )
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            after = dict(connection.execute(text("SELECT name, rights FROM roles")).all())
        flask_migrate.downgrade(revision="0006")
        with db.engine.connect() as connection:
            restored = dict(connection.execute(text("SELECT name, rights FROM roles")).all())
        db.engine.dispose()
    new = {"track_time", "view_reports", "override_date_lock"}
    assert set(after["User"].split(",")) == set(before["User"][1].split(","))
    assert set(after["Supervisor"].split(",")) == set(before["Supervisor"][1].split(",")) | new
    assert set(after["Co-manager"].split(",")) == set(before["Co-manager"][1].split(",")) | new | {
        "manage_projects"
    }
    assert set(after["Top manager"].split(",")) == {"override_2fa", "track_own_time", "manage_projects"} | new
    assert after["Night shift"] == "track_own_time"
    assert restored == {name: rights for name, (_, rights) in before.items()}


@pytest.mark.parametrize("kind", ["sqlite", POSTGRESQL])
def test_queued_codes_and_reset_links_go_first_after_migration_0009(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = create_app(base_config(**_schema_config(kind, tmp_path, request)))
    with app.app_context():
        flask_migrate.upgrade(revision="0008")
        with db.engine.begin() as connection:
            for purpose in ("2fa code", "password reset", "password changed", "test"):
                connection.execute(
                    text(
                        "INSERT INTO outbox_messages (created_at, purpose, recipient, subject, body_text, "
                        "status, attempts, next_attempt_at, give_up_at) VALUES (CURRENT_TIMESTAMP, :purpose, "
                        "'a@example.com', 'S', 'B', 'queued', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"purpose": purpose},
                )
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            priorities = dict(connection.execute(text("SELECT purpose, priority FROM outbox_messages")).all())
        db.engine.dispose()
    assert priorities == {"2fa code": 0, "password reset": 0, "password changed": 1, "test": 1}
