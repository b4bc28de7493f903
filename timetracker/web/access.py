"""The view decorator that demands a right."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from timetracker.rights import Right

View = TypeVar("View", bound=Callable[..., Any])


def right_required(right: Right) -> Callable[[View], View]:
    """Let only logged-in users whose role holds ``right`` into the view; others get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(right):
                abort(403)
            return view(*args, **kwargs)

        return login_required(checked)  # type: ignore[return-value]

    return decorator
