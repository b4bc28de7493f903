"""The app factory and its configuration."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from tests.conftest import base_config
from timetracker import create_app
from timetracker.extensions import db
from timetracker.security.passwords import hash_password


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove any TIMETRACKER_* or FLASK_DEBUG setting of the machine running the tests."""
    import os

    for name in list(os.environ):
        if name.startswith("TIMETRACKER_") or name == "FLASK_DEBUG":
            monkeypatch.delenv(name)
    return monkeypatch


def test_production_mode_refuses_to_start_without_secret_key(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError) as refused:
        create_app()
    assert "TIMETRACKER_SECRET_KEY is not set" in str(refused.value)
    assert "export TIMETRACKER_SECRET_KEY=" in str(refused.value)


def test_testing_mode_makes_up_a_random_secret_key(clean_env: pytest.MonkeyPatch) -> None:
    first = create_app({"TESTING": True}).config["SECRET_KEY"]
    second = create_app({"TESTING": True}).config["SECRET_KEY"]
    assert first and second and first != second


def test_debug_mode_makes_up_a_secret_key(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLASK_DEBUG", "1")
    assert create_app().config["SECRET_KEY"]


def test_settings_come_from_prefixed_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TIMETRACKER_SECRET_KEY", "from the environment")
    clean_env.setenv("TIMETRACKER_MAIL_SERVER", "smtp.example.com")
    clean_env.setenv("TIMETRACKER_MAIL_PORT", "587")
    clean_env.setenv("TIMETRACKER_MAIL_USE_TLS", "true")
    clean_env.setenv("TIMETRACKER_ALLOW_REGISTRATION", "false")
    config = create_app().config
    assert config["SECRET_KEY"] == "from the environment"
    assert config["MAIL_SERVER"] == "smtp.example.com"
    assert config["MAIL_PORT"] == 587
    assert config["MAIL_USE_TLS"] is True
    assert config["ALLOW_REGISTRATION"] is False


def test_explicit_config_wins_over_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TIMETRACKER_ALLOW_REGISTRATION", "false")
    app = create_app(base_config(ALLOW_REGISTRATION=True))
    assert app.config["ALLOW_REGISTRATION"] is True


def test_default_database_is_sqlite_in_instance_folder(clean_env: pytest.MonkeyPatch) -> None:
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/timetracker.sqlite"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'pragmas.sqlite'}"))
    with app.app_context():
        assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        db.engine.dispose()


def test_passwords_use_werkzeugs_default_unless_configured(clean_env: pytest.MonkeyPatch) -> None:
    with create_app({"TESTING": True}).app_context():
        assert hash_password("a password").startswith("scrypt:")


def test_wsgi_exposes_the_app(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TIMETRACKER_SECRET_KEY", "for gunicorn")
    sys.modules.pop("wsgi", None)
    wsgi = importlib.import_module("wsgi")
    assert isinstance(wsgi.app, Flask)
    assert wsgi.app.config["SECRET_KEY"] == "for gunicorn"


def test_unknown_page_gives_our_404(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found." in response.text
    assert "style.css" in response.text


def test_static_files_are_served_locally(client) -> None:
    page = client.get("/login").text
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    with client.get("/static/style.css") as stylesheet:
        assert stylesheet.status_code == 200


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MAIL_CONCURRENCY": 0}, "TIMETRACKER_MAIL_CONCURRENCY"),
        ({"MAIL_CONCURRENCY": "many"}, "TIMETRACKER_MAIL_CONCURRENCY"),
        ({"MAIL_CONCURRENCY": True}, "TIMETRACKER_MAIL_CONCURRENCY"),
        ({"MAIL_LEASE": 20, "MAIL_TIMEOUT": 20}, "TIMETRACKER_MAIL_LEASE"),
        ({"MAIL_LEASE": float("nan")}, "TIMETRACKER_MAIL_LEASE"),
        ({"MAIL_LEASE": float("inf")}, "TIMETRACKER_MAIL_LEASE"),
        ({"MAIL_TIMEOUT": 0}, "TIMETRACKER_MAIL_LEASE"),
    ],
)
def test_mail_delivery_settings_that_cannot_work_stop_the_start(
    settings: dict[str, object], named: str
) -> None:
    with pytest.raises(RuntimeError) as refused:
        create_app(base_config(**settings))
    assert named in str(refused.value)
