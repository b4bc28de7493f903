#!/usr/bin/env python3
"""Members CSV export benchmark: seconds and peak memory to export a group of N users (100 000).

The export runs in a child process that only serves it (through the app's test client, the
CSV read chunk by chunk like a browser download), so its peak resident memory is the export's.

    .venv/bin/python bench/export_bench.py                  # SQLite
    .venv/bin/python bench/export_bench.py --db postgresql  # see --database-url
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import databases  # noqa: E402

PASSWORD = "benchmark password"
BATCH = 5000


def seed(url: str, users: int, secret_key: str) -> None:
    """Create a group of ``users`` users with bulk inserts (one shared password hash)."""
    import flask_migrate
    from sqlalchemy import insert

    from timetracker import clock, create_app
    from timetracker.extensions import db
    from timetracker.models import User
    from timetracker.services import membership

    app = create_app(
        {"SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
    )
    with app.app_context():
        flask_migrate.upgrade()
        top = membership.create_group(
            membership.NewGroup("Export", "Top", "top", PASSWORD, None), via="bench"
        )
        top.group.two_factor_required = True
        role_id = next(role.id for role in top.group.roles if role.name == "User")
        password_hash, now = top.password_hash, clock.now()
        for start in range(0, users, BATCH):
            rows = [
                {
                    "role_id": role_id,
                    "login": f"u{number}",
                    "name": f"=User {number}",
                    "email": f"u{number}@example.com" if number % 10 else None,
                    "password_hash": password_hash,
                    "active": True,
                    "created_at": now,
                }
                for number in range(start, min(start + BATCH, users))
            ]
            db.session.execute(insert(User), rows)
            db.session.commit()
    with app.app_context():
        db.engine.dispose()


def child(url: str, secret_key: str) -> None:
    """Export the CSV once and print what it cost, as JSON."""
    from timetracker import create_app

    app = create_app(
        {
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    assert client.post("/login", data={"login": "top", "password": PASSWORD}).status_code == 302
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get("/group/members.csv", buffered=False)
    size = rows = 0
    for chunk in response.response:
        size += len(chunk)
        rows += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    seconds = time.perf_counter() - started
    response.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"seconds": seconds, "rows": rows, "bytes": size, "peak_kb": peak, "baseline_kb": baseline}
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    databases.add_arguments(parser)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("URL", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    secret_key = secrets.token_hex(32)
    with databases.run_database(args.db, args.database_url) as url:
        print(f"Seeding {args.users} users ({args.db}) …", flush=True)
        started = time.perf_counter()
        seed(url, args.users, secret_key)
        print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
        output = subprocess.run(
            [sys.executable, __file__, "--child", url, secret_key],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(re.findall(r"^\{.*\}$", output, re.MULTILINE)[-1])
    print(
        f"members CSV export of {args.users} users ({args.db}): {figures['rows'] - 1} rows, "
        f"{figures['bytes'] / 1e6:.1f} MB in {figures['seconds']:.2f} s; "
        f"peak memory of the exporting process {figures['peak_kb'] / 1024:.0f} MB "
        f"({figures['baseline_kb'] / 1024:.0f} MB before the export)"
    )


if __name__ == "__main__":
    main()
