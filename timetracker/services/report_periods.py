"""The periods a report covers: presets that move with today ("Last month"), or fixed dates.

Pure functions of today's date and the group's first day of the week, so that a saved report
keeps its preset and every preset can be tested on fixed dates.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Period(StrEnum):
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    LAST_YEAR = "last_year"
    CUSTOM = "custom"


LABELS = {
    Period.THIS_WEEK: "This week",
    Period.LAST_WEEK: "Last week",
    Period.THIS_MONTH: "This month",
    Period.LAST_MONTH: "Last month",
    Period.THIS_YEAR: "This year",
    Period.LAST_YEAR: "Last year",
    Period.CUSTOM: "Custom",
}
MAX_YEARS = 10


def dates_of(period: Period, today: date, first_day_of_week: int) -> tuple[date, date]:
    """Return the first and last day (inclusive) of a preset ``period`` holding or before ``today``.

    ``first_day_of_week`` is a ``date.weekday()`` number (0 = Monday).
    """
    if period in (Period.THIS_WEEK, Period.LAST_WEEK):
        start = week_start(today, first_day_of_week)
        if period is Period.LAST_WEEK:
            start -= timedelta(days=7)
        return start, start + timedelta(days=6)
    if period in (Period.THIS_MONTH, Period.LAST_MONTH):
        start = today.replace(day=1)
        if period is Period.LAST_MONTH:
            start = (start - timedelta(days=1)).replace(day=1)
        return start, _month_end(start)
    if period in (Period.THIS_YEAR, Period.LAST_YEAR):
        year = today.year if period is Period.THIS_YEAR else today.year - 1
        return date(year, 1, 1), date(year, 12, 31)
    raise ValueError(f"{period} has no dates of its own")


def week_start(day: date, first_day_of_week: int) -> date:
    """Return the first day of the week holding ``day``."""
    return day - timedelta(days=(day.weekday() - first_day_of_week) % 7)


def too_long(first: date, last: date) -> bool:
    """Tell whether ``first``..``last`` spans more than ``MAX_YEARS`` years."""
    year = first.year + MAX_YEARS
    if year > date.max.year:
        return False  # the calendar ends sooner
    try:
        limit = first.replace(year=year)
    except ValueError:  # from 29 February to a year without one
        limit = date(year, 3, 1)
    return last >= limit


def _month_end(start: date) -> date:
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
