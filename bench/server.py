"""Gunicorn for the benchmarks (served on a free port, waited for, stopped) and a browser to ask it."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import gunicorn_ready

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60  # seconds


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    env: dict[str, str], workers: int, threads: int, port: int, log: Path, app: str = "wsgi:app"
) -> Iterator[int]:
    """Serve ``app`` on ``port`` until the block ends; yield the master's pid.

    It is ready once every worker has loaded the app (``gunicorn_ready``) and the port answers,
    so no start-up work is left for the first requests but their own. Its stderr goes to ``log``
    (a file, not a pipe nobody reads, which would stall a talkative server once full).
    """
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers)]
    command += ["--threads", str(threads), "--bind", f"127.0.0.1:{port}"]
    command += ["--config", gunicorn_ready.__file__, app]
    with tempfile.TemporaryDirectory() as ready:
        env = {**env, gunicorn_ready.READY_DIR: ready}
        with log.open("w") as stderr:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while len(list(Path(ready).iterdir())) < workers or not _listening(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            yield process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def worker_pids(master: int) -> list[int]:
    """Return the pids of the gunicorn master's worker processes."""
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Browser:
    """One browser: a keep-alive connection to the server and its cookies (the session's, the device's)."""

    def __init__(self, port: int, timeout: float = 600, cookies: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies = dict(cookies or {})

    def send(self, method: str, path: str, form: dict[str, str] | None = None) -> http.client.HTTPResponse:
        """Send a request and return the response, its body unread; reconnect once if the server
        closed the idle connection, as a browser does (gunicorn's keep-alive is 2 s)."""
        try:
            return self._send(method, path, form)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.connection.close()
            return self._send(method, path, form)

    def _send(self, method: str, path: str, form: dict[str, str] | None) -> http.client.HTTPResponse:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        return response
