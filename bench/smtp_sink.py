"""The login benchmark's SMTP server on loopback: it keeps every code with its arrival time.

It can be slow (``delay`` seconds per message, slept before the message counts as arrived) or
down (``stop`` then ``start`` again), and tells which conversations are under way, so a sender
can be killed in the middle of one.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Collection
from typing import Any

from aiosmtpd.controller import Controller

CODE = re.compile(rb"^\s+(\d{6,10})\s*$", re.MULTILINE)
TO = re.compile(rb"^To: (\S+)", re.MULTILINE)


class Sink:
    """An SMTP server on ``port`` that remembers the codes each recipient was sent, in order.

    ``codes[recipient]`` lists the distinct codes in the order they first arrived, so the
    n-th login of a user (who has one login open at a time) gets ``codes[recipient][n]``;
    a message delivered again only adds to ``received``. Times are ``time.perf_counter()``.
    """

    def __init__(self, port: int, delay: float) -> None:
        self.port, self.delay = port, delay
        self.codes: dict[str, list[str]] = defaultdict(list)
        self.arrived_at: dict[tuple[str, str], float] = {}  # (recipient, code) -> first arrival
        self.received: Counter[tuple[str, str]] = Counter()  # (recipient, code) -> times delivered
        self._in_progress: dict[int, str] = {}  # the sender's port -> recipient, during DATA
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Take a message; it arrives ``delay`` seconds later even if its sender has gone by then.

        aiosmtpd cancels the handler when the connection drops; the message was all sent, so
        this server keeps it, as a real one may: the sender never heard "250", and a retry
        delivers it twice.
        """
        await asyncio.shield(self._take(session.peer[1], envelope.rcpt_tos[0], envelope.content))
        return "250 OK"

    async def _take(self, sender_port: int, recipient: str, content: bytes) -> None:
        """Note the conversation, wait ``delay``, then record the message's code."""
        with self._changed:
            self._in_progress[sender_port] = recipient
            self._changed.notify_all()
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            self._record(content)
        finally:
            with self._changed:
                del self._in_progress[sender_port]

    def _record(self, content: bytes) -> None:
        recipient = TO.search(content).group(1).decode()  # type: ignore[union-attr]
        found = CODE.search(content)
        code = found.group(1).decode() if found else ""
        key = (recipient, code)
        with self._changed:
            self.received[key] += 1
            if found and key not in self.arrived_at:
                self.arrived_at[key] = time.perf_counter()
                self.codes[recipient].append(code)
            self._changed.notify_all()

    def code(self, recipient: str, index: int) -> str | None:
        """Return the code number ``index`` (from 0) sent to ``recipient``, if it has arrived."""
        with self._changed:
            codes = self.codes.get(recipient, [])
            return codes[index] if index < len(codes) else None

    def arrival(self, recipient: str, index: int) -> float | None:
        """Return when the code number ``index`` sent to ``recipient`` arrived, if it has."""
        code = self.code(recipient, index)
        return None if code is None else self.arrived_at[(recipient, code)]

    def wait_for_any(
        self, wanted: Collection[tuple[str, int]], timeout: float, stop: threading.Event
    ) -> None:
        """Wait until one of the ``(recipient, index)`` codes has arrived, ``stop`` is set
        (see ``wake_waiters``) or ``timeout`` seconds have passed."""

        def ready() -> bool:
            return stop.is_set() or any(index < len(self.codes.get(to, ())) for to, index in wanted)

        with self._changed:
            self._changed.wait_for(ready, max(0.0, timeout))

    def wake_waiters(self) -> None:
        """Make every ``wait_for_any`` look at its ``stop`` again."""
        with self._changed:
            self._changed.notify_all()

    def conversation_in_progress(self, timeout: float) -> tuple[int, str] | None:
        """Wait up to ``timeout`` seconds for a message being taken (between DATA and its
        recording); return the sender's local port and the recipient."""
        with self._changed:
            if self._changed.wait_for(lambda: self._in_progress, max(0.0, timeout)):
                return next(iter(self._in_progress.items()))
        return None

    def delivered(self) -> int:
        """Return how many distinct codes arrived."""
        return sum(len(codes) for codes in self.codes.values())

    def duplicates(self) -> int:
        """Return how many deliveries repeated a message that had already arrived."""
        return sum(count - 1 for count in self.received.values() if count > 1)
