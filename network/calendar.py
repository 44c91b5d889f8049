"""Meeting dates and times of a set, and its iCalendar (``.ics``) export.

A set meets online in its weekly slot (``"tue-pm"``) on a cadence, for the number of meetings
its programme asks for. Slots become local times in :data:`TIMEZONE`:

=====  ===========  ========
part   starts       lasts
=====  ===========  ========
am     10:00        2 hours
pm     14:00        2 hours
eve    18:30        2 hours
=====  ===========  ========

Cadences: ``weekly`` (every 7 days), ``fortnightly`` (14), ``six-weekly`` (42) and ``monthly``:
the same weekday of the same week of each month as the first meeting (the second Tuesday, say;
a first meeting in a month's fifth week continues on the last such weekday of later months).

Stored data may hold dates near the end of the calendar (31 December 9999) from before dates
were checked at the door (:mod:`network.limits`): a series then stops where the calendar ends
instead of raising :class:`OverflowError`.

>>> meeting_dates("tue-pm", "monthly", 3, date(2026, 1, 1))
[datetime.date(2026, 1, 6), datetime.date(2026, 2, 3), datetime.date(2026, 3, 3)]
>>> meeting_window(date(2026, 7, 7), "tue-pm")[0].isoformat()
'2026-07-07T14:00:00+01:00'
"""

from __future__ import annotations

import calendar as _month
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from network import availability, limits

#: The time zone every meeting time is given in.
TIMEZONE = "Europe/London"
ZONE = ZoneInfo(TIMEZONE)

#: Local start time of each part of the day, and how long a meeting lasts.
PART_STARTS: dict[str, time] = {"am": time(10, 0), "pm": time(14, 0), "eve": time(18, 30)}
MEETING_LENGTH = timedelta(hours=2)

#: Days between meetings of the fixed-step cadences (``monthly`` follows the calendar instead).
CADENCE_DAYS: dict[str, int] = {"weekly": 7, "fortnightly": 14, "six-weekly": 42}

#: The product identifier written into every calendar.
PRODID = "-//Bridgework//Action learning sets//EN"

_WEEKDAYS = {day: n for n, day in enumerate(availability.DAYS)}
#: The last year a calendar's time zone definition covers (its search for changes steps past the year it is given).
_ZONE_LAST_YEAR = date.max.year - 1


class CalendarError(ValueError):
    """A slot, cadence or count that gives no meetings."""


def first_meeting(slot: str, starts_on: date) -> date:
    """The first day on or after ``starts_on`` that falls on the slot's weekday (``date.max`` if the calendar ends first)."""
    weekday = _weekday(slot)
    return limits.add_days(starts_on, (weekday - starts_on.weekday()) % 7)


def meeting_dates(slot: str, cadence: str, count: int, starts_on: date) -> list[date]:
    """``count`` meeting dates in the slot's weekday on ``cadence``, the first on or after ``starts_on``.

    :class:`CalendarError` for an unknown slot or cadence, or a negative count. Fewer than
    ``count`` dates (none at all, at worst) when the calendar ends (31 December 9999) first.
    """
    if count < 0:
        raise CalendarError(f"count must be 0 or more, got {count}")
    if cadence not in CADENCE_DAYS and cadence != "monthly":
        raise CalendarError(f"cadence must be one of {', '.join([*CADENCE_DAYS, 'monthly'])}, got {cadence!r}")
    first = first_meeting(slot, starts_on)
    if first.weekday() != _weekday(slot):
        return []  # held at the end of the calendar: no such weekday is left
    if cadence in CADENCE_DAYS:
        step = timedelta(days=CADENCE_DAYS[cadence])
        out = []
        for k in range(count):
            try:
                out.append(first + k * step)
            except OverflowError:
                break
        return out
    week = (first.day - 1) // 7  # 0 = first such weekday of the month ... 4 = fifth
    out = []
    year, month = first.year, first.month
    for _ in range(count):
        if year > date.max.year:
            break
        out.append(_nth_weekday(year, month, first.weekday(), week))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _nth_weekday(year: int, month: int, weekday: int, week: int) -> date:
    """The ``week``-th (0-based) ``weekday`` of the month, or the last one if the month has fewer."""
    days = [d for d in range(1, _month.monthrange(year, month)[1] + 1) if date(year, month, d).weekday() == weekday]
    return date(year, month, days[min(week, len(days) - 1)])


def _weekday(slot: str) -> int:
    if not availability.is_slot(slot):
        raise CalendarError(f"unknown slot {slot!r}")
    return _WEEKDAYS[slot.split("-")[0]]


def meeting_window(day: date, slot: str) -> tuple[datetime, datetime]:
    """When a meeting on ``day`` in ``slot`` starts and ends, as aware local times in :data:`TIMEZONE`."""
    _weekday(slot)
    start = datetime.combine(day, PART_STARTS[slot.split("-")[1]], tzinfo=ZONE)
    return start, start + MEETING_LENGTH


@dataclass(frozen=True, slots=True)
class Event:
    """One meeting as a calendar event; ``uid`` must stay the same for the same meeting across exports."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    url: str | None = None


def to_ics(events: Sequence[Event], name: str, stamp: datetime) -> bytes:
    """An iCalendar (RFC 5545) document of ``events``, with the :data:`TIMEZONE` definition they use.

    ``stamp`` becomes every event's ``DTSTAMP`` (pass the export time, in UTC). Events carry
    ``UID``, ``DTSTAMP``, ``DTSTART``/``DTEND`` with ``TZID=Europe/London``, ``SUMMARY`` and
    ``DESCRIPTION``, and with a video link ``LOCATION`` and ``URL`` both set to it, which is what Google Calendar, Outlook and Apple Calendar need to import
    and later update them.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TIMEZONE)
    if events:
        first = min(e.starts_at for e in events)
        last = max(e.ends_at for e in events)
        # The zone's rules over whole years around the meetings (a VTIMEZONE needs its STANDARD/DAYLIGHT parts),
        # kept a year clear of the ends of the calendar (icalendar steps past its last date while searching).
        since = min(max(first.year - 1, date.min.year + 1), _ZONE_LAST_YEAR)
        until = max(min(last.year + 1, _ZONE_LAST_YEAR), since)
        zone = icalendar.Timezone.from_tzid(TIMEZONE, first_date=date(since, 1, 1), last_date=date(until, 12, 31))
        cal.add_component(zone)
    for e in sorted(events, key=lambda e: (e.starts_at, e.uid)):
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", e.starts_at.astimezone(ZONE))
        event.add("dtend", e.ends_at.astimezone(ZONE))
        event.add("summary", e.summary)
        if e.description:
            event.add("description", e.description)
        if e.url:
            # The video link is where the meeting happens: calendar apps show LOCATION as a link to join (issue 18).
            event.add("location", e.url)
            event.add("url", e.url)
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
