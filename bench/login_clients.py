"""The login benchmark's clients: browsers doing emailed-code logins against the server.

A login is GET /login and POST /login (``begin``), then, once its code is at the SMTP sink,
GET /2fa, POST /2fa and GET / (``finish``). Each client thread keeps up to ``in_flight`` logins
open, each with a browser (cookie jar and connection) and a user of its own: one for a closed
loop (a user waits for their code), more for an open one (people whose wait for mail does not
hold up the others). Users come from one queue and go back to it when their login ends, so
nobody has two logins open at once.
"""

from __future__ import annotations

import http.client
import queue
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench import server
from bench.smtp_sink import Sink

PASSWORD = "benchmark password"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Failed(Exception):
    """A login that went wrong; the message says how."""


@dataclass
class Account:
    """A seeded user, and how many codes they were sent so far (the index of their next one)."""

    number: int
    codes: int = 0

    @property
    def login(self) -> str:
        return f"u{self.number}"

    @property
    def address(self) -> str:
        return f"u{self.number}@example.com"

    @property
    def device(self) -> dict[str, str]:
        """Return the device cookie of the browser this user always logs in from (seeded as known)."""
        return {"tt_device": device_token(self.number)}


def device_token(number: int) -> str:
    """Return the device cookie's value of user ``number``'s browser: 43 characters, as the app makes."""
    return f"bench-device-{number}".ljust(43, "x")


class Browser(server.Browser):
    """One browser, whose answers are read whole."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        super().__init__(port, timeout=300, cookies=cookies)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Send a request; return its status, Location and page."""
        response = self.send(method, path, form)
        return response.status, response.getheader("Location") or "", response.read().decode()


@dataclass
class OpenLogin:
    """A login past POST /login: whose, in which browser, which code it waits for, since when."""

    account: Account
    browser: Browser
    code_index: int
    started: float  # before GET /login
    posted: float  # before POST /login
    answered: float  # after POST /login


class Stats:
    """Step times, completed logins and errors of all clients."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.steps: dict[str, list[float]] = defaultdict(list)
        self.logins = 0  # completed before the stop: full logins, or password steps with --flow password
        self.errors: Counter[str] = Counter()
        self.posted: list[tuple[str, int, float]] = []  # (recipient, code index, before POST /login)

    def begin(self) -> None:
        """Start measuring: forget the steps, logins and codes of the warm-up."""
        with self.lock:
            self.steps.clear()
            self.logins = 0
            self.posted.clear()

    def add(self, step: str, seconds: float) -> None:
        with self.lock:
            self.steps[step].append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1

    def completed(self, in_window: bool) -> None:
        """Count a login, if it ended before the stop."""
        if in_window:
            with self.lock:
                self.logins += 1

    def code_issued(self, login: OpenLogin) -> None:
        with self.lock:
            self.posted.append((login.account.address, login.code_index, login.posted))


@dataclass
class Load:
    """What all client threads share."""

    port: int
    sink: Sink
    flow: str  # "full", or "password": stop after POST /login
    code_timeout: float  # seconds after POST /login a login gives up on its code
    accounts: queue.Queue[Account]
    stats: Stats = field(default_factory=Stats)
    stop: threading.Event = field(default_factory=threading.Event)

    def halt(self) -> None:
        """End the load: no new requests, and logins waiting for a code give up."""
        self.stop.set()
        self.sink.wake_waiters()


def client(load: Load, in_flight: int) -> None:
    """Run logins until the stop, up to ``in_flight`` of them open at once.

    Start logins until ``in_flight`` are open, finishing those whose code has arrived; with
    all open and no code there, wait for any of them. Logins open at the stop are dropped.
    """
    open_logins: list[OpenLogin] = []
    try:
        while not load.stop.is_set():
            open_logins = _settle(load, open_logins)
            if len(open_logins) < in_flight:
                login = begin(load, load.accounts.get())
                if login is not None and load.flow == "full":
                    open_logins.append(login)
                elif login is not None:
                    _release(load, login)
            elif not load.stop.is_set():
                _wait_for_a_code(load, open_logins)
    finally:
        for login in open_logins:
            _release(load, login)


def begin(load: Load, account: Account) -> OpenLogin | None:
    """GET /login and POST /login for ``account``; None if that failed (the user is free again)."""
    browser = Browser(load.port, account.device)
    try:
        started = time.perf_counter()
        _, _, page = _step(load, browser, "GET", "/login", expect=200)
        form = {"csrf_token": _csrf(page), "login": account.login, "password": PASSWORD}
        posted = time.perf_counter()
        _, location, _ = _step(load, browser, "POST", "/login", form, expect=302)
        if location != "/2fa":
            raise Failed(f"POST /login went to {location}")
    except (Failed, OSError, http.client.HTTPException) as error:
        _note_error(load, error)
        browser.connection.close()
        load.accounts.put(account)
        return None
    login = OpenLogin(account, browser, account.codes, started, posted, time.perf_counter())
    account.codes += 1
    load.stats.code_issued(login)
    if load.flow == "password":
        load.stats.completed(not load.stop.is_set())
    return login


def finish(load: Load, login: OpenLogin, code: str) -> None:
    """GET /2fa, POST /2fa with ``code``, GET /; count the login if it ended before the stop."""
    load.stats.add("wait for the code", time.perf_counter() - login.answered)
    try:
        _, _, page = _step(load, login.browser, "GET", "/2fa", expect=200)
        form = {"csrf_token": _csrf(page), "password": PASSWORD, "code": code}
        _step(load, login.browser, "POST", "/2fa", form, expect=302)
        _step(load, login.browser, "GET", "/", expect=200)
    except (Failed, OSError, http.client.HTTPException) as error:
        _note_error(load, error)
    else:
        load.stats.add("full login", time.perf_counter() - login.started)
        load.stats.completed(not load.stop.is_set())
    finally:
        _release(load, login)


def _settle(load: Load, open_logins: list[OpenLogin]) -> list[OpenLogin]:
    """Finish the logins whose code has arrived, give up on those waiting too long; return the rest."""
    waiting = []
    for login in open_logins:
        code = None if load.stop.is_set() else load.sink.code(login.account.address, login.code_index)
        if code is not None:
            finish(load, login, code)
        elif not load.stop.is_set() and time.perf_counter() - login.posted > load.code_timeout:
            load.stats.error("no code arrived")
            _release(load, login)
        else:
            waiting.append(login)
    return waiting


def _wait_for_a_code(load: Load, open_logins: list[OpenLogin]) -> None:
    """Wait until a code of ``open_logins`` arrives, the oldest one's patience ends, or the stop."""
    deadline = min(login.posted for login in open_logins) + load.code_timeout
    wanted = [(login.account.address, login.code_index) for login in open_logins]
    load.sink.wait_for_any(wanted, deadline - time.perf_counter(), load.stop)


def _release(load: Load, login: OpenLogin) -> None:
    """Close the login's browser and let its user log in again."""
    login.browser.connection.close()
    load.accounts.put(login.account)


def _step(
    load: Load, browser: Browser, method: str, path: str, form: dict[str, str] | None = None, *, expect: int
) -> tuple[int, str, str]:
    """Send one request of a login, timed as the step "METHOD path"; fail unless ``expect`` answered."""
    started = time.perf_counter()
    status, location, page = browser.request(method, path, form)
    load.stats.add(f"{method} {path}", time.perf_counter() - started)
    if status != expect:
        raise Failed(f"{method} {path} answered {status}")
    return status, location, page


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    if found is None:
        raise Failed("no CSRF token on the page")
    return found.group(1)


def _note_error(load: Load, error: Exception) -> None:
    load.stats.error(str(error) if isinstance(error, Failed) else type(error).__name__)
