"""Several app processes and mail workers at once: exactly-once delivery, shared throttling."""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import flask_migrate
import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, SmtpSink, base_config, free_port
from tests.processes import Browser, app_servers, environment, mail_workers
from timetracker import create_app
from timetracker.extensions import db
from timetracker.mail import outbox
from timetracker.models import MailPriority, MailStatus, OutboxMessage
from timetracker.services import membership

pytestmark = pytest.mark.slow
USERS = 200
UNTHROTTLED = {
    name: "100000 per minute"
    for name in ("LOGIN_LIMIT_PER_ADDRESS", "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "LOGIN_LIMIT_PER_ACCOUNT")
}


@pytest.mark.postgresql
def test_two_apps_and_two_workers_deliver_each_message_once(new_postgres_schema: Any) -> None:
    schema = new_postgres_schema()
    url = f"{schema.url}?options={quote(f'-csearch_path={schema.schema}')}"
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        flask_migrate.upgrade()
        top = membership.create_group(membership.NewGroup("Many", "Top", "top", PASSWORD, None), via="test")
        top.group.two_factor_required = True
        role_id = next(role.id for role in top.group.roles if role.name == "User")
        for number in range(USERS):
            details = membership.UserDetails(
                f"User {number}", f"u{number}", f"u{number}@example.com", role_id, True, PASSWORD
            )
            membership.add_user(None, top.group, details)

    sink = SmtpSink(free_port()).start()
    env = environment(
        SQLALCHEMY_DATABASE_URI=url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=sink.port,
        MAIL_POLL_INTERVAL=0.2,
        **UNTHROTTLED,
    )
    try:
        with app_servers(2, env) as urls, mail_workers(2, env):

            def log_in(number: int) -> int:
                status, _ = Browser(urls[number % 2]).post_form(
                    "/login", {"login": f"u{number}", "password": PASSWORD}
                )
                return status

            with ThreadPoolExecutor(max_workers=16) as pool:
                assert set(pool.map(log_in, range(USERS))) == {302}
            sink.wait_for(USERS, timeout=90)
            time.sleep(3)  # anything sent twice would arrive by now
            received = Counter(message["To"] for message in sink.messages)
    finally:
        sink.stop()

    assert len(sink.messages) == USERS
    assert received == Counter({f"u{number}@example.com": 1 for number in range(USERS)})
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
        assert len(rows) == USERS
        assert {row.status for row in rows} == {MailStatus.SENT.value}
        assert {row.attempts for row in rows} == {1}
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgresql
def test_two_workers_with_several_lanes_deliver_500_messages_once(new_postgres_schema: Any) -> None:
    schema = new_postgres_schema()
    url = f"{schema.url}?options={quote(f'-csearch_path={schema.schema}')}"
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url, MAIL_DELIVERY="worker"))
    recipients = [f"person{number}@example.com" for number in range(500)]
    with app.app_context():
        flask_migrate.upgrade()
        for number, recipient in enumerate(recipients):
            priority = MailPriority.WAITED_FOR if number % 5 == 0 else MailPriority.NOTICE
            outbox.queue("test", recipient, "Test", "test_mail", user_id=None, priority=priority, name=None)
        db.session.commit()

    sink = SmtpSink(free_port()).start()
    env = environment(
        SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_CONCURRENCY=8
    )
    try:
        with mail_workers(2, env):
            sink.wait_for(500, timeout=120)
            time.sleep(3)  # anything sent twice would arrive by now
        received = Counter(message["To"] for message in sink.messages)
    finally:
        sink.stop()

    assert received == Counter(recipients)
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
        assert {(row.status, row.attempts) for row in rows} == {(MailStatus.SENT.value, 1)}
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(
    not os.environ.get("TIMETRACKER_TEST_REDIS_URL"), reason="TIMETRACKER_TEST_REDIS_URL is not set"
)
def test_throttling_holds_across_processes_with_redis(tmp_path: Path) -> None:
    database = tmp_path / "shared.sqlite"
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}"))
    with app.app_context():
        flask_migrate.upgrade()
        membership.create_group(membership.NewGroup("Acme", "Top", "top", PASSWORD, None), via="test")
    with app.app_context():
        db.engine.dispose()
    prefix = f"tt-scale-{os.getpid()}-{time.monotonic_ns()}"
    env = environment(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        RATELIMIT_STORAGE_URI=os.environ["TIMETRACKER_TEST_REDIS_URL"],
        RATELIMIT_KEY_PREFIX=prefix,
    )
    with app_servers(2, env) as urls:
        statuses = [
            Browser(urls[attempt % 2]).post_form("/login", {"login": "top", "password": "guess"})[0]
            for attempt in range(10)
        ]
        assert statuses == [200] * 10  # five wrong passwords at each process
        for base in urls:
            assert Browser(base).post_form("/login", {"login": "top", "password": PASSWORD})[0] == 429
