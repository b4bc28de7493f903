"""The migrations are the only schema path: they must build exactly what the models describe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
