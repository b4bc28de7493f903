"""The sender: a background thread in each app process, or a ``flask mail worker`` process.

Requests only write to the outbox; the sender is woken after each commit that queued a
message, and otherwise looks at the outbox every MAIL_POLL_INTERVAL seconds, so messages
left by a crash or restart are delivered too.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from timetracker.mail import outbox

EXTENSION = "timetracker.mail_sender"
PURGE_EVERY = 300  # seconds


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
        """Stop the thread, waiting for a delivery under way to end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        run_loop(self.app, self._stop, self._wake)


def run_loop(app: Flask, stop: threading.Event, wake: threading.Event | None = None) -> None:
    """Deliver due messages until ``stop`` is set; purge old rows now and then."""
    wake = wake or threading.Event()
    last_purge = 0.0
    while not stop.is_set():
        with app.app_context():
            try:
                outbox.deliver_due()
                if time.monotonic() - last_purge > PURGE_EVERY:
                    outbox.purge()
                    last_purge = time.monotonic()
            except Exception:
                app.logger.exception("The mail sender hit an error; it carries on")
        wake.wait(app.config["MAIL_POLL_INTERVAL"])
        wake.clear()


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
