"""A set whose meeting is today (UK), for the live meeting tests (issue 19): API, pages and the benchmark."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.services import meetings as meetings_service
from graph.port_sets import NewSet
from network import calendar
from network.domain import ActionLearningSet, Assessor, Organisation, Programme

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAMES = {
    "ann": "Ann Archer",
    "bob": "Bob Brown",
    "cat": "Cat Cole",
    "dan": "Dan Dale",
    "eve": "Eve Evans",
    "fay": "Fay Fox",
    "gus": "Gus Green",
    "hal": "Hal Hill",
}


def arrange_today(store: Any, members: int = 5, set_id: str = "set-1", programme_id: str = "prog") -> str:
    """A programme with one weekly set of ``members`` (two organisations) meeting today; its first meeting's id."""
    today = meetings_service.today_uk()
    slot = f"{DAYS[today.weekday()]}-pm"
    for o, name in (("org-a", "Northshire Council"), ("org-b", "Riverside Trust")):
        try:
            store.create_organisation(Organisation(id=o, name=name, kind="local_authority", region="london"))
        except Exception:  # noqa: BLE001 - a second set in the same store
            pass
    ids = list(NAMES)[:members]
    for k, aid in enumerate(ids):
        store.create_assessor(Assessor(id=aid, name=NAMES[aid], availability=(slot,), capacity=2, email=f"{aid}@example.org"))
        store.set_employer(aid, "org-a" if k % 2 == 0 else "org-b")
    store.create_programme(Programme(id=programme_id, name="London 2026", cadence="weekly", meetings=6, set_size_min=3, set_size_max=8))
    for aid in ids:
        store.enrol(programme_id, aid)
    s = ActionLearningSet(
        id=set_id,
        name="London 2026: set 1",
        programme_id=programme_id,
        status="active",
        meeting_slot=slot,
        cadence="weekly",
        starts_on=today,
    )
    store.commit_sets(programme_id, [NewSet(s, tuple(ids))], today - timedelta(days=7))
    first = meetings_service.ensure_meetings(store, set_id)[0]
    assert first.on == today and calendar.meeting_window(first.on, first.slot)[0].date() == today
    store.set_video_link([m.id for m in meetings_service.ensure_meetings(store, set_id)], "https://meet.example.org/set-1")
    return first.id
