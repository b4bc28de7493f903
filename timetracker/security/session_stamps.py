"""Moments kept in the browser's signed session (a login, a password given again), and their age."""

from __future__ import annotations

from flask import session

from timetracker import clock


def stamp(key: str) -> None:
    """Note the present moment under ``key`` in this browser's session."""
    session[key] = clock.now().timestamp()


def younger_than(key: str, seconds: float) -> bool:
    """Tell whether the moment under ``key`` is less than ``seconds`` ago (False when none is kept)."""
    moment = session.get(key)
    return isinstance(moment, int | float) and clock.now().timestamp() - moment < seconds
