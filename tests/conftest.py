"""Fixtures: an app on a fresh real database per test, clients that behave like a browser,
and a group with one user of every default role.

Every test that uses ``app`` runs on SQLite, and again on PostgreSQL when
``TIMETRACKER_TEST_DATABASE_URL`` is set (a schema of its own per test session).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flask_migrate
import pyotp
import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from timetracker import clock, create_app
from timetracker.extensions import db
from timetracker.mail.sender import EXTENSION
from timetracker.models import Group, User
from timetracker.services import membership

if TYPE_CHECKING:
    from tests.team_time import TeamTime

PASSWORD = "correct horse"
FAST_HASH = "pbkdf2:sha256:1000"
DATABASE_URL_VARIABLE = "TIMETRACKER_TEST_DATABASE_URL"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEVICE_COOKIE = "tt_device"
USUAL_DEVICE = "the-usual-browser-of-the-people".ljust(43, "x")  # as security.devices makes them
_CSRF_INPUT = re.compile(r'<input[^>]*name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')


def base_config(**overrides: Any) -> dict[str, Any]:
    """Return the configuration tests start from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "MAIL_TIMEOUT": 2,
        "MAIL_POLL_INTERVAL": 0.05,
        **overrides,
    }


# --- databases -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a SQLite file built once by the migrations; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrated = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with migrated.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return path


@dataclass(frozen=True)
class PostgresSchema:
    """A schema of its own in the test database, so parallel runs never meet."""

    url: str
    schema: str

    def config(self) -> dict[str, Any]:
        return {
            "SQLALCHEMY_DATABASE_URI": self.url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={self.schema}"}},
        }


def postgres_url() -> str:
    """Return the test PostgreSQL address (tests needing it are deselected when it is unset)."""
    return os.environ[DATABASE_URL_VARIABLE]


def pytest_report_header(config: pytest.Config) -> list[str]:
    if os.environ.get(DATABASE_URL_VARIABLE):
        return [f"PostgreSQL tests: on ({DATABASE_URL_VARIABLE} is set)"]
    return [f"PostgreSQL tests: skipped, because {DATABASE_URL_VARIABLE} is not set"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the PostgreSQL variants when there is no test PostgreSQL (the header says so),
    and always those of the browser walks: every step they take is tested on both databases
    without a browser, and what they add (the pages in a real browser) does not depend on it."""
    with_postgresql = bool(os.environ.get(DATABASE_URL_VARIABLE))
    skipped = [
        item for item in items if item.get_closest_marker("postgresql") and not _wanted(item, with_postgresql)
    ]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if item not in skipped]


def _wanted(postgresql_variant: pytest.Item, with_postgresql: bool) -> bool:
    return with_postgresql and not postgresql_variant.get_closest_marker("browser")


@pytest.fixture(scope="session")
def new_postgres_schema() -> Iterator[Any]:
    """Return a maker of fresh PostgreSQL schemas; all are dropped at the end of the session."""
    url = postgres_url()
    engine = create_engine(url)
    made: list[str] = []

    def make() -> PostgresSchema:
        name = f"tt_test_{secrets.token_hex(6)}"
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {name}"))
        made.append(name)
        return PostgresSchema(url, name)

    yield make
    with engine.begin() as connection:
        for name in made:
            connection.execute(text(f"DROP SCHEMA {name} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_migrated(new_postgres_schema: Any) -> PostgresSchema:
    """Return a PostgreSQL schema built once by the migrations; tests empty it before use."""
    schema = new_postgres_schema()
    migrated = create_app(base_config(**schema.config()))
    with migrated.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return schema


POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.postgresql)


@pytest.fixture(params=["sqlite", POSTGRESQL])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Return the configuration of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "timetracker.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    schema: PostgresSchema = request.getfixturevalue("postgres_migrated")
    _empty_tables(schema)
    return schema.config()


def _empty_tables(schema: PostgresSchema) -> None:
    engine = create_engine(schema.url, connect_args={"options": f"-csearch_path={schema.schema}"})
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


# --- time -------------------------------------------------------------------------------------


class AppClock:
    """The app's clock under a test's control: real time moved by ``move``, or frozen."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self.frozen_at: datetime | None = None

    def now(self) -> datetime:
        return self.frozen_at if self.frozen_at is not None else _real_now() + self.offset

    def move(self, **delta: float) -> None:
        if self.frozen_at is not None:
            self.frozen_at += timedelta(**delta)
        else:
            self.offset += timedelta(**delta)

    def freeze(self, at: datetime | None = None) -> None:
        self.frozen_at = at or self.now()


_real_now = clock.now


@pytest.fixture
def moving_clock(monkeypatch: pytest.MonkeyPatch) -> AppClock:
    """Let the test move the app's clock forward; it keeps running (sender threads see it too)."""
    test_clock = AppClock()
    monkeypatch.setattr(clock, "now", test_clock.now)
    return test_clock


@pytest.fixture
def frozen_clock(moving_clock: AppClock) -> AppClock:
    """Stop the app's clock; the test moves it with ``move(minutes=10)``."""
    moving_clock.freeze()
    return moving_clock


@pytest.fixture
def step_clock(frozen_clock: AppClock) -> AppClock:
    """Freeze the app's clock in the middle of a 30-second step, so codes of "now" stay valid."""
    now = clock.now().replace(microsecond=0)
    frozen_clock.freeze(now - timedelta(seconds=now.second % 30 - 15))
    return frozen_clock


# --- mail -------------------------------------------------------------------------------------


def free_port() -> int:
    """Return a loopback port that nothing listens on (aiosmtpd cannot bind port 0 itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

    Set ``refuse`` to an SMTP reply such as "550 5.1.1 Mailbox unavailable" to refuse
    recipients instead.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self.refuse: str | None = None
        self._arrived = threading.Condition()
        self._controller = Controller(self, hostname="127.0.0.1", port=port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        assert isinstance(message, EmailMessage)  # what the default policy makes
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def reset(self) -> None:
        with self._arrived:
            self.messages.clear()
        self.refuse = None

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        """Wait until ``count`` messages have arrived in all, and return them."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            assert arrived, f"expected {count} message(s), got {len(self.messages)}"
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages sent to ``address`` so far."""
        with self._arrived:
            return [message for message in self.messages if message["To"] == address]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    server = SmtpSink(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpSink) -> SmtpSink:
    """Return the SMTP sink, empty and accepting."""
    smtp_server.reset()
    return smtp_server


CODE_PATTERN = re.compile(r"^\s+(\d{6,10})\s*$", re.MULTILINE)
CODE_SUBJECT = "Time Tracker two-factor authentication code"
RESET_LINK = re.compile(r"http://localhost(/password/reset/[\w.-]+)")
RESET_SUBJECT = "Reset your Time Tracker password"


def mailed(
    smtp: SmtpSink, address: str, subject: str, pattern: re.Pattern[str], *, nth: int = 1, timeout: float = 10
) -> str:
    """Wait for the ``nth`` mail with ``subject`` to ``address``; return what ``pattern``'s group 1 finds."""
    deadline = time.monotonic() + timeout
    while True:
        found_in_mail = [
            found(pattern, message.get_body(("plain",)).get_content(), 1)
            for message in smtp.to(address)
            if message["Subject"] == subject
        ]
        if len(found_in_mail) >= nth:
            return found_in_mail[nth - 1]
        assert time.monotonic() < deadline, f"no mail number {nth} with subject {subject!r} for {address}"
        time.sleep(0.02)


def read_code(smtp: SmtpSink, address: str, *, nth: int = 1, timeout: float = 10) -> str:
    """Wait for the ``nth`` code mailed to ``address`` and return the code."""
    return mailed(smtp, address, CODE_SUBJECT, CODE_PATTERN, nth=nth, timeout=timeout)


def reset_link(smtp: SmtpSink, address: str, nth: int = 1, timeout: float = 10) -> str:
    """Wait for the ``nth`` reset email to ``address`` and return the link's path."""
    return mailed(smtp, address, RESET_SUBJECT, RESET_LINK, nth=nth, timeout=timeout)


def wait_for_status(client: BrowserClient, text: str, timeout: float = 10) -> str:
    """Poll the delivery frame of the 2FA page until it shows ``text``."""
    deadline = time.monotonic() + timeout
    while True:
        page = client.get("/2fa/status").text
        if text in page:
            return page
        assert time.monotonic() < deadline, f"{text!r} never shown; last: {page}"
        time.sleep(0.05)


def mail_queued(app: Flask) -> list[tuple[str, str]]:
    """Return what the outbox holds, sent or not, as (recipient, subject), oldest first."""
    from timetracker.models import OutboxMessage

    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.recipient, row.subject) for row in rows]


# --- the app and its clients ----------------------------------------------------------------


class BrowserClient(FlaskClient):
    """A test client that submits forms with the CSRF token a browser would have.

    It holds the device cookie ``USUAL_DEVICE``, which the ``people`` have logged in from
    before: their logins send no "New sign-in" email (``forget_device`` makes it a new browser).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_cookie(DEVICE_COOKIE, USUAL_DEVICE)

    def forget_device(self) -> None:
        """Make this a browser that never logged in: no device cookie."""
        self.delete_cookie(DEVICE_COOKIE)

    def csrf_token(self) -> str:
        """Return this session's CSRF token, read from a page like a browser would."""
        page = self.get("/login", follow_redirects=True)
        match = _CSRF_INPUT.search(page.text)
        assert match, "no CSRF token on the login or start page"
        return match.group(1)

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """POST ``data`` to ``url`` as a form, with the session's CSRF token."""
        form = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=form, **kwargs)

    def login(self, login: str, password: str = PASSWORD) -> TestResponse:
        """Log in through the login form and return the response."""
        return self.submit("/login", {"login": login, "password": password})


@pytest.fixture
def make_app(database: dict[str, Any], smtp_server: SmtpSink) -> Iterator[Any]:
    """Return a maker of apps on this test's database, mailing to the SMTP sink."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}
        app = create_app(base_config(**{**database, **mail, **overrides}))
        app.test_client_class = BrowserClient
        made.append(app)
        return app

    yield make
    for app in made:
        stop_sender(app)
        with app.app_context():
            db.engine.dispose()


def stop_sender(app: Flask) -> None:
    """Stop the app's mail sender thread, if it started."""
    sender = app.extensions.get(EXTENSION)
    if sender is not None:
        sender.stop(timeout=10)


@pytest.fixture
def app(make_app: Any) -> Flask:
    """Return the app on a fresh, migrated database."""
    return make_app()


def new_client(app: Flask) -> BrowserClient:
    """Return a new browser for ``app`` (an app of ``make_app``), typed as the ``BrowserClient`` it is."""
    browser = app.test_client()
    assert isinstance(browser, BrowserClient), "not an app of make_app"
    return browser


def session_copy(app: Flask, client: BrowserClient) -> BrowserClient:
    """Return a new browser holding a copy of ``client``'s session cookie, as a thief would."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie to copy"
    copy = new_client(app)
    copy.set_cookie("session", cookie.value)
    return copy


@pytest.fixture
def client(app: Flask) -> BrowserClient:
    return new_client(app)


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# --- people -----------------------------------------------------------------------------------


@dataclass
class People:
    """A group "Acme" with one user per default role, and a second group "Other".

    Logins: top, manager, comanager, supervisor, user, noemail (a User without email),
    and other-top, other-user in the other group. Everyone's password is ``PASSWORD``.
    """

    app: Flask
    ids: dict[str, int] = field(default_factory=dict)
    group_id: int = 0
    other_group_id: int = 0

    def user(self, login: str) -> User:
        """Return the user, loaded in the current app context."""
        user = db.session.get(User, self.ids[login])
        assert user is not None
        return user

    def require_group_2fa(self) -> None:
        """Switch Acme's group two-factor authentication on."""
        with self.app.app_context():
            group = db.session.get(Group, self.group_id)
            assert group is not None
            group.two_factor_required = True
            db.session.commit()

    def add_project(
        self, name: str, tasks: tuple[str, ...] = (), *, group_id: int | None = None, active: bool = True
    ) -> tuple[int, list[int]]:
        """Add a project with ``tasks`` to Acme (or ``group_id``); return its id and the tasks' ids."""
        from timetracker.models import Project, Task

        with self.app.app_context():
            project = Project(
                group_id=group_id or self.group_id, name=name, name_key=name.casefold(), active=active
            )
            made = [Task(name=task, name_key=task.casefold()) for task in tasks]
            project.tasks = made
            db.session.add(project)
            db.session.commit()
            return project.id, [task.id for task in made]  # in the order given

    def add_entry(
        self, login: str, project_id: int, day: date, minutes: int | None = 60, **columns: Any
    ) -> int:
        """Record ``minutes`` for ``login`` on ``project_id`` straight in the database; return its id.

        ``columns`` sets other columns of the entry: ``task_id``, ``note``, ``start_at``...
        """
        from timetracker.models import TimeEntry

        with self.app.app_context():
            user = self.user(login)
            entry = TimeEntry(
                user=user, group_id=user.group_id, project_id=project_id, day=day, minutes=minutes, **columns
            )
            db.session.add(entry)
            db.session.commit()
            return entry.id

    def add_saved_report(self, login: str, name: str, query: str) -> int:
        """Save a report of ``login`` straight in the database; return its id."""
        from timetracker.models import SavedReport

        with self.app.app_context():
            saved = SavedReport(user_id=self.user(login).id, name=name, name_key=name.casefold(), query=query)
            db.session.add(saved)
            db.session.commit()
            return saved.id

    def role_id(self, role_name: str, group_id: int | None = None) -> int:
        """Return the id of a role of Acme (or of ``group_id``) by name."""
        group = db.session.get(Group, group_id or self.group_id)
        assert group is not None
        return next(role.id for role in group.roles if role.name == role_name)


@pytest.fixture
def team_time(people: People) -> TeamTime:
    """Two weeks of a small team's time in Acme, counted by hand in ``tests/team_time.py``."""
    from tests.team_time import record_team_time

    return record_team_time(people)


ACME_MEMBERS = (
    ("manager", "Mia Manager", "Manager", "manager@example.com"),
    ("comanager", "Carl Comanager", "Co-manager", "comanager@example.com"),
    ("supervisor", "Sue Supervisor", "Supervisor", "supervisor@example.com"),
    ("user", "Jane User", "User", "jane@example.com"),
    ("noemail", "Nick Noemail", "User", None),
)


@pytest.fixture
def people(app: Flask) -> People:
    """Create the groups of ``People`` in the app's database."""
    found = People(app)
    with app.app_context():
        top = _new_group("Acme", "top", "Tara Top")
        found.group_id = top.group_id
        found.ids["top"] = top.id
        for login, name, role_name, email in ACME_MEMBERS:
            user = _add(top.group, login, name, role_name, email)
            found.ids[login] = user.id
        other_top = _new_group("Other", "other-top", "Olga Other")
        found.other_group_id = other_top.group_id
        found.ids["other-top"] = other_top.id
        found.ids["other-user"] = _add(other_top.group, "other-user", "Otto User", "User", None).id
        _know_usual_device(found.ids.values())
    return found


def _know_usual_device(user_ids: Iterable[int]) -> None:
    """Record ``USUAL_DEVICE`` as a browser these users logged in from before."""
    from timetracker.models import KnownDevice

    token_hash = hashlib.sha256(USUAL_DEVICE.encode()).hexdigest()
    db.session.add_all(KnownDevice(user_id=user_id, token_hash=token_hash) for user_id in user_ids)
    db.session.commit()


def _new_group(name: str, login: str, manager_name: str) -> User:
    new = membership.NewGroup(name, manager_name, login, PASSWORD, f"{login}@example.com")
    return membership.create_group(new, via="test")


def _add(group: Group, login: str, name: str, role_name: str, email: str | None) -> User:
    role_id = next(role.id for role in group.roles if role.name == role_name)
    details = membership.UserDetails(name, login, email, role_id, True, PASSWORD)
    return membership.add_user(None, group, details)


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive Debian's Chromium; outside CI, skip browser tests when it is missing."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (apt-get install -y chromium): browser test not run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread and return its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# --- what the database holds -------------------------------------------------------------------


def audit_trail(app: Flask) -> list[tuple[str, str | None, str | None]]:
    """Return the audit trail as (event, actor login, user login), oldest first."""
    from timetracker.models import AuditEvent

    with app.app_context():
        rows = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        return [
            (row.event, row.actor.login if row.actor else None, row.user.login if row.user else None)
            for row in rows
        ]


# --- reading pages -----------------------------------------------------------------------------------


def found(pattern: str | re.Pattern[str], text: str, group: int = 0, flags: int = 0) -> str:
    """Return ``group`` of the first match of ``pattern`` in ``text``, which must match."""
    match = re.search(pattern, text, flags)
    assert match is not None, f"{pattern!r} not found"
    return match.group(group)


def assert_labels(page: str, labels: dict[str, str]) -> None:
    """Check that ``page`` labels each field id with its text."""
    for field_id, label in labels.items():
        assert f'<label for="{field_id}">{label}</label>' in page, field_id


# --- forms of the users page --------------------------------------------------------------------------


def user_form(people: People, **changes: Any) -> dict[str, Any]:
    """Return a valid form that adds Nora New as a User of Acme, with ``changes`` (None leaves one out)."""
    with people.app.app_context():
        role_id = people.role_id("User")
    form = {
        "name": "Nora New",
        "login": "nora",
        "password": "a good password",
        "confirm": "a good password",
        "email": "nora@example.com",
        "role_id": role_id,
        "active": "y",
    }
    return _present({**form, **changes})


def edit_form(people: People, login: str, **changes: Any) -> dict[str, Any]:
    """Return the edit form of ``login`` as stored, without a new password, with ``changes``.

    A change to None leaves the field out (``active=None`` deactivates).
    """
    with people.app.app_context():
        user = people.user(login)
        form = {
            "name": user.name,
            "login": user.login,
            "password": "",
            "confirm": "",
            "email": user.email or "",
            "role_id": user.role_id,
            "active": "y" if user.active else None,
        }
    return _present({**form, **changes})


def _present(form: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in form.items() if value is not None}


# --- second factors --------------------------------------------------------------------------------------


CONFIRM = "/profile/security/confirm-password"
ENROLLED_RECOVERY_CODES = ("aaaa-bbbb-cccc", "dddd-eeee-ffff")


def wrong_code(code: str) -> str:
    """Return a code of the same length as ``code`` that is surely not ``code``: every digit differs."""
    assert code.isdigit(), code
    return "".join(str((int(digit) + 1) % 10) for digit in code)


def code_at(secret: str, steps: int = 0) -> str:
    """Return the authenticator's code ``steps`` 30-second steps away from the app's clock."""
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30 * steps))


def enroll_app(app: Flask, login: str = "user") -> str:
    """Give ``login`` a confirmed authenticator and the ``ENROLLED_RECOVERY_CODES``; return its secret."""
    from timetracker.models import Authenticator
    from timetracker.security import encryption, recovery_codes, totp

    secret = totp.new_secret()
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        assert user is not None
        user.authenticator = Authenticator(
            secret_encrypted=encryption.encrypt(secret), confirmed_at=clock.now()
        )
        recovery_codes.replace(user, list(ENROLLED_RECOVERY_CODES))
        db.session.commit()
    return secret


def confirm_password(client: BrowserClient, then: str = "/profile/security/enable") -> None:
    """Give the password again, as the pages that show two-factor secrets ask first."""
    response = client.submit(f"{CONFIRM}?next={then}", {"password": PASSWORD})
    assert response.location == then, response.text


def start_enrollment(client: BrowserClient) -> tuple[str, list[str], str]:
    """Open the enable page; return the secret and recovery codes read off it, and the page."""
    confirm_password(client)
    page = client.get("/profile/security/enable").text
    secret = found(r'<code id="secret">([A-Z2-7 ]+)</code>', page, 1).replace(" ", "")
    codes = re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code></li>", page)
    return secret, codes, page


# --- concurrency ------------------------------------------------------------------------------------------


def at_once(count: int, request: Callable[[int], Any]) -> list[Any]:
    """Run ``request(i)`` for i in range(count) in threads released together; return the results."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = request(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# --- the JSON API ---------------------------------------------------------------------------------------

API = "/api/v1"


def api_login(api: FlaskClient, who: str, password: str = PASSWORD) -> TestResponse:
    """Send login and password to the API's first sign-in step."""
    return api.post(f"{API}/auth/login", json={"login": who, "password": password})


def token_for(api: FlaskClient, who: str) -> str:
    """Sign ``who`` in through the API (no second factor owed) and return the bearer token."""
    response = api_login(api, who)
    assert response.status_code == 200, response.json
    assert response.json is not None
    token: str = response.json["token"]
    return token


def assert_error(response: TestResponse, status: int, code: str, message: str | None = None) -> None:
    """Check that the API answered ``status`` with the JSON error ``code`` (and ``message``)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.json is not None and response.json["error"] == code
    assert isinstance(response.json["message"], str) and response.json["message"]
    if message is not None:
        assert response.json["message"] == message
