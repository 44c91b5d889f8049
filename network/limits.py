"""The window of dates a person may enter, defined once for every door, and date arithmetic that cannot overflow.

Every date that comes in from outside (the JSON API, the pages, the command line, a CSV import)
is checked with :func:`check_date` (or :func:`date_problem`, for doors that word their own
messages): programme start dates, enrolment and membership dates, meeting moves, pause ends,
employment and contact dates, the day reminders or set health are run for.

Why a window, and why this one:

* Python dates end on 31 December 9999, and Bridgework computes dates from the dates people
  give: a rota steps months and weeks past a programme's start, questionnaire waves fall 3 and 6
  months later, a calendar covers the years around its meetings. A programme starting on
  9999-12-20 once made that arithmetic overflow and stopped reminders for the whole network.
  Far from either end, nothing can overflow: the longest series Bridgework plans (100 six-weekly
  meetings) spans under 12 years.
* A date far outside working life is nearly always a slip of the keyboard (``0226`` or ``2206``
  for ``2026``), better refused with a message than stored.
* :data:`DATE_MIN` is 1 January 1950: the oldest dates anyone gives are when an assessor started
  with their employer or first met a contact, and no one working today started before 1950.
* The latest date is :data:`YEARS_AHEAD` (10) years after today (the UK date): programmes are
  planned months ahead and pauses last weeks or months, so ten years leaves room for anything
  real while every date derived from it stays thousands of years clear of the end of the calendar.

Data stored before the window existed may still hold extreme dates, so the arithmetic helpers
here (:func:`add_days`, :func:`add_months`) saturate at :data:`datetime.date.min` /
:data:`datetime.date.max` instead of raising :class:`OverflowError`; the engines use them (or
stop a series at the end of the calendar) so old data never turns into an error page.

>>> check_date(date(2026, 3, 3), "starts_on", today=date(2026, 1, 1))
datetime.date(2026, 3, 3)
>>> check_date(date(9999, 12, 20), "starts_on", today=date(2026, 1, 1))
Traceback (most recent call last):
...
network.domain.InvalidValue: starts_on: must be between 1 January 1950 and 1 January 2036, got 20 December 9999
>>> add_days(date.max, 1) == date.max
True
"""

from __future__ import annotations

import calendar as _month
from datetime import date, datetime, timedelta

from network.domain import InvalidValue
from network.domain import today as uk_today

#: The earliest date anyone may enter (see the module docstring for why).
DATE_MIN = date(1950, 1, 1)
#: How many years after today the latest date anyone may enter falls.
YEARS_AHEAD = 10


def words(day: date) -> str:
    """A date as people write it: ``3 March 2027``."""
    return f"{day.day} {day:%B} {day.year}"


def date_max(today: date | None = None) -> date:
    """The latest date anyone may enter: :data:`YEARS_AHEAD` years after ``today`` (default: the UK date today)."""
    return add_months(today or uk_today(), 12 * YEARS_AHEAD)


def date_window(today: date | None = None) -> tuple[date, date]:
    """The first and last dates anyone may enter, inclusive."""
    return DATE_MIN, date_max(today)


def window_words(today: date | None = None) -> str:
    """The window in words, for messages: ``"between 1 January 1950 and 7 December 2036"``."""
    first, last = date_window(today)
    return f"between {words(first)} and {words(last)}"


def date_problem(value: date, today: date | None = None) -> str | None:
    """Why ``value`` cannot be entered (``"must be between 1 January 1950 and ..."``), or ``None`` when it can."""
    if isinstance(value, datetime) or not isinstance(value, date):
        return f"must be a date, got {value!r}"
    first, last = date_window(today)
    if first <= value <= last:
        return None
    return f"must be {window_words(today)}, got {words(value)}"


def check_date(value: date, field_name: str, *, today: date | None = None) -> date:
    """``value`` if it lies in the window of dates people may enter; else :class:`InvalidValue` naming ``field_name``."""
    problem = date_problem(value, today)
    if problem is not None:
        raise InvalidValue(field_name, problem)
    return value


def check_optional_date(value: date | None, field_name: str, *, today: date | None = None) -> date | None:
    """As :func:`check_date`, with ``None`` (no date given) let through."""
    return None if value is None else check_date(value, field_name, today=today)


# -- arithmetic that cannot overflow ----------------------------------------------------------------


def add_days(day: date, days: int) -> date:
    """``day`` moved by ``days`` days, held at :data:`datetime.date.min` / :data:`datetime.date.max` at the ends of the calendar.

    >>> add_days(date(2026, 12, 30), 3), add_days(date(9999, 12, 30), 3)
    (datetime.date(2027, 1, 2), datetime.date(9999, 12, 31))
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months (the 31st becomes the month's last day), held at the ends of the calendar.

    >>> add_months(date(2026, 11, 30), 3), add_months(date(9999, 12, 20), 3)
    (datetime.date(2027, 2, 28), datetime.date(9999, 12, 31))
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    return date(year, month + 1, min(day.day, _month.monthrange(year, month + 1)[1]))
