#!/usr/bin/env python3
"""Login benchmark: complete emailed-code logins against gunicorn, with an SMTP sink on loopback.

Each login is a browser's: GET /login, POST /login, wait for the code at the SMTP sink,
GET /2fa (the redirect, which also carries the new CSRF token), POST /2fa, GET /. With
``--flow password`` a login stops after POST /login (for comparing POST /login alone).

``--driver closed`` (the default): each client is one user at a time, waiting for the code.
``--driver open``: each client keeps ``--in-flight`` logins open, starting new ones while
earlier users wait for their mail, so ``--clients`` counts concurrent requests, not users.
Mail goes out from a sender thread in each gunicorn worker (``--mail thread``) or from
``--mail-workers`` separate ``flask mail worker`` processes (``--mail worker``), one of which
``--kill-mail-worker-at`` kills with SIGKILL in the middle of a message.

It prints full logins per second; the logins per second one password check (with the method
the server uses) allows on the cores used, and the ratio to it; the server's CPU per login
(gunicorn and mail workers, during the load only), raw and less the one password check; p50,
p95 and p99 of every step; the mail lag (from just before POST /login to the code at the SMTP
server); codes issued, delivered, delivered more than once and lost; and a Markdown row.

    .venv/bin/python bench/login_bench.py                       # SQLite, normal SMTP
    .venv/bin/python bench/login_bench.py --db postgresql       # PostgreSQL (see --database-url)
    .venv/bin/python bench/login_bench.py --password-hash pbkdf2:sha256:1   # the CPU besides the hash
    .venv/bin/python bench/login_bench.py --driver open --clients 8 --smtp-delay 5
    .venv/bin/python bench/login_bench.py --flow password --smtp-delay 5
    .venv/bin/python bench/login_bench.py --outage 60 --duration 150
    .venv/bin/python bench/login_bench.py --mail worker --kill-mail-worker-at 15 --smtp-delay 1 \\
        --mail-lease 20 --duration 40
"""

from __future__ import annotations

import argparse
import hashlib
import os
import queue
import resource
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, func, insert, select, update  # noqa: E402
from werkzeug.security import check_password_hash, generate_password_hash  # noqa: E402

from bench import databases, server  # noqa: E402
from bench.login_clients import PASSWORD, Account, Load, client, device_token  # noqa: E402
from bench.login_report import Outbox, PasswordCheck, Window, report  # noqa: E402
from bench.mail_workers import MailWorkers, mail_workers, worker_mid_conversation  # noqa: E402
from bench.smtp_sink import Sink  # noqa: E402
from timetracker.config import DEFAULTS  # noqa: E402
from timetracker.models import MailStatus, OutboxMessage  # noqa: E402

UNLIMITED = "1000000 per minute"
LIMITS = (
    "LOGIN_LIMIT_PER_ADDRESS",
    "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
    "LOGIN_LIMIT_PER_ACCOUNT",
    "2FA_LIMIT_PER_ADDRESS",
    "2FA_LIMIT_PER_ACCOUNT",
)
DRAIN_TIMEOUT = 240  # seconds the outbox has after the load, at least (see drain_timeout)
LOGS = Path(tempfile.gettempdir())

Event = tuple[float, Callable[[float], None]]  # seconds into the load, what to do then (given its start)


# --- set-up ------------------------------------------------------------------------------------------


# bench/login_profile.py imports PASSWORD, UNLIMITED and seed from here.
def seed(url: str, users: int, secret_key: str, password_hash: str | None = None) -> None:
    """Migrate and create a group with 2FA on and ``users`` users sharing one hash of PASSWORD,
    made with the method ``password_hash`` (werkzeug's default when None)."""
    import flask_migrate

    from timetracker import create_app
    from timetracker.extensions import db
    from timetracker.models import KnownDevice, User
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
        db.session.execute(update(User).values(password_hash=hash_with(password_hash)))
        users = db.session.execute(select(User.id, User.login).where(User.login != "top"))
        known = [{"user_id": user_id, "token_hash": device_hash(int(login[1:]))} for user_id, login in users]
        db.session.execute(insert(KnownDevice), known)  # each logs in from their usual browser: no alert
        db.session.commit()
    with app.app_context():
        db.engine.dispose()


def device_hash(number: int) -> str:
    """Return what the server keeps of user ``number``'s device cookie (``security.devices``)."""
    return hashlib.sha256(device_token(number).encode()).hexdigest()


def hash_with(method: str | None) -> str:
    """Hash PASSWORD with ``method``, or werkzeug's default method when None."""
    return generate_password_hash(PASSWORD, method=method) if method else generate_password_hash(PASSWORD)


def password_check(method: str | None) -> list[float]:
    """Time 15 runs of check_password_hash against a hash made with ``method``."""
    stored = hash_with(method)
    samples = []
    for _ in range(15):
        started = time.perf_counter()
        check_password_hash(stored, PASSWORD)
        samples.append(time.perf_counter() - started)
    return samples


def one_check(method: str | None, *samples: list[float]) -> PasswordCheck:
    """The median check of ``samples`` (taken before and after the load: this machine's speed
    drifts by a third over minutes), named as the hash names its method."""
    return PasswordCheck(hash_with(method).split("$", 1)[0], statistics.median(sum(samples, [])))


def lease(args: argparse.Namespace) -> float:
    """Seconds a sender's claim on a message lasts in this run."""
    return args.mail_lease if args.mail_lease is not None else DEFAULTS["MAIL_LEASE"]


def drain_timeout(args: argparse.Namespace) -> float:
    """Seconds the outbox may take to deliver what is left after the load: long enough for a
    killed worker's claims to lapse and be tried again."""
    return max(DRAIN_TIMEOUT, lease(args) + 60)


def mail_timeout(args: argparse.Namespace) -> float | None:
    """The SMTP timeout to set, if any: the app wants a lease longer than a conversation."""
    if args.mail_lease is None or args.mail_lease > 2 * DEFAULTS["MAIL_TIMEOUT"]:
        return None
    return args.mail_lease / 2


def server_environment(args: argparse.Namespace, url: str, secret_key: str, smtp_port: int) -> dict[str, str]:
    """The environment of gunicorn and the mail workers: this one without TIMETRACKER_*, then the run's."""
    settings: dict[str, object] = {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_RETRY_MAX_DELAY": 10,
        "MAIL_POLL_INTERVAL": 1,
        "MAIL_DELIVERY": args.mail,
        "MAIL_CONCURRENCY": args.mail_concurrency,
        "MAIL_LEASE": args.mail_lease,
        "MAIL_TIMEOUT": mail_timeout(args),
        "PASSWORD_HASH_METHOD": args.password_hash,
        # One client address sends every request here: per-address and per-account limits off.
        **dict.fromkeys(LIMITS, UNLIMITED),
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIMETRACKER_")}
    env.update(
        {f"TIMETRACKER_{name}": _setting(value) for name, value in settings.items() if value is not None}
    )
    return env


def _setting(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def accounts(users: int) -> queue.Queue[Account]:
    """The seeded users, in a queue a login takes its user from and gives it back to."""
    pool: queue.Queue[Account] = queue.Queue()
    for number in range(users):
        pool.put(Account(number))
    return pool


# --- the run -------------------------------------------------------------------------------------------


class ServerCpu:
    """CPU seconds the server's processes use from when each is watched; processes may come and go."""

    def __init__(self) -> None:
        self._since: dict[int, float] = {}
        self._gone = 0.0
        self.processes = 0

    def watch(self, pid: int) -> None:
        self._since[pid] = cpu_seconds(pid)
        self.processes += 1

    def leave(self, pid: int) -> None:
        """Stop watching a process about to end, keeping what it used."""
        self._gone += cpu_seconds(pid) - self._since.pop(pid)

    def total(self) -> float:
        return self._gone + sum(cpu_seconds(pid) - since for pid, since in self._since.items())


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds process ``pid`` has used, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # fields 14 and 15


def run_load(args: argparse.Namespace, load: Load, gunicorn: int, workers: MailWorkers) -> Window:
    """Run the clients for ``--duration`` seconds with the run's events; measure the CPU meanwhile."""
    in_flight = args.in_flight if args.driver == "open" else 1
    threads = [threading.Thread(target=client, args=(load, in_flight)) for _ in range(args.clients)]
    meter = ServerCpu()
    events = timeline(args, load.sink, workers, meter)
    measuring: dict[str, float] = {}

    def begin_measuring(began: float) -> None:
        load.stats.begin()
        for pid in (gunicorn, *server.worker_pids(gunicorn), *workers.pids):
            meter.watch(pid)
        measuring.update(started=time.perf_counter(), client_cpu=_own_cpu())

    events = sorted([*events, (args.warmup, begin_measuring)], key=lambda event: event[0])
    print(f"Running {describe(args)} for {args.warmup:g} s of warm-up and {args.duration:g} s …", flush=True)
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for at, action in events:
        time.sleep(max(0.0, began + at - time.perf_counter()))
        action(began)
    started, client_cpu = measuring["started"], measuring["client_cpu"]
    time.sleep(max(0.0, started + args.duration - time.perf_counter()))
    server_cpu = meter.total()
    load.halt()
    stopped = time.perf_counter()
    client_cpu = _own_cpu() - client_cpu
    for thread in threads:
        thread.join()
    return Window(started, stopped, server_cpu, meter.processes, client_cpu)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timeline(args: argparse.Namespace, sink: Sink, workers: MailWorkers, meter: ServerCpu) -> list[Event]:
    """The timed events of the load, in order: the SMTP outage, the mail worker's death."""
    events: list[Event] = []
    if args.outage:
        down = args.warmup + max(0.0, (args.duration - args.outage) / 2)
        events.append((down, lambda started: _smtp(sink.stop, "down", started)))
        events.append((down + args.outage, lambda started: _smtp(sink.start, "back", started)))
    if args.kill_mail_worker_at is not None:
        events.append(
            (
                args.warmup + args.kill_mail_worker_at,
                lambda started: kill_mail_worker(args, sink, workers, meter, started),
            )
        )
    return sorted(events, key=lambda event: event[0])


def _smtp(action: Callable[[], None], state: str, started: float) -> None:
    action()
    print(f"SMTP {state} at {time.perf_counter() - started:.0f} s", flush=True)


def kill_mail_worker(
    args: argparse.Namespace, sink: Sink, workers: MailWorkers, meter: ServerCpu, started: float
) -> None:
    """Once a mail worker is handing a message to the sink, kill it (SIGKILL) and start another."""
    found = worker_mid_conversation(sink, workers.pids, started + args.duration - time.perf_counter())
    if found is None:
        print("No mail worker was in the middle of a message before the load ended: none killed")
        return
    pid, recipient = found
    meter.leave(pid)
    workers.kill(pid)
    print(
        f"Mail worker {pid} killed (SIGKILL) at {time.perf_counter() - started:.1f} s, "
        f"in the middle of a message to {recipient}",
        flush=True,
    )
    replacement = workers.start()
    meter.watch(replacement)
    print(f"Mail worker {replacement} delivering in its place at {time.perf_counter() - started:.1f} s")


def outbox(engine: Engine) -> Outbox:
    """Count the 2FA code messages in the outbox by status."""
    query = (
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.purpose == "2fa code")
        .group_by(OutboxMessage.status)
    )
    with engine.connect() as connection:
        counts = {status: count for status, count in connection.execute(query)}
    unfinished = counts.get(MailStatus.QUEUED.value, 0) + counts.get(MailStatus.SENDING.value, 0)
    return Outbox(sum(counts.values()), counts.get(MailStatus.SENT.value, 0), unfinished)


def drain(engine: Engine, timeout: float) -> None:
    """Wait up to ``timeout`` seconds for the outbox to hold no code still queued or being sent."""
    started = time.monotonic()
    while (left := outbox(engine).unfinished) and time.monotonic() - started < timeout:
        time.sleep(2)
    state = f"{left} codes still unfinished" if left else "drained"
    print(f"Outbox {state} {time.monotonic() - started:.0f} s after the load", flush=True)


# --- the command -----------------------------------------------------------------------------------------


def describe(args: argparse.Namespace) -> str:
    """Name the run in a few words (its row in the README's table)."""
    parts = [
        {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[args.db],
        f"{args.driver} {args.clients} clients",
    ]
    if args.driver == "open":
        parts[-1] += f" × {args.in_flight} logins"
    if args.flow == "password":
        parts.append("password step only")
    parts.append(args.password_hash or "scrypt (default)")
    mail = f"{args.mail_workers} mail workers" if args.mail == "worker" else "mail threads"
    concurrency = args.mail_concurrency or f"{DEFAULTS['MAIL_CONCURRENCY']} (default)"
    parts.append(f"{mail} × {concurrency} at once, lease {lease(args):g} s")
    parts.append(f"SMTP {args.smtp_delay:g} s per message" if args.smtp_delay else "normal SMTP")
    if args.outage:
        parts.append(f"SMTP down {args.outage:g} s")
    if args.kill_mail_worker_at is not None:
        parts.append(f"a mail worker killed at {args.kill_mail_worker_at:g} s")
    return ", ".join(parts)


def options() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    databases.add_arguments(parser)
    add = parser.add_argument
    add("--users", type=int, default=1000)
    add("--clients", type=int, default=50, help="client threads (concurrent requests)")
    add("--duration", type=float, default=30, help="seconds of load measured")
    add("--warmup", type=float, default=10, help="seconds of load before the measuring starts")
    add("--workers", type=int, default=2, help="gunicorn workers")
    add("--threads", type=int, default=4, help="threads per gunicorn worker")
    add("--flow", choices=["full", "password"], default="full")
    add("--driver", choices=["closed", "open"], default="closed")
    add("--in-flight", type=int, default=16, help="logins each client keeps open (--driver open)")
    add("--password-hash", metavar="METHOD", help="werkzeug method (default: werkzeug's, scrypt)")
    add("--mail", choices=["thread", "worker"], default="thread", help="who delivers the outbox")
    add("--mail-workers", type=int, default=2, help="mail worker processes (--mail worker)")
    add("--mail-concurrency", type=int, help="messages each sender delivers at once (app default)")
    add("--mail-lease", type=float, metavar="SECONDS", help="seconds a claim lasts (app default)")
    add("--kill-mail-worker-at", type=float, metavar="SECONDS", help="into the load (--mail worker)")
    add("--smtp-delay", type=float, default=0, help="seconds the SMTP server takes per message")
    add("--outage", type=float, default=0, help="seconds of SMTP outage in the middle of the run")
    args = parser.parse_args()
    in_flight = args.in_flight if args.driver == "open" else 1
    if args.users < args.clients * in_flight:
        parser.error(f"--users must be at least {args.clients * in_flight}: one open login per user")
    if args.driver == "open" and args.flow == "password":
        parser.error("--driver open keeps logins open while they wait for their code: use --flow full")
    if args.kill_mail_worker_at is not None and args.mail != "worker":
        parser.error("--kill-mail-worker-at needs --mail worker")
    if (timeout := mail_timeout(args) or DEFAULTS["MAIL_TIMEOUT"]) <= args.smtp_delay:
        parser.error(
            f"--smtp-delay must be shorter than the SMTP timeout ({timeout:g} s; half of a short lease)"
        )
    return args


def main() -> None:
    args = options()
    secret_key = secrets.token_hex(32)
    with databases.run_database(args.db, args.database_url) as url:
        print(f"Seeding {args.users} users ({args.db}) …", flush=True)
        seed(url, args.users, secret_key, args.password_hash)
        checks_before = password_check(args.password_hash)
        sink = Sink(server.free_port(), args.smtp_delay)
        sink.start()
        port = server.free_port()
        env = server_environment(args, url, secret_key, sink.port)
        load = Load(port, sink, args.flow, args.outage + drain_timeout(args), accounts(args.users))
        engine = create_engine(url)
        try:
            senders = args.mail_workers if args.mail == "worker" else 0
            with (
                server.gunicorn(
                    env, args.workers, args.threads, port, LOGS / "tt_login_bench_gunicorn.log"
                ) as pid,
                mail_workers(env, senders, LOGS) as workers,
            ):
                window = run_load(args, load, pid, workers)
                if args.flow == "full":  # logins wait for their codes: let the outbox deliver the rest
                    drain(engine, drain_timeout(args))
            sink.stop()
            mail = outbox(engine)
        finally:
            engine.dispose()
    check = one_check(args.password_hash, checks_before, password_check(args.password_hash))
    report(args, describe(args), load.stats, window, sink, mail, check)


if __name__ == "__main__":
    main()
