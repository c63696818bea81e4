"""Holding period: long-term when held more than one year, counted by the calendar."""

from __future__ import annotations

from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)


def holding_long_term_from(acquired: date) -> date:
    """The first date on which a disposal of property acquired on `acquired` is long-term.

    The count starts the day after acquisition, so a disposal on the anniversary is still short-term and the
    day after it is long-term. An acquisition on Feb 29 has its anniversary on Feb 28 of the next year.
    """
    month, day = acquired.month, acquired.day
    if month == 2 and day == 29:
        day = 28
    return date(acquired.year + 1, month, day) + _ONE_DAY
