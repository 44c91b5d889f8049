"""The one window of dates people may enter (network.limits), and date arithmetic that holds at the ends of the calendar.

Data stored before dates were checked may hold a programme starting on 9999-12-20: the rota,
calendar, questionnaire waves and month steps must stop or hold at 31 December 9999 rather than
raise OverflowError. The CSV reader refuses a date outside the window as a bad row.
"""

from __future__ import annotations

import doctest
from calendar import monthrange
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from network import calendar, limits, outcomes, reach
from network.csvio import read_dir
from network.domain import InvalidValue

FAR = date(9999, 12, 20)
TODAY = date(2026, 3, 3)


def test_doctests() -> None:
    assert doctest.testmod(limits).failed == 0


def test_the_window_runs_from_1950_to_ten_years_after_today() -> None:
    assert limits.date_window(TODAY) == (date(1950, 1, 1), date(2036, 3, 3))
    assert limits.date_max(date(2028, 2, 29)) == date(2038, 2, 28)
    assert limits.date_max() >= date.today() + timedelta(days=3650)
    for fine in (date(1950, 1, 1), TODAY, date(2036, 3, 3)):
        assert limits.check_date(fine, "starts_on", today=TODAY) == fine and limits.date_problem(fine, TODAY) is None
    for bad in (date(1949, 12, 31), date(2036, 3, 4), FAR, date.min):
        with pytest.raises(InvalidValue) as raised:
            limits.check_date(bad, "starts_on", today=TODAY)
        assert raised.value.field == "starts_on"
        assert raised.value.message == f"must be between 1 January 1950 and 3 March 2036, got {limits.words(bad)}"
    assert limits.check_optional_date(None, "starts_on") is None
    assert limits.date_problem(datetime(2026, 3, 3, 9, 0), TODAY) is not None  # a time is not a date


@given(st.dates(), st.integers(min_value=-5_000_000, max_value=5_000_000))
def test_adding_days_holds_at_the_ends_of_the_calendar(day: date, days: int) -> None:
    moved = limits.add_days(day, days)
    try:
        assert moved == day + timedelta(days=days)
    except OverflowError:
        assert moved == (date.max if days > 0 else date.min)


@given(st.dates(), st.integers(min_value=-200_000, max_value=200_000))
def test_adding_months_holds_at_the_ends_of_the_calendar(day: date, months: int) -> None:
    moved = limits.add_months(day, months)
    index = day.year * 12 + day.month - 1 + months
    if index >= (date.max.year + 1) * 12:
        assert moved == date.max
    elif index < date.min.year * 12:
        assert moved == date.min
    else:
        year, month = divmod(index, 12)
        assert moved == date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


@pytest.mark.parametrize("cadence", ["weekly", "fortnightly", "six-weekly", "monthly"])
@pytest.mark.parametrize("starts_on", [FAR, date(9999, 12, 28), date.max, date(9998, 6, 1)])
def test_a_series_stops_where_the_calendar_ends(cadence: str, starts_on: date) -> None:
    days = calendar.meeting_dates("tue-pm", cadence, 100, starts_on)
    assert len(days) < 100
    assert all(d.weekday() == 1 and d >= starts_on for d in days)
    assert days == sorted(set(days))


def test_the_first_meeting_holds_at_the_end_of_the_calendar() -> None:
    assert calendar.first_meeting("tue-pm", FAR) == date(9999, 12, 21)
    assert calendar.first_meeting("tue-pm", date(9999, 12, 29)) == date.max  # no Tuesday is left
    assert calendar.meeting_dates("tue-pm", "monthly", 12, date(9999, 12, 29)) == []


def test_a_calendar_of_meetings_in_9999_parses_back() -> None:
    events = []
    for k, day in enumerate([date(2026, 3, 3), FAR, date(9999, 12, 28)]):
        start, end = calendar.meeting_window(day, "tue-pm")
        events.append(calendar.Event(uid=f"m{k}@test", starts_at=start, ends_at=end, summary=f"Meeting {k}"))
    document = icalendar.Calendar.from_ical(calendar.to_ics(events, "Set", datetime(2026, 3, 1, 9, 0)))
    assert sorted(e.decoded("dtstart").date() for e in document.walk("VEVENT")) == [date(2026, 3, 3), FAR, date(9999, 12, 28)]


def test_questionnaire_waves_of_a_programme_starting_in_9999_hold_at_the_end() -> None:
    windows = outcomes.wave_windows(FAR)
    assert [w.target for w in windows] == [FAR, date.max, date.max]
    assert all(w.opens_on <= w.target <= w.closes_on <= date.max for w in windows)
    assert outcomes.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_reach_months_hold_at_the_ends() -> None:
    assert reach.month_end(date(9999, 12, 1)) == date.max
    assert reach.month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    with pytest.raises(reach.BadRange) as raised:
        reach.parse_month("1949-12", "from")
    assert raised.value.field == "from" and "from January 1950" in str(raised.value)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("a-1,Al,org-1,9999-12-20,,", "employed_since"),
        ("a-1,Al,org-1,1900-01-01,,", "employed_since"),
        ("a-1,Al,,,true,9999-12-20", "paused_until"),
    ],
)
def test_a_csv_date_outside_the_window_is_a_bad_row(tmp_path: Path, row: str, field: str) -> None:
    (tmp_path / "organisations.csv").write_text("id,name,kind,region\norg-1,Org,voluntary,london\n")
    (tmp_path / "assessors.csv").write_text("id,name,organisation_id,employed_since,paused,paused_until\n" + row + "\n")
    plan = read_dir(tmp_path)
    assert [(e.file, e.line, e.field) for e in plan.errors] == [("assessors.csv", 2, field)]
    assert plan.errors[0].message.startswith("must be between 1 January 1950 and ")
    assert len(plan.bundle.assessors) == 0


def test_a_contact_since_outside_the_window_is_a_bad_row(tmp_path: Path) -> None:
    (tmp_path / "assessors.csv").write_text("id,name\na-1,Al\na-2,Bo\n")
    (tmp_path / "contacts.csv").write_text("from_id,to_id,status,since\na-1,a-2,accepted,9999-12-20\n")
    plan = read_dir(tmp_path)
    assert [(e.file, e.line, e.field) for e in plan.errors] == [("contacts.csv", 2, "since")]
