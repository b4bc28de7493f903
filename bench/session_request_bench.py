"""The cost of finding the logged-in user on one request, in process: SQL statements and milliseconds.

A tiny page behind the login (the user's login and the second factor the rule asks of them)
is requested ``--requests`` times by a logged-in test client, on SQLite; the script prints the
SQL statements of one such request and the median and p90 time. It runs on any commit (it
only uses the login form): copied into another tree's bench/, it measures that tree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from flask_login import current_user, login_required  # noqa: E402
from sqlalchemy import event  # noqa: E402

from timetracker import create_app  # noqa: E402
from timetracker.extensions import db  # noqa: E402
from timetracker.security.second_factor import second_factor_for  # noqa: E402
from timetracker.services import membership  # noqa: E402

PASSWORD = "correct horse"


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
            "WTF_CSRF_ENABLED": False,
            "MAIL_SUPPRESS_SEND": True,
        }
        app = create_app(config)

        @app.route("/bench-whoami")
        @login_required
        def whoami() -> str:
            return f"{current_user.login} {second_factor_for(current_user).value}"

        with app.app_context():
            flask_migrate.upgrade()
            membership.create_group(membership.NewGroup("Bench", "Top", "top", PASSWORD, None), via="bench")
        client = app.test_client()
        assert client.post("/login", data={"login": "top", "password": PASSWORD}).status_code == 302
        assert client.get("/bench-whoami").status_code == 200
        statements: list[str] = []
        me = threading.get_ident()
        with app.app_context():
            event.listen(
                db.engine,
                "before_cursor_execute",
                lambda *a: statements.append(a[2]) if threading.get_ident() == me else None,
            )
        client.get("/bench-whoami")
        shown = list(statements)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get("/bench-whoami")
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"SQL statements per request: {len(shown)}")
        for statement in shown:
            print("  " + " ".join(statement.split())[:160])
        p90 = times[int(len(times) * 0.9)]
        median = statistics.median(times)
        print(f"ms per request: median {median:.3f}, p90 {p90:.3f} ({args.requests} requests)")


if __name__ == "__main__":
    main()
