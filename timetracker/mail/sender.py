"""The sender: a background thread in each app process, or a ``flask mail worker`` process.

Requests only write to the outbox; the sender is woken after each commit that queued a
message, and otherwise looks at the outbox every MAIL_POLL_INTERVAL seconds, so messages
left by a crash or restart are delivered too.

A sender delivers MAIL_CONCURRENCY messages at once, each in a lane: a thread that keeps its
SMTP connection open for its next message. The dispatcher claims due messages only for lanes
that are free, so no claim waits in the process while its lease runs, and it keeps one lane
for mail someone waits for: a login's code never queues behind a burst of notices. Lanes
only read the database; the dispatcher records what they did, everything finished since its
last look in one transaction, so a busy sender adds few writes (SQLite has one writer at a time).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from timetracker.extensions import db
from timetracker.mail import outbox, transport
from timetracker.models import MailPriority

EXTENSION = "timetracker.mail_sender"
PURGE_EVERY = 300  # seconds
KEEP_CONNECTION = 15  # seconds a lane keeps an idle SMTP connection open for the next message


class Sender:
    """A daemon thread that delivers the outbox of one app."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def ensure_running(self) -> None:
        """Start the thread if this process has none yet (for example right after a fork).

        A sender that was stopped stays stopped.
        """
        if self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
            return
        with self._lock:
            if not self._stop.is_set() and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="timetracker-mail", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        """Ask for a look at the outbox now."""
        self.ensure_running()
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the thread, waiting for the deliveries under way to end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        run_loop(self.app, self._stop, self._wake)


def run_loop(
    app: Flask, stop: threading.Event, wake: threading.Event | None = None, *, until_idle: bool = False
) -> int:
    """Deliver due messages until ``stop`` is set; purge old rows now and then.

    With ``until_idle``, return as soon as nothing is due or in flight (no purge). Return how
    many messages were handed to a lane.
    """
    wake = wake or threading.Event()
    lanes = _Lanes(app, app.config["MAIL_CONCURRENCY"], on_free=wake.set)
    handed, last_purge = 0, 0.0
    try:
        while not stop.is_set():
            wake.clear()  # before claiming: a wake from here on ends the wait below at once
            claimed, more_due = 0, False
            with app.app_context():
                _record_finished(app, lanes)
                try:
                    claimed, more_due = lanes.fill()
                    if not until_idle and time.monotonic() - last_purge > PURGE_EVERY:
                        outbox.purge()
                        last_purge = time.monotonic()
                except Exception:
                    app.logger.exception("The mail sender hit an error; it carries on")
            handed += claimed
            if until_idle and not claimed and lanes.idle():
                break
            if more_due:
                continue
            wake.wait(app.config["MAIL_POLL_INTERVAL"])
    finally:
        lanes.close()
        with app.app_context():
            _record_finished(app, lanes)
    return handed


def _record_finished(app: Flask, lanes: _Lanes) -> None:
    """Record what the lanes finished; on failure their claims lapse and they are sent again."""
    try:
        lanes.record_finished()
    except Exception:
        app.logger.exception("The mail sender could not record its deliveries")


def deliver_due(app: Flask) -> int:
    """Deliver every message that is due now, then return how many were tried."""
    return run_loop(app, threading.Event(), until_idle=True)


class _Lanes:
    """Up to ``size`` deliveries at once, each lane a thread (started when first needed) with
    its own SMTP connection. ``on_free`` is called whenever a lane finishes a message."""

    def __init__(self, app: Flask, size: int, on_free: Any) -> None:
        self.app, self.size, self._on_free = app, size, on_free
        self._work: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._finished: list[outbox.Attempt] = []  # by the lanes, not recorded yet
        self._sending: dict[int, bool] = {}  # the ids in the lanes, and whether each is a notice
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def fill(self) -> tuple[int, bool]:
        """Claim due messages for the free lanes; return how many, and whether more may be due
        (every free lane got one)."""
        with self._lock:
            room = self.size - len(self._sending)
            # One lane stays for mail someone waits for (unless there is only one).
            notices = room if self.size == 1 else min(room, self.size - 1 - sum(self._sending.values()))
            sending = list(self._sending)
        if room == 0:
            return 0, False
        claimed = outbox.claim(room, notices=notices, busy=sending)
        self._hand(claimed)
        return len(claimed), len(claimed) == room

    def record_finished(self) -> None:
        """Record what the lanes finished since the last call.

        Should that fail, the outcomes are dropped, not tried again: their claims lapse and
        the messages are sent again, which beats one bad outcome holding up all the others.
        """
        with self._lock:
            finished, self._finished = self._finished, []
        if finished:
            try:
                outbox.record(finished)
            except Exception:
                db.session.rollback()
                raise

    def idle(self) -> bool:
        with self._lock:
            return not self._sending

    def close(self) -> None:
        """Let every lane finish its message and close its connection."""
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join()

    def _hand(self, claimed: list[tuple[int, int]]) -> None:
        with self._lock:
            self._sending.update(
                (message_id, priority != MailPriority.WAITED_FOR) for message_id, priority in claimed
            )
            while len(self._threads) < len(self._sending):
                lane = threading.Thread(target=self._lane, name="timetracker-mail-lane", daemon=True)
                lane.start()
                self._threads.append(lane)
        for message_id, _ in claimed:
            self._work.put(message_id)

    def _lane(self) -> None:
        mailer = transport.Mailer()
        try:
            while True:
                try:
                    message_id = self._work.get(timeout=KEEP_CONNECTION)
                except queue.Empty:
                    mailer.close()
                    continue
                if message_id is None:
                    return
                self._deliver(mailer, message_id)
        finally:
            mailer.close()

    def _deliver(self, mailer: transport.Mailer, message_id: int) -> None:
        attempt = None
        try:
            with self.app.app_context():
                attempt = outbox.send(message_id, mailer)
        except Exception:  # the claim lapses and the message is tried again: the lane carries on
            self.app.logger.exception("Reading outbox message %s failed", message_id)
        finally:
            with self._lock:
                del self._sending[message_id]
                if attempt is not None:
                    self._finished.append(attempt)
            self._on_free()


def init_app(app: Flask) -> None:
    """Give ``app`` its sender thread, started by the first request, unless a worker delivers."""
    if app.config["MAIL_DELIVERY"] != "thread":
        return
    sender = Sender(app)
    app.extensions[EXTENSION] = sender
    app.before_request(sender.ensure_running)


@event.listens_for(Session, "after_commit")
def _wake_after_queueing(session: Session) -> None:
    """Wake the sender of the app that queued mail, once that transaction is committed."""
    app: Flask | None = session.info.pop(outbox.QUEUED_KEY, None)
    sender: Any = app.extensions.get(EXTENSION) if app is not None else None
    if sender is not None:
        sender.wake()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_mail(session: Session, previous_transaction: Any) -> None:
    """Mail queued in a transaction that was rolled back is gone: nothing to wake for."""
    session.info.pop(outbox.QUEUED_KEY, None)
