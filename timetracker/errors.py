"""The domain's exceptions: what domain functions raise on purpose, for views to show."""

from __future__ import annotations


class TimeTrackerError(Exception):
    """Base of every error the domain raises on purpose."""


class FieldError(TimeTrackerError):
    """Input that the form accepted but the domain refuses; views show it on the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class PermissionDenied(TimeTrackerError):
    """The actor may not do this; shown as the 403 page and nothing is changed."""
