#!/usr/bin/env python3
"""Time page benchmark: GET /time and GET /time/week for one user of a group with 200 000 entries.

Seeds U users (200) × D working days (250) × 4 entries with bulk inserts, then asks each page
R times (200) for one user through the app's test client, on days spread over the year, and
prints p50 and p99 in milliseconds (the target: p99 under 50 ms on SQLite).

    .venv/bin/python bench/time_pages_bench.py                  # SQLite
    .venv/bin/python bench/time_pages_bench.py --db postgresql  # see --database-url
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import databases  # noqa: E402

PASSWORD = "benchmark password"
FIRST_DAY = date(2025, 1, 6)  # a Monday
BATCH = 10_000


def working_days(count: int) -> list[date]:
    """Return ``count`` weekdays from ``FIRST_DAY`` on."""
    days, day = [], FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def seed(users: int, days: list[date]) -> None:
    """Create the group (its top manager is the measured user), its projects, and users × days × 4 entries."""
    from sqlalchemy import insert, text

    from timetracker import clock
    from timetracker.extensions import db
    from timetracker.models import Project, Task, TimeEntry, User
    from timetracker.services import membership

    top = membership.create_group(membership.NewGroup("Bench", "Top", "top", PASSWORD, None), via="bench")
    group, role_id = top.group, next(role.id for role in top.group.roles if role.name == "User")
    projects = [
        Project(
            group=group,
            name=f"Project {n}",
            name_key=f"project {n}",
            tasks=[Task(name="Work", name_key="work")],
        )
        for n in range(10)
    ]
    db.session.add_all(projects)
    db.session.commit()
    now = clock.now()
    user_rows = [
        {
            "role_id": role_id,
            "login": f"u{n}",
            "name": f"User {n}",
            "email": None,
            "password_hash": top.password_hash,
            "active": True,
            "created_at": now,
        }
        for n in range(users - 1)
    ]
    db.session.execute(insert(User), user_rows)
    db.session.commit()
    user_ids = [top.id, *db.session.scalars(db.select(User.id).where(User.id != top.id).order_by(User.id))]
    rows: list[dict[str, object]] = []
    for user_id in user_ids:
        for number, day in enumerate(days):
            for part in range(4):
                project = projects[(number + part) % len(projects)]
                start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8 + 2 * part)
                rows.append(
                    {
                        "user_id": user_id,
                        "group_id": group.id,
                        "project_id": project.id,
                        "task_id": project.tasks[0].id,
                        "day": day,
                        "minutes": 105,
                        "start_at": start,
                        "finish_at": start + timedelta(minutes=105),
                        "note": "",
                        "entered_by_id": user_id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                if len(rows) >= BATCH:
                    db.session.execute(insert(TimeEntry), rows)
                    rows.clear()
    if rows:
        db.session.execute(insert(TimeEntry), rows)
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # statistics, as a database that grew to this size has them
    db.session.commit()


def percentiles(spent: list[float]) -> tuple[float, float]:
    """Return the p50 and p99 of ``spent``."""
    ordered = sorted(spent)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(len(ordered) * 0.99) - 1)]


def make_app(url: str, secret_key: str) -> Any:
    from timetracker import create_app

    return create_app(
        {
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )


def child(url: str, secret_key: str, requests: int, days: list[date]) -> None:
    """Log in as the top manager (a "User" list of 199 people) and time both pages; print JSON."""
    client = make_app(url, secret_key).test_client()
    assert client.post("/login", data={"login": "top", "password": PASSWORD}).status_code == 302
    collections: list[float] = []  # milliseconds of each full garbage collection, to explain outliers
    started_at = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started_at[0] = time.perf_counter()
        elif info["generation"] == 2:
            collections.append((time.perf_counter() - started_at[0]) * 1000)

    gc.collect()  # as wsgi.py does after start-up
    gc.freeze()
    gc.callbacks.append(on_gc)
    figures: dict[str, object] = {}
    for page in ("/time", "/time/week"):
        for day in (days[0], days[len(days) // 2], days[-1]):  # warm up
            client.get(f"{page}?date={day.isoformat()}")
        spent = []
        for number in range(requests):
            day = days[number * len(days) // requests]
            started = time.perf_counter()
            response = client.get(f"{page}?date={day.isoformat()}")
            spent.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (page, day, response.status_code)
        figures[page] = percentiles(spent)
    figures["full garbage collections"] = [round(ms) for ms in collections]
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    databases.add_arguments(parser)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--child", nargs=2, metavar=("URL", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    days = working_days(args.days)
    if args.child:
        child(*args.child, args.requests, days)
        return

    import flask_migrate

    from timetracker.extensions import db

    secret_key = secrets.token_hex(32)
    entries = args.users * args.days * 4
    with databases.run_database(args.db, args.database_url) as url:
        app = make_app(url, secret_key)
        with app.app_context():
            flask_migrate.upgrade()
            started = time.perf_counter()
            seed(args.users, days)
            print(
                f"seeded {entries} entries ({args.db}) in {time.perf_counter() - started:.1f} s", flush=True
            )
            db.engine.dispose()
        # Measured in a process of its own, which holds no seeding leftovers (as a server would not).
        command = [
            sys.executable,
            __file__,
            "--child",
            url,
            secret_key,
            "--requests",
            str(args.requests),
            "--days",
            str(args.days),
        ]
        output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        figures = json.loads(re.findall(r"^\{.*\}$", output, re.MULTILINE)[-1])
    collections = figures.pop("full garbage collections")
    for page, (p50, p99) in figures.items():
        print(
            f"GET {page} ({args.db}, {entries} entries, {args.requests} requests): "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )
    print(f"full garbage collections while measuring (ms each): {collections}")


if __name__ == "__main__":
    main()
