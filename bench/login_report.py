"""The login benchmark's figures: one block per run, then a row for the README's table."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from bench.login_clients import Stats
from bench.smtp_sink import Sink

COLUMNS = (
    "Run",
    "Logins/s",
    "One password check",
    "One-hash limit",
    "Ratio",
    "Server CPU per login: raw / besides the hash",
    "POST /login p50 / p99",
    "POST /2fa p50 / p99",
    "Mail lag p50 / p99",
    "Codes issued / delivered / twice / lost",
    "Errors",
)


@dataclass(frozen=True)
class Window:
    """What the load window measured."""

    started: float  # time.perf_counter() when the clients started
    stopped: float
    server_cpu: float  # CPU seconds of gunicorn (master, workers) and the mail workers
    server_processes: int
    client_cpu: float  # CPU seconds of this process: the clients and the SMTP sink

    @property
    def elapsed(self) -> float:
        return self.stopped - self.started


@dataclass(frozen=True)
class Outbox:
    """The 2FA code messages in the outbox."""

    issued: int
    sent: int
    unfinished: int  # queued or being sent


@dataclass(frozen=True)
class PasswordCheck:
    """One check_password_hash against a hash of the method the server uses."""

    method: str  # as the hash names it, e.g. "scrypt:32768:8:1"
    seconds: float  # median


@dataclass(frozen=True)
class Figures:
    """A run's results, computed once for the block and the row."""

    rate: float
    limit: float
    cores: int
    cpu_per_login: float | None  # server CPU seconds per login counted
    checks_in_window: int  # POST /login sent during the load window: password checks begun
    lags: list[float]
    delivered: int
    duplicates: int
    lost: int | None  # None: the outbox was not drained (--flow password)


def report(
    args: argparse.Namespace,
    name: str,
    stats: Stats,
    window: Window,
    sink: Sink,
    mail: Outbox,
    check: PasswordCheck,
) -> None:
    """Print the run's block and its Markdown row."""
    figures = compute(args, stats, window, sink, mail, check)
    print()
    print(
        f"machine: {os.cpu_count()} cores; gunicorn {args.workers} workers × {args.threads} threads; "
        f"{args.users} users; {name}"
    )
    _print_rates(args, stats, window, figures, check)
    _print_steps(stats)
    _print_mail(args, figures, mail)
    print(f"errors: {dict(stats.errors) or 0}")
    print(f"CPU of this load generator and SMTP sink during the load: {window.client_cpu:.1f} s")
    print("Markdown row (" + " | ".join(COLUMNS) + "):")
    print(markdown_row(name, stats, figures, mail, check))


def compute(
    args: argparse.Namespace, stats: Stats, window: Window, sink: Sink, mail: Outbox, check: PasswordCheck
) -> Figures:
    cores = min(args.workers, os.cpu_count() or 1)
    arrivals = ((sink.arrival(to, index), posted) for to, index, posted in stats.posted)
    delivered = sink.delivered()
    return Figures(
        rate=stats.logins / window.elapsed,
        limit=cores / check.seconds,
        cores=cores,
        cpu_per_login=window.server_cpu / stats.logins if stats.logins else None,
        checks_in_window=sum(posted < window.stopped for _, _, posted in stats.posted),
        lags=[arrived - posted for arrived, posted in arrivals if arrived is not None],
        delivered=delivered,
        duplicates=sink.duplicates(),
        lost=mail.issued - delivered if args.flow == "full" else None,
    )


def _print_rates(
    args: argparse.Namespace, stats: Stats, window: Window, figures: Figures, check: PasswordCheck
) -> None:
    what = "full logins" if args.flow == "full" else "password steps (POST /login)"
    print(f"{what}: {stats.logins} in {window.elapsed:.1f} s = {figures.rate:.2f} per second")
    print(
        f"one password check ({check.method}): {milliseconds(check.seconds)} -> limit "
        f"{figures.limit:.2f} logins/s on {figures.cores} cores; ratio {figures.rate / figures.limit:.1%}"
    )
    if figures.cpu_per_login is not None:
        print(
            f"server CPU during the load ({window.server_processes} processes): {window.server_cpu:.1f} s "
            f"= {figures.cpu_per_login * 1000:.1f} ms per login, "
            f"{(figures.cpu_per_login - check.seconds) * 1000:.1f} ms besides the password check "
            f"({figures.checks_in_window} POST /login sent in the window: logins still open at the "
            f"stop count there too)"
        )


def _print_steps(stats: Stats) -> None:
    print(f"{'step':<20}{'count':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for step, values in stats.steps.items():
        print(
            f"{step:<20}{len(values):>7}{percentile(values, 0.5) * 1000:>10.1f}"
            f"{percentile(values, 0.95) * 1000:>10.1f}{percentile(values, 0.99) * 1000:>10.1f}"
        )


def _print_mail(args: argparse.Namespace, figures: Figures, mail: Outbox) -> None:
    print(
        f"mail lag (before POST /login to the code at the SMTP server), {len(figures.lags)} codes: "
        f"p50 / p99 {p50_p99(figures.lags)}"
    )
    if figures.lost is None:
        lost = "— (not drained: password-only runs do not wait for the outbox)"
    elif mail.unfinished:
        lost = f"{figures.lost} ({mail.unfinished} still queued or being sent when the drain gave up)"
    else:
        lost = str(figures.lost)
    print(
        f"codes issued: {mail.issued}; delivered: {figures.delivered}; more than once: {figures.duplicates}; "
        f"lost: {lost}; marked sent: {mail.sent}"
    )


def markdown_row(name: str, stats: Stats, figures: Figures, mail: Outbox, check: PasswordCheck) -> str:
    """The run as a row of the README's table (columns: COLUMNS)."""
    cpu = "—"
    if figures.cpu_per_login is not None:
        cpu = f"{figures.cpu_per_login * 1000:.1f} / {(figures.cpu_per_login - check.seconds) * 1000:.1f} ms"
    cells = (
        name,
        f"{figures.rate:.1f}",
        milliseconds(check.seconds),
        f"{figures.limit:.1f} /s",
        f"{figures.rate / figures.limit:.0%}".replace("%", " %"),
        cpu,
        p50_p99(stats.steps.get("POST /login", [])),
        p50_p99(stats.steps.get("POST /2fa", [])),
        p50_p99(figures.lags),
        f"{mail.issued} / {figures.delivered} / {figures.duplicates} / {_or_dash(figures.lost)}",
        str(sum(stats.errors.values())),
    )
    return "| " + " | ".join(cells) + " |"


def milliseconds(seconds: float) -> str:
    """Format a duration in milliseconds, with three significant digits below one."""
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.001 else f"{seconds * 1000:.3g} ms"


def _or_dash(value: int | None) -> str:
    return "—" if value is None else str(value)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def p50_p99(values: list[float]) -> str:
    """Format the median and the 99th percentile of ``values`` (seconds) in milliseconds."""
    if not values:
        return "—"
    return f"{percentile(values, 0.5) * 1000:.0f} / {percentile(values, 0.99) * 1000:.0f} ms"
