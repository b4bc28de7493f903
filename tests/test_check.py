"""``flask --app timetracker check``: an operator's readiness report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SmtpSink, free_port
from timetracker import ROOT

STRONG_KEY = "k" * 48
BASE_URL = "https://tt.example.com"


def check(make_app: Any, **config: Any) -> tuple[int, str]:
    app = make_app(**{"SECRET_KEY": STRONG_KEY, "BASE_URL": BASE_URL, **config})
    result = app.test_cli_runner().invoke(args=["check"])
    return result.exit_code, result.output


def line(output: str, subject: str) -> str:
    return next(text for text in output.splitlines() if text[6:].startswith(f"{subject}:"))


def test_a_good_configuration_is_ready(make_app: Any, smtp: SmtpSink) -> None:
    code, output = check(make_app)
    assert code == 0, output
    assert line(output, "secret key") == "ok    secret key: set (48 characters)"
    assert line(output, "database").startswith("ok    database: connected to ")
    assert line(output, "migrations").startswith("ok    migrations: at ")
    assert line(output, "mail") == f"ok    mail: SMTP server 127.0.0.1:{smtp.port} answered (250)"
    assert line(output, "rate limits").startswith("warn  rate limits: kept in memory")
    assert line(output, "links") == "ok    links: emails link to https://tt.example.com"
    assert output.rstrip().endswith("Ready.")


@pytest.mark.skipif(
    not os.environ.get("TIMETRACKER_TEST_REDIS_URL"), reason="TIMETRACKER_TEST_REDIS_URL is not set"
)
def test_redis_storage_is_checked(make_app: Any, smtp: SmtpSink) -> None:
    url = os.environ["TIMETRACKER_TEST_REDIS_URL"]
    code, output = check(make_app, RATELIMIT_STORAGE_URI=url)
    assert code == 0 and line(output, "rate limits").startswith("ok    rate limits: storage redis://")


@pytest.mark.parametrize(
    ("config", "subject", "says"),
    [
        ({"SECRET_KEY": "too short"}, "secret key", "only 9 characters: use at least 32"),
        ({"MAIL_PORT": "free"}, "mail", "not ready: ConnectionRefusedError"),
        ({"MAIL_SERVER": None}, "mail", "no mail server configured"),
        (
            {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1"},
            "rate limits",
            "storage redis://127.0.0.1:1 does not answer",
        ),
        ({"BASE_URL": None}, "links", "password reset emails are refused"),
        ({"BASE_URL": "tt.example.com"}, "links", "is not an http:// or https:// address"),
    ],
)
def test_each_broken_part_is_named(
    make_app: Any, smtp: SmtpSink, config: dict[str, Any], subject: str, says: str
) -> None:
    if config.get("MAIL_PORT") == "free":
        config["MAIL_PORT"] = free_port()
    app = make_app(**{"SECRET_KEY": STRONG_KEY, "BASE_URL": BASE_URL, **config})
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert line(result.output, subject).startswith("FAIL") and says in line(result.output, subject)
    assert "problem(s) to fix" in result.output


def test_a_database_that_is_not_migrated(make_app: Any, tmp_path: Path, smtp: SmtpSink) -> None:
    code, output = check(
        make_app,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.sqlite'}",
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    assert code == 1
    assert "the database is at no revision" in line(output, "migrations")
    assert "flask --app timetracker db upgrade" in line(output, "migrations")


def test_an_unreachable_database(make_app: Any, smtp: SmtpSink) -> None:
    code, output = check(
        make_app, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody:pw-must-not-show@127.0.0.1:1/none"
    )
    assert code == 1
    assert line(output, "database").startswith(
        "FAIL  database: cannot connect to postgresql+psycopg://nobody:***@"
    )
    assert "pw-must-not-show" not in output
    assert line(output, "migrations").startswith("FAIL  migrations: cannot read the database's revision")


def test_without_a_secret_key_the_command_refuses_with_a_clear_line(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TIMETRACKER_", "FLASK_"))}
    env["TIMETRACKER_SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.sqlite'}"
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run(
        [str(flask), "--app", "timetracker", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TIMETRACKER_SECRET_KEY is not set" in result.stdout + result.stderr
