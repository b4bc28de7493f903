"""Keep secrets out of access logs: the token of a password reset link is in its path."""

from __future__ import annotations

import logging
import re

ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
_RESET_TOKEN = re.compile(r"(/password/reset/)[^/\s?\"]+")


class RedactResetTokens(logging.Filter):
    """Replace reset tokens in log lines with "[redacted]"."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _RESET_TOKEN.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = RedactResetTokens()


def init_app() -> None:
    """Attach the filter to the access loggers of the development server and gunicorn (once)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
