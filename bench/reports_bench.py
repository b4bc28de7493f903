#!/usr/bin/env python3
"""Reports benchmark: the report page and its CSV export at 1 000 000 entries, against gunicorn.

Seeds one group of 500 users × 500 working days (Monday to Friday, ending 2026-12-02) × 4
entries = 1 000 000 time entries, in 10 projects of 4 tasks, with bulk inserts (sqlite3
``executemany`` in one transaction, PostgreSQL ``COPY``) into a schema made by the app's
migrations. The database is kept and reused by the next run (``--reseed`` makes it again):
a SQLite file under /tmp and a PostgreSQL database of its own, ``tt_reports_bench``.

Then it starts gunicorn (``wsgi:app``, 2 workers × 4 threads, login throttling off), logs in as
the top manager with a real POST /login, and measures:

1. a month for the whole group by user then project, totals only (target < 1 s);
2. a year by project, totals only and with its first 2 000 entries (target < 2 s each);
3. the CSV export of every entry (target < 20 s, and the serving worker's resident memory
   growing by less than 100 MB: every worker's VmRSS is sampled every 50 ms);
4. the reports of 1 and 2 asked by 8 clients at once, each with its own session (target: p50
   within 2 × the single client's p50).

It checks the month's grand total and its subtotals against a direct SQL ``SUM`` and prints
the plan of the month report's ``GROUP BY``: ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL,
``EXPLAIN QUERY PLAN`` on SQLite. ``--try-index`` measures again with a covering index made
by hand in the benchmark database (dropped afterwards); ``--all-plans`` also prints the plans
of the year report's queries; ``--wsgi module:app`` serves another entry point, to try a change
without editing the app (a module on PYTHONPATH that patches it). With 10 requests, p99 is
the slowest one. Machine load skews every figure: the table shows the load average.

    .venv/bin/python bench/reports_bench.py                      # SQLite, then PostgreSQL
    .venv/bin/python bench/reports_bench.py --db sqlite --reseed
    .venv/bin/python bench/reports_bench.py --db postgresql --try-index --all-plans
    .venv/bin/python bench/reports_bench.py --drop               # remove both benchmark databases
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import server  # noqa: E402

PASSWORD = "benchmark password"
USERS, DAYS, ENTRIES_PER_DAY = 500, 500, 4
LAST_DAY = date(2026, 12, 2)  # the working day before "today" (2026-12-03)
PROJECTS, TASKS_PER_PROJECT = 10, 4
NOTES = ("Standup", "Code review", "Customer call, follow-up", "Planning", "Bug 4711")
SQLITE_URL = "sqlite:////tmp/tt_reports_bench.sqlite"
POSTGRESQL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/tt_reports_bench"
UNLIMITED = "1000000 per minute"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
GRAND_TOTAL = re.compile(r'class="totals grand-total">\s*<div><dt>Total</dt><dd class="total">(\d+):(\d\d)<')

MONTH = {"period": "custom", "from": "2026-11-01", "to": "2026-11-30"}
YEAR = {"period": "custom", "from": "2025-12-01", "to": "2026-11-30"}


@dataclass(frozen=True)
class Page:
    """One report URL that is measured, with its target in seconds."""

    name: str
    query: dict[str, str]
    target: float

    @property
    def path(self) -> str:
        return "/reports?" + urllib.parse.urlencode(self.query)


PAGES = (
    Page(
        "month by user, project (totals)",
        {**MONTH, "group_by": "user", "then_by": "project", "totals_only": "y"},
        1.0,
    ),
    Page("year by project (totals)", {**YEAR, "group_by": "project", "totals_only": "y"}, 2.0),
    Page("year by project (2000 entries)", {**YEAR, "group_by": "project"}, 2.0),
)
EXPORT_TARGET_SECONDS, EXPORT_TARGET_MB = 20.0, 100.0
COVERING_INDEX = (
    "ix_bench_time_entries_covering",
    "CREATE INDEX ix_bench_time_entries_covering "
    "ON time_entries (group_id, day, user_id, project_id, task_id, minutes)",
)


# --- the seeded database ----------------------------------------------------------------------------


def working_days(count: int, last: date) -> list[date]:
    """Return the ``count`` weekdays up to ``last``, oldest first."""
    days, day = [], last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def make_app(url: str, secret_key: str = "bench") -> Any:
    from timetracker import create_app

    return create_app(
        {"SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
    )


def postgresql_admin(url: str) -> tuple[Any, str]:
    """Return an autocommit engine on the server's ``postgres`` database, and the name of ``url``'s."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT"), parsed.database


def drop_database(url: str) -> None:
    """Remove the benchmark database: the SQLite file (with its WAL) or the PostgreSQL database."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    from sqlalchemy import text

    engine, name = postgresql_admin(url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def create_database(url: str) -> None:
    """Make the empty PostgreSQL database (a SQLite file makes itself)."""
    if url.startswith("sqlite"):
        return
    from sqlalchemy import text

    engine, name = postgresql_admin(url)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def seeded_entries(url: str) -> int:
    """Return how many entries the benchmark database holds (0 when it or its tables are missing)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    if url.startswith("sqlite") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            top = connection.execute(text("SELECT count(*) FROM users WHERE login = 'top'")).scalar()
            return connection.execute(text("SELECT count(*) FROM time_entries")).scalar() if top else 0
    except DBAPIError:
        return 0
    finally:
        engine.dispose()


def prepare(url: str, reseed: bool) -> None:
    """Make sure ``url`` holds the seeded group: reuse it when it has every entry, else seed anew."""
    wanted = USERS * DAYS * ENTRIES_PER_DAY
    if not reseed and seeded_entries(url) == wanted:
        print(f"reusing {url}: {wanted:,} entries", flush=True)
        return
    drop_database(url)
    create_database(url)
    started = time.perf_counter()
    seed(url)
    print(f"seeded {wanted:,} entries into {url} in {time.perf_counter() - started:.0f} s", flush=True)


def seed(url: str) -> None:
    """Migrate, then create the group, its projects and users, and the entries; gather statistics."""
    import flask_migrate
    from sqlalchemy import insert, select

    from timetracker import clock
    from timetracker.extensions import db
    from timetracker.models import Project, Task, User
    from timetracker.services import membership

    app = make_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        top = membership.create_group(membership.NewGroup("Bench", "Top", "top", PASSWORD, None), via="bench")
        group = top.group
        role_id = next(role.id for role in group.roles if role.name == "User")
        projects = [
            Project(
                group=group,
                name=f"Project {number:02d}",
                name_key=f"project {number:02d}",
                tasks=[
                    Task(name=f"Task {task}", name_key=f"task {task}") for task in range(TASKS_PER_PROJECT)
                ],
            )
            for number in range(PROJECTS)
        ]
        db.session.add_all(projects)
        db.session.commit()
        users = [
            {
                "role_id": role_id,
                "login": f"u{number}",
                "name": f"User {number:03d}",
                "email": None,
                "password_hash": top.password_hash,
                "active": True,
                "created_at": clock.now(),
            }
            for number in range(1, USERS)
        ]
        db.session.execute(insert(User), users)
        db.session.commit()
        user_ids = [top.id, *db.session.scalars(select(User.id).where(User.id != top.id).order_by(User.id))]
        tasks = [(project.id, [task.id for task in project.tasks]) for project in projects]
        rows = entry_rows(user_ids, group.id, tasks, working_days(DAYS, LAST_DAY))
        raw = db.engine.raw_connection()
        try:
            if db.engine.dialect.name == "sqlite":
                insert_sqlite(raw.driver_connection, rows)
            else:
                insert_postgresql(raw.driver_connection, rows)
        finally:
            raw.close()
        gather_statistics(db.engine)
    with app.app_context():
        db.engine.dispose()


ENTRY_COLUMNS = (
    "user_id",
    "group_id",
    "project_id",
    "task_id",
    "day",
    "minutes",
    "start_at",
    "finish_at",
    "note",
    "entered_by_id",
    "created_at",
    "updated_at",
)


def entry_rows(
    user_ids: list[int], group_id: int, tasks: list[tuple[int, list[int]]], days: list[date]
) -> Iterator[tuple[Any, ...]]:
    """Yield ENTRY_COLUMNS of every entry: 4 a day for each user, varied but deterministic.

    One in 8 has no task, half have a start and finish (back to back from 08:00 UTC), a third a
    short note; one in 20 was entered by the top manager (``user_ids[0]``).
    """
    for user_number, user_id in enumerate(user_ids):
        for day_number, day in enumerate(days):
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            written = midnight + timedelta(hours=18)
            clock_minutes = 8 * 60
            for part in range(ENTRIES_PER_DAY):
                n = user_number * 7 + day_number * 3 + part
                project_id, task_ids = tasks[(user_number + day_number + part) % len(tasks)]
                minutes = 30 + (n * 37) % 150
                start = midnight + timedelta(minutes=clock_minutes) if part % 2 == 0 else None
                clock_minutes += minutes + 15
                yield (
                    user_id,
                    group_id,
                    project_id,
                    None if n % 8 == 0 else task_ids[n % len(task_ids)],
                    day,
                    minutes,
                    start,
                    start + timedelta(minutes=minutes) if start else None,
                    NOTES[n % len(NOTES)] if n % 3 == 0 else "",
                    user_ids[0] if n % 20 == 0 else user_id,
                    written,
                    written,
                )


def insert_sqlite(connection: Any, rows: Iterator[tuple[Any, ...]]) -> None:
    """Insert ``rows`` with one ``executemany`` in one transaction, written as SQLAlchemy writes them."""

    def stored(value: Any) -> Any:
        if isinstance(value, datetime):  # SQLAlchemy's SQLite DATETIME: UTC wall time, microseconds
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value.isoformat() if isinstance(value, date) else value

    marks = ", ".join("?" for _ in ENTRY_COLUMNS)
    with connection:  # commits at the end
        connection.executemany(
            f"INSERT INTO time_entries ({', '.join(ENTRY_COLUMNS)}) VALUES ({marks})",
            (tuple(stored(value) for value in row) for row in rows),
        )


def insert_postgresql(connection: Any, rows: Iterator[tuple[Any, ...]]) -> None:
    """Insert ``rows`` with one ``COPY … FROM STDIN``."""
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY time_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    connection.commit()


def gather_statistics(engine: Any) -> None:
    """ANALYZE (and on PostgreSQL VACUUM, as autovacuum would have by now) after the bulk insert."""
    from sqlalchemy import text

    statement = "ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))


@contextmanager
def extra_index(url: str, ddl: tuple[str, str] | None) -> Iterator[None]:
    """Create the index ``ddl`` (name, statement) by hand for a block, then drop it again."""
    if ddl is None:
        yield
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    name, statement = ddl
    with engine.begin() as connection:
        connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
        started = time.perf_counter()
        connection.execute(text(statement))
    print(f"created in {time.perf_counter() - started:.1f} s: {statement}", flush=True)
    gather_statistics(engine)
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
        engine.dispose()


# --- the server and its clients ----------------------------------------------------------------------


@contextmanager
def gunicorn(url: str, workers: int, threads: int, log: Path, app: str) -> Iterator[tuple[int, int]]:
    """Serve ``app`` with gunicorn on a free port; yield (port, master pid). Its stderr goes to ``log``."""
    port = server.free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIMETRACKER_")}
    env.update(
        {
            "TIMETRACKER_SECRET_KEY": secrets.token_hex(32),
            "TIMETRACKER_SQLALCHEMY_DATABASE_URI": url,
            # Every client logs in from 127.0.0.1 as the same account: login throttling off.
            **{
                f"TIMETRACKER_{name}": UNLIMITED
                for name in (
                    "LOGIN_LIMIT_PER_ADDRESS",
                    "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
                    "LOGIN_LIMIT_PER_ACCOUNT",
                )
            },
        }
    )
    with server.gunicorn(env, workers, threads, port, log, app) as master:
        yield port, master


def rss_kb(pid: int) -> int:
    """Return a process's resident memory in kB (VmRSS), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid: int) -> int:
    """Return a process's user + system CPU time in clock ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # after the command name
    return int(stat[11]) + int(stat[12])


class Browser(server.Browser):
    """One browser of the top manager."""

    def page(self, path: str) -> tuple[int, str]:
        response = self.send("GET", path)
        return response.status, response.read().decode()

    def log_in(self) -> None:
        """Log in as the top manager as a browser does: GET /login for the CSRF token, then POST."""
        status, page = self.page("/login")
        token = CSRF.search(page)
        assert status == 200 and token, f"GET /login answered {status}"
        response = self.send(
            "POST", "/login", {"csrf_token": token.group(1), "login": "top", "password": PASSWORD}
        )
        response.read()
        assert response.status == 302 and response.getheader("Location") == "/", (
            f"POST /login answered {response.status} {response.getheader('Location')}"
        )


def timed_get(browser: Browser, path: str) -> tuple[float, int, str]:
    """GET ``path`` and read the whole page; return (seconds, status, page)."""
    started = time.perf_counter()
    status, page = browser.page(path)
    return time.perf_counter() - started, status, page


# --- measurements ---------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds of each request of one run, and the statuses that were not 200."""

    seconds: list[float] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses other than 200

    def add(self, seconds: float, status: int) -> None:
        self.seconds.append(seconds)
        if status != 200:
            self.failures.append(status)

    def p(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def single_client(browser: Browser, page: Page, repeat: int) -> Timings:
    """Ask ``page`` once to warm up, then ``repeat`` times, one after the other."""
    timed_get(browser, page.path)
    timings = Timings()
    for _ in range(repeat):
        seconds, status, _ = timed_get(browser, page.path)
        timings.add(seconds, status)
    return timings


def concurrent_clients(port: int, page: Page, clients: int, each: int) -> Timings:
    """Let ``clients`` browsers, each logged in with its own session, ask ``page`` ``each`` times at once."""
    timings, lock = Timings(), threading.Lock()
    browsers = [Browser(port) for _ in range(clients)]
    for browser in browsers:
        browser.log_in()
    start = threading.Barrier(clients)

    def run(browser: Browser) -> None:
        start.wait()
        for _ in range(each):
            seconds, status, _ = timed_get(browser, page.path)
            with lock:
                timings.add(seconds, status)

    threads = [threading.Thread(target=run, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


class RssSampler(threading.Thread):
    """Sample every worker's VmRSS every ``interval`` seconds until stopped; keep each one's peak."""

    def __init__(self, pids: list[int], interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.before = {pid: rss_kb(pid) for pid in pids}
        self.peak = dict(self.before)
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_kb(pid))
            self.samples += 1


@dataclass
class Export:
    """What the CSV export of every entry cost, and what it delivered."""

    seconds: float
    status: int
    bytes: int
    lines: int
    worker: int  # the worker that served it: the one that spent the most CPU meanwhile
    before_kb: int
    peak_kb: int
    samples: int
    fresh_kb: int = 0  # the same worker right after gunicorn started, before any report

    @property
    def growth_mb(self) -> float:
        return (self.peak_kb - self.before_kb) / 1024


def export_csv(browser: Browser, master: int, first: date, last: date) -> Export:
    """Download the CSV of every entry from ``first`` to ``last``, read in 64 kB pieces like a browser."""
    path = "/reports/export.csv?" + urllib.parse.urlencode(
        {"period": "custom", "from": first.isoformat(), "to": last.isoformat()}
    )
    pids = server.worker_pids(master)
    ticks = {pid: cpu_ticks(pid) for pid in pids}
    sampler = RssSampler(pids)
    sampler.start()
    started = time.perf_counter()
    response = browser.send("GET", path)
    size = lines = 0
    while piece := response.read(65536):
        size += len(piece)
        lines += piece.count(b"\n")
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    worker = max(pids, key=lambda pid: cpu_ticks(pid) - ticks[pid])
    before, peak = sampler.before[worker], sampler.peak[worker]
    return Export(seconds, response.status, size, lines, worker, before, peak, sampler.samples)


# --- correctness: the month's totals against SQL --------------------------------------------------------


def month_totals_sql(url: str) -> tuple[int, dict[tuple[str, str], int]]:
    """Return the month's SUM(minutes) and the sums per (user label, project name), straight from SQL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    query = text(
        "SELECT u.name || ' (' || u.login || ')', p.name, SUM(e.minutes) FROM time_entries e "
        "JOIN users u ON u.id = e.user_id JOIN projects p ON p.id = e.project_id "
        "WHERE e.day BETWEEN :first AND :last AND e.minutes IS NOT NULL GROUP BY u.name, u.login, p.name"
    )
    first, last = (date.fromisoformat(MONTH[key]) for key in ("from", "to"))
    if url.startswith("sqlite"):
        first, last = first.isoformat(), last.isoformat()  # SQLite stores dates as ISO text
    with engine.connect() as connection:
        found = connection.execute(query, {"first": first, "last": last})
        sums = {(user, project): int(minutes) for user, project, minutes in found}
    engine.dispose()
    return sum(sums.values()), sums


def check_month(browser: Browser, url: str) -> list[str]:
    """Compare the month report's page total and its totals CSV with SQL; return what disagrees."""
    expected_total, expected = month_totals_sql(url)
    problems = []
    _, status, page = timed_get(browser, PAGES[0].path)
    shown = GRAND_TOTAL.search(page)
    shown_minutes = int(shown.group(1)) * 60 + int(shown.group(2)) if shown else None
    if status != 200 or shown_minutes != expected_total:
        problems.append(f"page: status {status}, total {shown_minutes} min, SQL SUM {expected_total} min")
    status, csv_text = browser.page("/reports/export.csv?" + urllib.parse.urlencode(PAGES[0].query))
    rows = list(csv.reader(csv_text.splitlines()))
    got = {(user, project): int(minutes) for user, project, minutes, _ in rows[1:-1]}
    if status != 200 or got != expected or int(rows[-1][2]) != expected_total:
        wrong = sum(1 for key in expected.keys() | got.keys() if got.get(key) != expected.get(key))
        problems.append(
            f"totals CSV: status {status}, {wrong} of {len(expected)} subtotals differ, total {rows[-1][2]}"
        )
    print(
        f"month check: SQL SUM {expected_total} min in {len(expected)} (user, project) pairs; "
        f"page and totals CSV {'agree' if not problems else 'DISAGREE: ' + '; '.join(problems)}",
        flush=True,
    )
    return problems


# --- query plans ------------------------------------------------------------------------------------------


def report_statements(url: str, query: dict[str, str]) -> list[tuple[str, Any]]:
    """Run ``reports.build`` in-process as the top manager; return the SQL it sent, with parameters."""
    from sqlalchemy import event, select

    from timetracker.extensions import db
    from timetracker.models import User
    from timetracker.services import reports

    filters = reports.Filters(
        first=date.fromisoformat(query["from"]),
        last=date.fromisoformat(query["to"]),
        group_by=reports.Grouping(query.get("group_by", "none")),
        then_by=reports.Grouping(query.get("then_by", "none")),
        totals_only="totals_only" in query,
    )
    sent: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append((statement, parameters))

    app = make_app(url)
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.login == "top"))
        actor.group  # noqa: B018  (loaded before listening)
        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            reports.build(actor, filters)
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        db.engine.dispose()
    return [(statement, parameters) for statement, parameters in sent if "time_entries" in statement]


def explain(url: str, statement: str, parameters: Any) -> str:
    """Return the plan of ``statement``: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, QUERY PLAN on SQLite."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    sqlite = url.startswith("sqlite")
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    engine.dispose()
    if sqlite:  # (id, parent, notused, detail): indent by depth
        depth: dict[int, int] = {0: -1}
        lines = []
        for node, parent, _, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return "\n".join(lines)
    return "\n".join(row[0] for row in rows)


def print_plans(url: str, all_plans: bool) -> None:
    """Print the SQL and plan of the month report's GROUP BY (and with ``all_plans`` the year's queries)."""
    wanted = [("month report, GROUP BY", PAGES[0].query, True)]
    if all_plans:
        wanted += [
            ("year report, GROUP BY", PAGES[2].query, True),
            ("year report, entries", PAGES[2].query, False),
        ]
    for title, query, totals in wanted:
        statement, parameters = next(
            (sql, params) for sql, params in report_statements(url, query) if ("GROUP BY" in sql) == totals
        )
        print(f"\n--- {title}: SQL (parameters {parameters})\n{statement}\n--- plan")
        print(explain(url, statement, parameters), flush=True)


# --- one run, and its table -------------------------------------------------------------------------------


@dataclass
class Figures:
    """Every figure of one run against one database (and index)."""

    label: str
    single: dict[str, Timings] = field(default_factory=dict)
    concurrent: dict[str, Timings] = field(default_factory=dict)
    export: Export | None = None
    problems: list[str] = field(default_factory=list)
    load: list[float] = field(default_factory=list)  # 1-minute load average before and after


def measure(url: str, label: str, args: argparse.Namespace) -> Figures:
    """Start gunicorn on ``url`` and take every figure."""
    figures = Figures(label, load=[os.getloadavg()[0]])
    log = Path(f"/tmp/tt_reports_bench_gunicorn_{label.replace(' ', '_')}.log")
    with gunicorn(url, args.workers, args.threads, log, args.wsgi) as (port, master):
        browser = Browser(port)
        browser.log_in()
        fresh = {pid: rss_kb(pid) for pid in server.worker_pids(master)}
        figures.problems += check_month(browser, url)
        for page in PAGES:
            figures.single[page.name] = single_client(browser, page, args.repeat)
            print(f"{label}: {page.name}: p50 {figures.single[page.name].p(0.5):.3f} s", flush=True)
        days = working_days(DAYS, LAST_DAY)
        figures.export = export_csv(browser, master, days[0], days[-1])
        figures.export.fresh_kb = fresh.get(figures.export.worker, 0)
        print(f"{label}: export {figures.export.seconds:.1f} s, {figures.export.lines:,} lines", flush=True)
        for page in PAGES:
            figures.concurrent[page.name] = concurrent_clients(port, page, args.clients, args.each)
            print(
                f"{label}: {page.name} × {args.clients}: p50 {figures.concurrent[page.name].p(0.5):.3f} s",
                flush=True,
            )
    figures.load.append(os.getloadavg()[0])
    errors = log.read_text().count("Traceback")
    if errors:
        figures.problems.append(f"{errors} tracebacks in {log}")
    return figures


def code_version() -> str:
    """Return the commit measured, and whether the app's code differs from it."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--", "timetracker", "templates", "migrations", "wsgi.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    changed = [line[3:] for line in changed if line]
    return f"commit {commit.stdout.strip() or '?'}" + (
        f", changed since: {', '.join(changed)}" if changed else ""
    )


def yes(met: bool) -> str:
    return "yes" if met else "NO"


def table_row(run: str, timings: Timings, target: str, met: bool) -> str:
    """One line of the table: a run's count, p50, p99 and max in milliseconds, its target, errors."""
    times = [timings.p(0.5), timings.p(0.99), max(timings.seconds)]
    shown = "".join(f"{seconds * 1000:>9,.0f}" for seconds in times)
    return f"{run:<44}{len(timings.seconds):>4}{shown}  {target:<24}{yes(met):>4}  {len(timings.failures)}"


def print_table(figures: Figures, args: argparse.Namespace) -> None:
    """Print one table of a run's figures, with the targets and whether each was met."""
    entries = USERS * DAYS * ENTRIES_PER_DAY
    print(f"\n=== {figures.label}: {entries:,} entries, gunicorn {args.workers} × {args.threads} threads")
    before, after = figures.load
    print(f"code: {code_version()}; served: {args.wsgi}")
    print(f"load average (1 min): {before:.1f} before, {after:.1f} after, on {os.cpu_count()} cores")
    print(f"{'run':<44}{'n':>4}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}  {'target':<24}{'met':>4}  errors")
    for page in PAGES:
        single = figures.single[page.name]
        print(table_row(page.name, single, f"p99 < {page.target:g} s", single.p(0.99) < page.target))
    for page in PAGES:
        together = figures.concurrent[page.name]
        ratio = together.p(0.5) / figures.single[page.name].p(0.5)
        run = f"{page.name} × {args.clients}"
        print(table_row(run, together, f"p50 ≤ 2 × single: {ratio:.1f} ×", ratio <= 2))
    within = [f"{page.name} {yes(figures.concurrent[page.name].p(0.99) < page.target)}" for page in PAGES]
    print(f"with {args.clients} clients, p99 still under the single-client target: {', '.join(within)}")
    export = figures.export
    assert export is not None
    lines_wanted = entries + 1
    print(
        f"CSV export of every entry: {export.seconds:.1f} s "
        f"(target < {EXPORT_TARGET_SECONDS:g} s: {yes(export.seconds < EXPORT_TARGET_SECONDS)}), "
        f"{export.bytes / 1e6:.1f} MB, {export.lines:,} lines "
        f"({'as expected' if export.lines == lines_wanted else f'EXPECTED {lines_wanted:,}'}), "
        f"status {export.status}"
    )
    growth_met = yes(export.growth_mb < EXPORT_TARGET_MB)
    print(
        f"serving worker (pid {export.worker}) VmRSS: {export.fresh_kb / 1024:.0f} MB after start-up, "
        f"{export.before_kb / 1024:.0f} MB before the export, {export.peak_kb / 1024:.0f} MB peak "
        f"({export.samples} samples), growth {export.growth_mb:.0f} MB "
        f"(target < {EXPORT_TARGET_MB:g} MB: {growth_met})"
    )
    print(f"problems: {'; '.join(figures.problems) or 'none'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sqlite-url", default=SQLITE_URL)
    parser.add_argument(
        "--postgresql-url", default=os.environ.get("TIMETRACKER_BENCH_REPORTS_URL", POSTGRESQL_URL)
    )
    parser.add_argument(
        "--reseed", action="store_true", help="seed the database again even if it is complete"
    )
    parser.add_argument("--drop", action="store_true", help="only remove the benchmark databases")
    parser.add_argument(
        "--try-index", action="store_true", help="measure again with a covering index made by hand"
    )
    parser.add_argument(
        "--all-plans", action="store_true", help="also print the plans of the year report's queries"
    )
    parser.add_argument("--repeat", type=int, default=10, help="requests of each page for the single client")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--each", type=int, default=5, help="requests of each page per concurrent client")
    parser.add_argument(
        "--wsgi", default="wsgi:app", help="the app gunicorn serves (another one only for an experiment)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    urls = {"sqlite": args.sqlite_url, "postgresql": args.postgresql_url}
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        if args.drop:
            drop_database(urls[kind])
            print(f"dropped {urls[kind]}")
            continue
        prepare(urls[kind], args.reseed)
        runs = [(kind, None)] + ([(f"{kind} + covering index", COVERING_INDEX)] if args.try_index else [])
        for label, ddl in runs:
            with extra_index(urls[kind], ddl):
                figures = measure(urls[kind], label, args)
                print_table(figures, args)
                print_plans(urls[kind], args.all_plans)


if __name__ == "__main__":
    main()
