#!/usr/bin/env python3
"""Login profile: the CPU one emailed-code login costs the app, per step, and where it goes.

Builds an app in this process (a temporary SQLite file, or a PostgreSQL schema of its own),
seeds a group with two-factor on (``login_bench.seed``) and gives every user a one-iteration
PBKDF2 hash, with PASSWORD_HASH_METHOD the same, so the password hash costs next to nothing and
what is measured is everything else. Mail is left in the outbox (MAIL_DELIVERY "worker", no
sender thread here); each login reads its code from the newest "2fa code" row of its user.

Each login is a fresh test client that does GET /login, POST /login, GET /2fa, POST /2fa,
GET /. It prints the process CPU time of each step and of the whole login (reading the code
from the database is left out), the SQL statements and commits per step, then profiles as
many logins again under cProfile (``--profile-logins`` to change that) and prints the top
functions by own time and by cumulative time, in milliseconds per login. cProfile's clock is
the wall clock and it slows calls down by about 2.5 times, most so the many small ones: its
figures say where the time goes, the CPU table says how much there is. This machine's speed
drifts by a third over minutes, so compare two versions in runs at the same time.

    .venv/bin/python bench/login_profile.py                       # SQLite, memory:// limits
    .venv/bin/python bench/login_profile.py --db postgresql       # see --database-url
    .venv/bin/python bench/login_profile.py --ratelimit-storage redis://127.0.0.1:6379
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import re
import secrets
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import event, select, update  # noqa: E402

from bench import databases  # noqa: E402
from bench.login_bench import LIMITS, PASSWORD, UNLIMITED, seed  # noqa: E402

HASH_METHOD = "pbkdf2:sha256:1"
STEPS = ("GET /login", "POST /login", "GET /2fa", "POST /2fa", "GET /")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CODE = re.compile(r"^\s+(\d{6,10})\s*$", re.MULTILINE)
TOP = 25


def make_app(url: str, secret_key: str, ratelimit_storage: str | None) -> Flask:
    """Return the app as production runs it (no debug, no testing), with its limits out of reach.

    Every request comes from one address here, so the limits are raised like ``login_bench``
    does: they are still counted, in the configured storage, but never reached.
    """
    from timetracker import create_app

    config: dict[str, Any] = {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": HASH_METHOD,
        "MAIL_DELIVERY": "worker",
        **dict.fromkeys(LIMITS, UNLIMITED),
    }
    if ratelimit_storage:
        config["RATELIMIT_STORAGE_URI"] = ratelimit_storage
    return create_app(config)


def give_trivial_hashes(app: Flask) -> list[tuple[int, str]]:
    """Hash every user's password with ``HASH_METHOD``; return (id, login) of the users (not the top)."""
    from timetracker.extensions import db
    from timetracker.models import User
    from timetracker.security.passwords import hash_password

    with app.app_context():
        db.session.execute(update(User).values(password_hash=hash_password(PASSWORD)))
        db.session.commit()
        users = db.session.execute(select(User.id, User.login).where(User.login != "top").order_by(User.id))
        return [(user_id, login) for user_id, login in users]


def latest_code(app: Flask, user_id: int) -> str:
    """Return the code of the newest "2fa code" message queued for the user."""
    from timetracker.extensions import db
    from timetracker.models import OutboxMessage

    with app.app_context():
        body = db.session.scalar(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.purpose == "2fa code")
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    match = CODE.search(body or "")
    assert match, f"no code queued for user {user_id}"
    return match.group(1)


class Counts:
    """SQL statements and commits, counted by engine and session events."""

    def __init__(self, app: Flask) -> None:
        from sqlalchemy.orm import Session

        from timetracker.extensions import db

        self.statements = 0
        self.commits = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._statement)
        event.listen(Session, "after_commit", self._commit)

    def _statement(self, *args: Any) -> None:
        self.statements += 1

    def _commit(self, *args: Any) -> None:
        self.commits += 1

    def now(self) -> tuple[int, int]:
        """Return the statements and commits counted so far."""
        return self.statements, self.commits


class Measure:
    """CPU seconds, statements and commits of each step, over many logins."""

    def __init__(self, counts: Counts, profiler: cProfile.Profile | None = None) -> None:
        self.counts = counts
        self.profiler = profiler
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.sql: Counter[str] = Counter()
        self.commits: Counter[str] = Counter()
        self.logins = 0

    def step(self, name: str, call: Callable[[], Any]) -> Any:
        """Run one step of a login and note its CPU time, statements and commits."""
        statements, commits = self.counts.now()
        started = time.process_time()
        if self.profiler is None:
            result = call()
        else:
            self.profiler.enable()
            result = call()
            self.profiler.disable()
        self.cpu[name].append(time.process_time() - started)
        after_statements, after_commits = self.counts.now()
        self.sql[name] += after_statements - statements
        self.commits[name] += after_commits - commits
        return result


def one_login(app: Flask, user_id: int, login: str, measure: Measure) -> None:
    """Log in like a browser, through every step, on a fresh client; check each answer."""
    client: FlaskClient = app.test_client()
    page = measure.step("GET /login", lambda: client.get("/login"))
    assert page.status_code == 200, page.status_code
    form = {"csrf_token": _csrf(page.text), "login": login, "password": PASSWORD}
    answer = measure.step("POST /login", lambda: client.post("/login", data=form))
    assert answer.status_code == 302 and answer.location == "/2fa", (answer.status_code, answer.location)
    code = latest_code(app, user_id)
    page = measure.step("GET /2fa", lambda: client.get("/2fa"))
    assert page.status_code == 200, page.status_code
    form = {"csrf_token": _csrf(page.text), "password": PASSWORD, "code": code}
    answer = measure.step("POST /2fa", lambda: client.post("/2fa", data=form))
    assert answer.status_code == 302 and answer.location == "/", (answer.status_code, answer.location)
    page = measure.step("GET /", lambda: client.get("/"))
    assert page.status_code == 200 and "Hello," in page.text, page.status_code
    measure.logins += 1


def _csrf(page: str) -> str:
    """Return the CSRF token of the page's form."""
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def run_logins(app: Flask, users: list[tuple[int, str]], count: int, measure: Measure, start: int) -> None:
    """Run ``count`` logins, taking the users in turn from number ``start`` on."""
    for number in range(start, start + count):
        user_id, login = users[number % len(users)]
        one_login(app, user_id, login, measure)


def report_cpu(measure: Measure) -> None:
    """Print the CPU ms of each step and of the whole login, with SQL statements and commits."""
    logins = measure.logins
    totals = [sum(values) for values in zip(*(measure.cpu[step] for step in STEPS), strict=True)]
    print(f"\nCPU ms per login ({logins} logins; the code lookup between the steps is not counted)")
    print(f"{'step':<14}{'mean':>8}{'median':>8}{'p95':>8}{'SQL/login':>11}{'commits':>9}")
    for step in STEPS:
        values = measure.cpu[step]
        sql, commits = measure.sql[step] / logins, measure.commits[step] / logins
        print(
            f"{step:<14}{statistics.fmean(values) * 1000:>8.2f}{statistics.median(values) * 1000:>8.2f}"
            f"{_p95(values) * 1000:>8.2f}{sql:>11.1f}{commits:>9.1f}"
        )
    print(
        f"{'total':<14}{statistics.fmean(totals) * 1000:>8.2f}{statistics.median(totals) * 1000:>8.2f}"
        f"{_p95(totals) * 1000:>8.2f}{sum(measure.sql.values()) / logins:>11.1f}"
        f"{sum(measure.commits.values()) / logins:>9.1f}"
    )


def _p95(values: list[float]) -> float:
    """Return the 95th percentile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def report_profile(stats: pstats.Stats, logins: int) -> None:
    """Print where the profiled logins spent their time, in ms per login (profiling slows everything)."""
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(tottime for _, _, tottime, _, _ in entries.values())
    per_login = 1000 / logins
    print(f"\nUnder cProfile: {total * per_login:.1f} ms per login in all (profiling overhead included)")

    by_package: Counter[str] = Counter()
    for (path, _, _), (_, _, tottime, _, _) in entries.items():
        by_package[_package(path)] += tottime
    print("\nOwn time by package, ms per login")
    for package, tottime in by_package.most_common(15):
        print(f"  {tottime * per_login:7.2f}  {tottime / total:6.1%}  {package}")

    def table(title: str, rows: list[tuple[Any, Any]]) -> None:
        print(f"\n{title}")
        print(f"  {'calls':>7} {'own ms':>8} {'cum ms':>8}  function")
        for key, (_, calls, tottime, cumtime, _) in rows[:TOP]:
            print(
                f"  {calls / logins:7.1f} {tottime * per_login:8.3f} {cumtime * per_login:8.2f}  {_name(key)}"
            )

    ordered = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    table(f"Top {TOP} by own time (tottime), per login", ordered)
    # The request plumbing (test client, WSGI, Flask dispatch) holds nearly everything: leave it
    # out, so the list shows the parts that cost something of their own.
    cumulative = sorted(
        (item for item in entries.items() if item[1][3] < 0.6 * total and not _plumbing(item[0])),
        key=lambda item: item[1][3],
        reverse=True,
    )
    table(f"Top {TOP} by cumulative time (request plumbing above 60% left out), per login", cumulative)
    ours = [item for item in cumulative if _package(item[0][0]) in ("timetracker", "templates")]
    table(f"Top {TOP} of our own code and templates by cumulative time, per login", ours)


def _plumbing(key: Any) -> bool:
    """Tell whether a profile entry is this script's lambdas or a built-in, not the app's work."""
    return key[2] == "<lambda>" or key[0] == "~"


def _package(path: str) -> str:
    """Name what a profiled file belongs to: a package, our code, our templates, or the stdlib."""
    if path == "~":
        return "built-ins (C)"
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if path.startswith(str(ROOT / "timetracker")):
        return "timetracker"
    if path.startswith(str(ROOT / "templates")) or path.endswith(".html") or path.endswith(".txt"):
        return "templates"
    if path.startswith(str(ROOT)):
        return path.removeprefix(str(ROOT) + "/")
    return "python stdlib"


def _name(key: Any) -> str:
    """Return a profile entry as a short ``file:line(function)``."""
    path, line, function = key
    if path == "~":
        return function
    short = path.split("/site-packages/", 1)[-1].removeprefix(str(ROOT) + "/")
    if "/lib/python3" in short:
        short = short.split("/lib/python3", 1)[1].split("/", 1)[1]
    return f"{short}:{line}({function})"


def main() -> None:
    """Seed, warm up, measure the logins, then profile as many more."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    databases.add_arguments(parser)
    parser.add_argument("--logins", type=int, default=300, help="logins measured")
    parser.add_argument("--profile-logins", type=int, help="logins profiled (default: --logins; 0: none)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=30, help="logins run first and not counted")
    parser.add_argument("--ratelimit-storage", help="Flask-Limiter storage (default: the app's, memory://)")
    parser.add_argument("--profile-out", help="also write the cProfile data to this file (pstats)")
    args = parser.parse_args()

    secret_key = secrets.token_hex(32)
    with databases.run_database(args.db, args.database_url) as url:
        seed(url, args.users, secret_key)
        app = make_app(url, secret_key, args.ratelimit_storage)
        users = give_trivial_hashes(app)
        counts = Counts(app)
        storage = args.ratelimit_storage or app.config["RATELIMIT_STORAGE_URI"]
        print(f"{args.db}; rate limit storage {storage}; password hash {HASH_METHOD}; {len(users)} users")
        run_logins(app, users, args.warmup, Measure(counts), 0)
        gc.collect()
        gc.freeze()  # as wsgi.py does after start-up
        measure = Measure(counts)
        run_logins(app, users, args.logins, measure, args.warmup)
        report_cpu(measure)
        profile_logins = args.logins if args.profile_logins is None else args.profile_logins
        if profile_logins:
            profile(app, users, profile_logins, counts, args.warmup + args.logins, args.profile_out)
        with app.app_context():
            from timetracker.extensions import db

            db.engine.dispose()


def profile(
    app: Flask, users: list[tuple[int, str]], logins: int, counts: Counts, start: int, out: str | None
) -> None:
    """Run ``logins`` more logins under cProfile and print where the time went."""
    profiler = cProfile.Profile()
    profiled = Measure(counts, profiler)  # on during the steps only
    run_logins(app, users, logins, profiled, start)
    if out:
        profiler.dump_stats(out)
    report_profile(pstats.Stats(profiler), profiled.logins)


if __name__ == "__main__":
    main()
