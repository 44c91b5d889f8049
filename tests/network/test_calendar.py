"""Meeting dates from a slot and cadence, local times in Europe/London, and iCalendar export that parses back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from network import availability
from network.calendar import (
    MEETING_LENGTH,
    PART_STARTS,
    ZONE,
    CalendarError,
    Event,
    first_meeting,
    meeting_dates,
    meeting_window,
    to_ics,
)

STAMP = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def test_first_meeting_is_the_first_slot_day_on_or_after_the_start():
    assert first_meeting("tue-pm", date(2026, 1, 6)) == date(2026, 1, 6)  # a Tuesday
    assert first_meeting("tue-pm", date(2026, 1, 7)) == date(2026, 1, 13)
    assert first_meeting("sun-eve", date(2026, 1, 5)) == date(2026, 1, 11)


@pytest.mark.parametrize(("cadence", "days"), [("weekly", 7), ("fortnightly", 14), ("six-weekly", 42)])
def test_fixed_step_cadences(cadence, days):
    dates = meeting_dates("wed-am", cadence, 4, date(2026, 3, 1))
    assert dates[0] == date(2026, 3, 4)
    assert [b - a for a, b in zip(dates, dates[1:], strict=False)] == [timedelta(days=days)] * 3


def test_monthly_keeps_the_same_week_of_the_month():
    # 2026-01-13 is the second Tuesday of January.
    assert meeting_dates("tue-am", "monthly", 4, date(2026, 1, 8)) == [
        date(2026, 1, 13),
        date(2026, 2, 10),
        date(2026, 3, 10),
        date(2026, 4, 14),
    ]


def test_monthly_from_a_fifth_week_uses_the_last_such_day():
    # 2026-01-29 is the fifth Thursday; February 2026 has four Thursdays.
    assert meeting_dates("thu-pm", "monthly", 3, date(2026, 1, 29)) == [date(2026, 1, 29), date(2026, 2, 26), date(2026, 3, 26)]


@given(
    slot=st.sampled_from(availability.SLOTS),
    cadence=st.sampled_from(["weekly", "fortnightly", "monthly", "six-weekly"]),
    count=st.integers(0, 24),
    start=st.dates(date(2024, 1, 1), date(2035, 12, 31)),
)
def test_every_meeting_falls_on_the_slot_day_in_order(slot, cadence, count, start):
    dates = meeting_dates(slot, cadence, count, start)
    assert len(dates) == count
    assert all(d >= start for d in dates)
    assert dates == sorted(set(dates))
    assert {d.strftime("%a").lower() for d in dates} <= {slot.split("-")[0]}


def test_bad_slot_cadence_or_count():
    with pytest.raises(CalendarError):
        meeting_dates("tue-night", "weekly", 2, date(2026, 1, 1))
    with pytest.raises(CalendarError):
        meeting_dates("tue-pm", "yearly", 2, date(2026, 1, 1))
    with pytest.raises(CalendarError):
        meeting_dates("tue-pm", "weekly", -1, date(2026, 1, 1))


def test_local_times_follow_british_summer_time():
    winter, _ = meeting_window(date(2026, 1, 6), "tue-pm")
    summer, end = meeting_window(date(2026, 7, 7), "tue-pm")
    assert winter.utcoffset() == timedelta(0) and summer.utcoffset() == timedelta(hours=1)
    assert (winter.hour, summer.hour) == (14, 14)
    assert end - summer == MEETING_LENGTH
    assert meeting_window(date(2026, 1, 7), "wed-eve")[0].time() == PART_STARTS["eve"]


def test_ics_parses_back_with_uid_stamp_timezone_summary_and_description():
    days = meeting_dates("tue-pm", "monthly", 6, date(2026, 1, 1))
    events = [
        Event(
            uid=f"set-1-meeting-{k}@bridgework",
            starts_at=s,
            ends_at=e,
            summary=f"Set 1: meeting {k}",
            description=f"Facilitator: Ann\nPresenting: Bob {k}",
        )
        for k, (s, e) in enumerate((meeting_window(d, "tue-pm") for d in days), start=1)
    ]
    text = to_ics(events, "Set 1", STAMP)
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["version"]) == "2.0" and "Bridgework" in str(cal["prodid"])
    zones = cal.walk("VTIMEZONE")
    assert [str(z["tzid"]) for z in zones] == ["Europe/London"]
    assert zones[0].walk("STANDARD") and zones[0].walk("DAYLIGHT")
    parsed = cal.walk("VEVENT")
    assert [str(e["uid"]) for e in parsed] == [e.uid for e in events]
    for given_event, e in zip(events, parsed, strict=True):
        assert e["dtstart"].params["TZID"] == "Europe/London"
        assert e.decoded("dtstart") == given_event.starts_at
        assert e.decoded("dtstart").tzinfo == ZONE
        assert e.decoded("dtend") == given_event.ends_at
        assert e.decoded("dtstamp") == STAMP
        assert str(e["summary"]) == given_event.summary
        assert str(e["description"]) == given_event.description


def test_a_video_link_is_the_events_location_and_url_and_an_event_without_one_has_neither():
    day = date(2026, 3, 3)
    start, end = meeting_window(day, "tue-pm")
    link = "https://meet.example.org/set-1?pwd=a;b,c"
    events = [
        Event(uid="m-1@bridgework", starts_at=start, ends_at=end, summary="Set 1: meeting 1", url=link),
        Event(uid="m-2@bridgework", starts_at=start + timedelta(days=14), ends_at=end + timedelta(days=14), summary="Set 1: meeting 2"),
    ]
    parsed = icalendar.Calendar.from_ical(to_ics(events, "Set 1", STAMP)).walk("VEVENT")
    assert str(parsed[0]["location"]) == link
    assert str(parsed[0]["url"]) == link
    assert "location" not in parsed[1] and "url" not in parsed[1]


def test_ics_escapes_text_and_folds_long_lines():
    start, end = meeting_window(date(2026, 1, 6), "tue-am")
    description = "Members: " + ", ".join(f"Person {k}; of team, {k}" for k in range(30))
    text = to_ics([Event("u@bridgework", start, end, "A, B; C", description)], "Set; one", STAMP)
    assert all(len(line) <= 75 for line in text.split(b"\r\n"))
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["summary"]) == "A, B; C" and str(event["description"]) == description


def test_an_empty_calendar_is_still_valid():
    cal = icalendar.Calendar.from_ical(to_ics([], "Nothing yet", STAMP))
    assert cal.walk("VEVENT") == [] and str(cal["x-wr-calname"]) == "Nothing yet"
