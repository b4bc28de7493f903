#!/usr/bin/env python3
"""Login benchmark: complete emailed-code logins against gunicorn, with an SMTP sink on loopback.

Each client repeats a browser's full login: GET /login, POST /login, wait for the code at the
SMTP sink, GET /2fa (the redirect, which also carries the new CSRF token), POST /2fa, GET /.
With ``--flow password`` a client stops after POST /login (for comparing POST /login alone).

It prints full logins per second, p50/p95/p99 of every step, the time of one password hash
here and the logins per second that hash alone allows on the cores used (the limit), the ratio
to that limit, and mails delivered against codes issued.

    .venv/bin/python bench/login_bench.py                       # SQLite, normal SMTP
    .venv/bin/python bench/login_bench.py --db postgresql       # PostgreSQL (see --database-url)
    .venv/bin/python bench/login_bench.py --flow password --smtp-delay 5
    .venv/bin/python bench/login_bench.py --outage 60 --duration 150
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import resource
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402
from werkzeug.security import check_password_hash, generate_password_hash  # noqa: E402

from bench import databases, server  # noqa: E402

PASSWORD = "benchmark password"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CODE = re.compile(rb"^\s+(\d{6})\s*$", re.MULTILINE)
TO = re.compile(rb"^To: (\S+)", re.MULTILINE)
UNLIMITED = "1000000 per minute"


# --- the SMTP sink ---------------------------------------------------------------------------------


class Sink:
    """An SMTP server on loopback that remembers codes per recipient; it can be slow or down."""

    def __init__(self, port: int, delay: float) -> None:
        self.port, self.delay = port, delay
        self.codes: dict[str, list[str]] = defaultdict(list)
        self.received: Counter[tuple[str, str]] = Counter()  # (recipient, code) -> times delivered
        self.arrived = threading.Condition()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        content: bytes = envelope.content
        recipient = TO.search(content).group(1).decode()  # type: ignore[union-attr]
        code = CODE.search(content)
        text = code.group(1).decode() if code else ""
        with self.arrived:
            self.received[(recipient, text)] += 1
            if code:
                self.codes[recipient].append(text)
            self.arrived.notify_all()
        return "250 OK"

    def next_code(self, recipient: str, seen: int, timeout: float) -> str | None:
        """Wait for the code number ``seen + 1`` sent to ``recipient``."""
        with self.arrived:
            if self.arrived.wait_for(lambda: len(self.codes[recipient]) > seen, timeout):
                return self.codes[recipient][seen]
        return None


# --- set-up ------------------------------------------------------------------------------------------


def seed(url: str, users: int, secret_key: str) -> None:
    """Migrate and create a group with 2FA on and ``users`` users sharing one real password hash."""
    import flask_migrate

    from timetracker import create_app
    from timetracker.extensions import db
    from timetracker.models import User
    from timetracker.services import membership

    app = create_app(
        {"SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}
    )
    with app.app_context():
        flask_migrate.upgrade()
        top = membership.create_group(membership.NewGroup("Bench", "Top", "top", PASSWORD, None), via="bench")
        top.group.two_factor_required = True
        role_id = next(role.id for role in top.group.roles if role.name == "User")
        for number in range(users):
            details = membership.UserDetails(
                f"User {number}", f"u{number}", f"u{number}@example.com", role_id, True, PASSWORD
            )
            membership.add_user(None, top.group, details)
        db.session.execute(
            update(User).values(password_hash=generate_password_hash(PASSWORD))
        )  # werkzeug default
        db.session.commit()
    with app.app_context():
        db.engine.dispose()


# --- the clients -------------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.steps: dict[str, list[float]] = defaultdict(list)
        self.logins = 0
        self.errors: Counter[str] = Counter()

    def add(self, step: str, seconds: float) -> None:
        with self.lock:
            self.steps[step].append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1


class Session(server.Browser):
    """One browser, whose answers are read whole."""

    def __init__(self, port: int) -> None:
        super().__init__(port, timeout=300)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Send a request; return its status, Location and page."""
        response = self.send(method, path, form)
        return response.status, response.getheader("Location") or "", response.read().decode()


def client(
    port: int,
    sink: Sink,
    users: list[int],
    flow: str,
    stop: threading.Event,
    stats: Stats,
    code_timeout: float,
) -> None:
    seen: Counter[str] = Counter()
    for number in users:
        if stop.is_set():
            return
        login, address = f"u{number}", f"u{number}@example.com"
        browser = Session(port)
        try:
            started = time.perf_counter()
            status, _, page = timed(stats, "GET /login", browser.request, "GET", "/login")
            token = CSRF.search(page).group(1)  # type: ignore[union-attr]
            status, location, _ = timed(
                stats,
                "POST /login",
                browser.request,
                "POST",
                "/login",
                {"csrf_token": token, "login": login, "password": PASSWORD},
            )
            if status != 302 or location != "/2fa":
                stats.error(f"POST /login answered {status} {location}")
                continue
            if flow == "password":
                continue
            waited = time.perf_counter()
            code = sink.next_code(address, seen[address], code_timeout)
            stats.add("wait for the code", time.perf_counter() - waited)
            if code is None:
                stats.error("no code arrived")
                continue
            seen[address] += 1
            status, _, page = timed(stats, "GET /2fa", browser.request, "GET", "/2fa")
            token = CSRF.search(page).group(1)  # type: ignore[union-attr]
            status, location, _ = timed(
                stats,
                "POST /2fa",
                browser.request,
                "POST",
                "/2fa",
                {"csrf_token": token, "password": PASSWORD, "code": code},
            )
            if status != 302:
                stats.error(f"POST /2fa answered {status}")
                continue
            status, _, _ = timed(stats, "GET /", browser.request, "GET", "/")
            if status != 200:
                stats.error(f"GET / answered {status}")
                continue
            stats.add("full login", time.perf_counter() - started)
            with stats.lock:
                stats.logins += 1
        except (OSError, http.client.HTTPException, AttributeError) as error:
            stats.error(type(error).__name__)
        finally:
            browser.connection.close()


def timed(stats: Stats, step: str, call: Any, *args: Any) -> Any:
    started = time.perf_counter()
    result = call(*args)
    stats.add(step, time.perf_counter() - started)
    return result


# --- figures -------------------------------------------------------------------------------------------


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def hash_time() -> float:
    """Median seconds of one check of a password against werkzeug's default hash."""
    stored = generate_password_hash(PASSWORD)
    samples = []
    for _ in range(15):
        started = time.perf_counter()
        check_password_hash(stored, PASSWORD)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def outbox_counts(url: str, secret_key: str) -> tuple[int, int]:
    """Return (codes issued, codes marked sent) from the database."""
    from timetracker import create_app
    from timetracker.extensions import db
    from timetracker.models import MailStatus, OutboxMessage

    app = create_app({"SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        issued = db.session.scalar(select(func.count()).where(OutboxMessage.purpose == "2fa code"))
        sent = db.session.scalar(
            select(func.count()).where(
                OutboxMessage.purpose == "2fa code", OutboxMessage.status == MailStatus.SENT.value
            )
        )
    with app.app_context():
        db.engine.dispose()
    return issued or 0, sent or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    databases.add_arguments(parser)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--flow", choices=["full", "password"], default="full")
    parser.add_argument(
        "--smtp-delay", type=float, default=0, help="seconds the SMTP server takes per message"
    )
    parser.add_argument(
        "--outage", type=float, default=0, help="seconds of SMTP outage in the middle of the run"
    )
    args = parser.parse_args()

    secret_key = secrets.token_hex(32)
    with databases.run_database(args.db, args.database_url) as url:
        print(f"Seeding {args.users} users ({args.db}) …", flush=True)
        seed(url, args.users, secret_key)
        sink = Sink(server.free_port(), args.smtp_delay)
        sink.start()
        port = server.free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("TIMETRACKER_")}
        env.update(
            {
                "TIMETRACKER_SECRET_KEY": secret_key,
                "TIMETRACKER_SQLALCHEMY_DATABASE_URI": url,
                "TIMETRACKER_MAIL_SERVER": "127.0.0.1",
                "TIMETRACKER_MAIL_PORT": str(sink.port),
                "TIMETRACKER_MAIL_RETRY_MAX_DELAY": "10",
                "TIMETRACKER_MAIL_POLL_INTERVAL": "1",
                # One client address sends every request here: per-address and per-account limits off.
                **{
                    f"TIMETRACKER_{name}": UNLIMITED
                    for name in (
                        "LOGIN_LIMIT_PER_ADDRESS",
                        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
                        "LOGIN_LIMIT_PER_ACCOUNT",
                        "2FA_LIMIT_PER_ADDRESS",
                        "2FA_LIMIT_PER_ACCOUNT",
                    )
                },
            }
        )
        stats, stop = Stats(), threading.Event()
        log = Path(tempfile.gettempdir()) / "tt_login_bench_gunicorn.log"
        with server.gunicorn(env, args.workers, args.threads, port, log):
            print(
                f"Running {args.clients} clients for {args.duration:.0f} s "
                f"(flow {args.flow}, SMTP delay {args.smtp_delay} s, outage {args.outage} s) …",
                flush=True,
            )
            users = list(range(args.users))
            shares = [users[index :: args.clients] * 50 for index in range(args.clients)]
            code_timeout = args.outage + 180
            threads = [
                threading.Thread(
                    target=client, args=(port, sink, share, args.flow, stop, stats, code_timeout)
                )
                for share in shares
            ]
            started = time.perf_counter()
            client_cpu_before = _cpu_seconds(resource.RUSAGE_SELF)
            for thread in threads:
                thread.start()
            if args.outage:
                time.sleep(max(0.0, (args.duration - args.outage) / 2))
                sink.stop()
                print(f"SMTP down at {time.perf_counter() - started:.0f} s", flush=True)
                time.sleep(args.outage)
                sink.start()
                print(f"SMTP back at {time.perf_counter() - started:.0f} s", flush=True)
            time.sleep(max(0.0, args.duration - (time.perf_counter() - started)))
            stop.set()
            elapsed = time.perf_counter() - started
            for thread in threads:
                thread.join()
            client_cpu = _cpu_seconds(resource.RUSAGE_SELF) - client_cpu_before
            # Full logins wait for every code they asked for; let the outbox finish what is left.
            drain_deadline = time.monotonic() + (240 if args.flow == "full" else 0)
            while time.monotonic() < drain_deadline:
                issued, sent = outbox_counts(url, secret_key)
                if sent >= issued:
                    break
                time.sleep(2)
        sink.stop()
        server_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)
        issued, sent = outbox_counts(url, secret_key)
        report(args, stats, elapsed, sink, issued, sent)
        print(
            f"CPU seconds: gunicorn (all workers, whole run) {server_cpu:.1f}; "
            f"this load generator and SMTP sink during the load {client_cpu:.1f}"
        )


def report(args: Any, stats: Stats, elapsed: float, sink: Sink, issued: int, sent: int) -> None:
    one_hash = hash_time()
    cores = min(args.workers, os.cpu_count() or 1)
    limit = cores / one_hash
    rate = stats.logins / elapsed
    print()
    print(
        f"machine: {os.cpu_count()} cores; gunicorn {args.workers} workers x {args.threads} threads; "
        f"{args.clients} clients; {args.users} users; {args.db}"
    )
    if args.flow == "full":
        print(f"full logins: {stats.logins} in {elapsed:.1f} s = {rate:.2f} per second")
    print(
        f"one password hash (werkzeug default): {one_hash * 1000:.1f} ms -> limit {limit:.2f} logins/s "
        f"on {cores} cores"
    )
    if args.flow == "full":
        print(f"ratio to the limit: {rate / limit:.1%}")
    print(f"{'step':<20}{'count':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for step, values in stats.steps.items():
        print(
            f"{step:<20}{len(values):>7}{percentile(values, 0.5) * 1000:>10.1f}"
            f"{percentile(values, 0.95) * 1000:>10.1f}{percentile(values, 0.99) * 1000:>10.1f}"
        )
    delivered = sum(sink.received.values())
    duplicates = sum(count - 1 for count in sink.received.values() if count > 1)
    print(
        f"codes issued: {issued}; marked sent: {sent}; mails delivered: {delivered}; "
        f"delivered more than once: {duplicates}"
        + ("" if args.flow == "full" else " (password-only runs do not wait for the outbox to drain)")
    )
    print(f"errors: {dict(stats.errors) or 0}")


if __name__ == "__main__":
    main()
