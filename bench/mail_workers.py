"""``flask mail worker`` processes for a benchmark: started and waited for, killed, stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import server
from bench.smtp_sink import Sink
from timetracker import messages

READY = messages.CLI_MAIL_WORKER_STARTED.split("{", 1)[0]  # what a worker prints once it delivers
STOP_TIMEOUT = 60  # seconds a worker has to finish its deliveries after SIGTERM


class MailWorkers:
    """Mail worker processes with the app's environment; each writes its output to a log file."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self._started = 0

    @property
    def pids(self) -> list[int]:
        return list(self.processes)

    def start(self) -> int:
        """Start a worker and wait until it delivers; return its pid."""
        self._started += 1
        log = self.logs / f"tt_login_bench_mail_worker_{self._started}.log"
        command = [str(Path(sys.executable).with_name("flask")), "--app", "timetracker", "mail", "worker"]
        with log.open("w") as output:
            process = subprocess.Popen(command, cwd=server.ROOT, env=self.env, stdout=output, stderr=output)
        self.processes[process.pid] = process
        deadline = time.monotonic() + server.START_TIMEOUT
        while READY not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the mail worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        return process.pid

    def kill(self, pid: int) -> None:
        """Kill a worker with SIGKILL, as a crash or the OOM killer would."""
        os.kill(pid, signal.SIGKILL)
        self.processes.pop(pid).wait()

    def stop(self) -> None:
        """Ask every worker to stop (SIGTERM) and wait for it; kill those that take too long."""
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


@contextmanager
def mail_workers(env: dict[str, str], count: int, logs: Path) -> Iterator[MailWorkers]:
    """Run ``count`` mail workers (none is fine) until the block ends."""
    workers = MailWorkers(env, logs)
    try:
        for _ in range(count):
            workers.start()
        yield workers
    finally:
        workers.stop()


def worker_mid_conversation(sink: Sink, pids: Iterable[int], timeout: float) -> tuple[int, str] | None:
    """Wait up to ``timeout`` seconds for one of ``pids`` to be handing a message to ``sink``;
    return its pid and the message's recipient."""
    deadline = time.monotonic() + timeout
    while (conversation := sink.conversation_in_progress(deadline - time.monotonic())) is not None:
        sender_port, recipient = conversation
        owner = _socket_owner(sender_port, sink.port, pids)
        if owner is not None:
            return owner, recipient
        time.sleep(0.01)  # the conversation ended meanwhile, or is another process's
    return None


def _socket_owner(local_port: int, remote_port: int, pids: Iterable[int]) -> int | None:
    """Return which of ``pids`` holds the loopback TCP connection from ``local_port`` to ``remote_port``."""
    inode = _socket_inode(local_port, remote_port)
    if inode is None:
        return None
    for pid in pids:
        descriptors = Path(f"/proc/{pid}/fd")
        for descriptor in descriptors.iterdir():
            try:
                if os.readlink(descriptor) == f"socket:[{inode}]":
                    return pid
            except OSError:  # closed since the listing
                continue
    return None


def _socket_inode(local_port: int, remote_port: int) -> str | None:
    """Find the inode of an IPv4 TCP connection in /proc/net/tcp by its two ports."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(address.split(":")[1], 16) for address in fields[1:3])
        if (local, remote) == (local_port, remote_port):
            return fields[9]
    return None
