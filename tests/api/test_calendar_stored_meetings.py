"""Calendars and rotas read a set's stored meetings (moved, swapped, linked) once it has them (issue 8)."""

from __future__ import annotations

from datetime import date

import icalendar

from api.services import sets as sets_service
from graph.port_meetings import MeetingPlan
from tests.api.test_privacy_export import _world


def test_calendars_follow_the_sets_stored_meetings_once_it_has_them(store):
    """A moved meeting, swapped turns and a video link show in the set's and the member's calendar, not the bare rota."""
    _world(store)
    [first, second] = store.create_meetings(
        "s-1",
        [
            MeetingPlan("s-1", 1, date(2026, 1, 6), "tue-pm", facilitator="ann", presenters=("bob",)),
            MeetingPlan("s-1", 2, date(2026, 2, 3), "tue-pm", facilitator="bob", presenters=("ann",)),
        ],
    )
    store.move_meeting(second.id, date(2026, 2, 5), "thu-am", expected_on=date(2026, 2, 3))
    store.set_video_link([second.id], "https://video.example.org/room-7")
    events = icalendar.Calendar.from_ical(sets_service.set_calendar(store, "s-1")).walk("VEVENT")
    assert [e.decoded("dtstart").date() for e in events] == [date(2026, 1, 6), date(2026, 2, 5)]
    assert events[1].decoded("dtstart").hour == 10  # Thursday morning now
    assert "https://video.example.org/room-7" in str(events[1].get("description"))
    mine = icalendar.Calendar.from_ical(sets_service.assessor_calendar(store, "ann")).walk("VEVENT")
    assert [str(e.get("summary")) for e in mine] == ["Tuesday set: meeting 1 (you facilitate)", "Tuesday set: meeting 2 (you present)"]
