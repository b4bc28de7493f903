"""Real processes for the scale-out tests: gunicorn app servers and ``flask mail worker``s."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from tests.conftest import FAST_HASH, free_port
from timetracker import ROOT

BIN = Path(sys.executable).parent
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def environment(**settings: Any) -> dict[str, str]:
    """Return this machine's environment without TIMETRACKER_* settings, plus ``settings``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TIMETRACKER_", "FLASK_"))}
    env.update(
        {"TIMETRACKER_SECRET_KEY": "scale-out test key " * 3, "TIMETRACKER_PASSWORD_HASH_METHOD": FAST_HASH}
    )
    env.update({f"TIMETRACKER_{name}": str(value) for name, value in settings.items()})
    return env


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


@contextmanager
def _running(
    command: list[str], env: dict[str, str], port: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        if port is not None:
            _wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def app_servers(count: int, env: dict[str, str]) -> Iterator[list[str]]:
    """Run ``count`` gunicorn processes of the app (one worker each); yield their base URLs."""
    with ExitStack() as stack:
        urls = []
        for _ in range(count):
            port = free_port()
            command = [
                str(BIN / "gunicorn"),
                "--workers",
                "1",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ]
            stack.enter_context(_running(command, env, port))
            urls.append(f"http://127.0.0.1:{port}")
        yield urls


@contextmanager
def mail_workers(count: int, env: dict[str, str]) -> Iterator[None]:
    """Run ``count`` ``flask mail worker`` processes."""
    with ExitStack() as stack:
        for _ in range(count):
            stack.enter_context(_running([str(BIN / "flask"), "--app", "timetracker", "mail", "worker"], env))
        yield


class Browser:
    """A minimal HTTP client with cookies, enough to fill in the login form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._send(urllib.request.Request(self.base + path))

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        _, page = self.get(path)
        token = _CSRF.search(page)
        data = urllib.parse.urlencode({**fields, "csrf_token": token.group(1) if token else ""}).encode()
        return self._send(urllib.request.Request(self.base + path, data=data))

    def _send(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            body = error.read().decode()
            error.close()
            return error.code, body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
