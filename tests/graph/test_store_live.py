"""Contract: the live state of meetings (issue 19) on both stores: versioned saves, reads, per-set listings, races."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from graph.port import Conflict, GraphStore, NotFound
from graph.port_meetings import MeetingPlan, meeting_id
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Programme

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
DAYS = [date(2026, 3, 10), date(2026, 3, 24)]


def _set(store: GraphStore, make, n: int) -> str:
    org = make.org(n)
    store.create_organisation(org)
    people = [make.assessor(10 * n + k, availability=("tue-pm",)) for k in range(3)]
    for a in people:
        store.create_assessor(a)
        store.set_employer(a.id, org.id)
    programme = store.create_programme(Programme(id=make.id(f"prog{n}"), name="P", set_size_min=3))
    for a in people:
        store.enrol(programme.id, a.id, on=date(2026, 1, 1))
    s = ActionLearningSet(
        id=make.id(f"set{n}"), name="Set", programme_id=programme.id, status="active", meeting_slot="tue-pm", starts_on=DAYS[0]
    )
    store.commit_sets(programme.id, [NewSet(s, tuple(a.id for a in people))], date(2026, 1, 5))
    store.create_meetings(s.id, [MeetingPlan(s.id, k + 1, d, "tue-pm", people[0].id, (people[1].id,)) for k, d in enumerate(DAYS)])
    return s.id


@pytest.fixture
def set_id(store: GraphStore, make) -> str:
    return _set(store, make, 1)


def test_a_meeting_is_not_live_until_first_saved(store: GraphStore, set_id: str) -> None:
    m = meeting_id(set_id, 1)
    assert store.get_live_meeting(m) is None
    assert store.live_version(m) == 0
    saved = store.save_live_meeting(m, {"phase": "checkin", "joined": ["a"]}, None, 0, T0)
    assert (saved.meeting_id, saved.set_id, saved.version, dict(saved.state), saved.note) == (
        m,
        set_id,
        1,
        {"phase": "checkin", "joined": ["a"]},
        None,
    )
    assert saved.updated_at == T0
    assert store.get_live_meeting(m) == saved
    assert store.live_version(m) == 1


def test_each_save_needs_the_version_it_read(store: GraphStore, set_id: str) -> None:
    m = meeting_id(set_id, 1)
    store.save_live_meeting(m, {"phase": "checkin"}, None, 0, T0)
    second = store.save_live_meeting(m, {"phase": "bids"}, "ask for bids sooner", 1, T0 + timedelta(minutes=5))
    assert (second.version, second.state["phase"], second.note) == (2, "bids", "ask for bids sooner")
    with pytest.raises(Conflict):
        store.save_live_meeting(m, {"phase": "review"}, None, 1, T0 + timedelta(minutes=6))  # stale: someone saved version 2
    with pytest.raises(Conflict):
        store.save_live_meeting(m, {"phase": "review"}, None, 0, T0)  # already live
    assert store.get_live_meeting(m) == second


def test_unknown_meetings_are_refused(store: GraphStore, set_id: str) -> None:
    with pytest.raises(NotFound):
        store.save_live_meeting(meeting_id(set_id, 9), {"phase": "checkin"}, None, 0, T0)
    assert store.get_live_meeting(meeting_id(set_id, 9)) is None


def test_live_meetings_are_listed_by_set_and_number(store: GraphStore, make, set_id: str) -> None:
    other = _set(store, make, 2)
    for s in (set_id, other):
        for n in (2, 1):
            store.save_live_meeting(meeting_id(s, n), {"n": n}, None, 0, T0)
    listed = store.live_meetings_of_sets([other, set_id])
    assert [(r.set_id, r.meeting_id) for r in listed] == sorted(
        [(s, meeting_id(s, n)) for s in (set_id, other) for n in (1, 2)], key=lambda t: (t[0], t[1])
    )
    assert [r.meeting_id for r in store.live_meetings_of_sets([set_id])] == [meeting_id(set_id, 1), meeting_id(set_id, 2)]
    assert store.live_meetings_of_sets([]) == []


def test_two_saves_against_one_version_never_both_land(store: GraphStore, set_id: str) -> None:
    m = meeting_id(set_id, 1)
    store.save_live_meeting(m, {"who": "nobody"}, None, 0, T0)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def save(who: str) -> None:
        barrier.wait()
        try:
            store.save_live_meeting(m, {"who": who}, None, 1, T0)
            results.append(who)
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=(f"f{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r != "conflict"]
    assert len(winners) == 1, results
    final = store.get_live_meeting(m)
    assert final is not None and final.version == 2 and final.state["who"] == winners[0]


def test_a_persons_notes_are_forgotten_and_nobody_elses(store: GraphStore, set_id: str) -> None:
    one, two = meeting_id(set_id, 1), meeting_id(set_id, 2)
    store.save_live_meeting(one, {"facilitator": "fay"}, "mine", 0, T0)
    store.save_live_meeting(two, {"facilitator": "gus"}, "theirs", 0, T0)
    store.save_live_meeting(one, {"facilitator": "fay", "phase": "closed"}, "mine, later", 1, T0)
    assert store.forget_live_notes("fay") == 1
    assert store.forget_live_notes("fay") == 0
    first, second = store.get_live_meeting(one), store.get_live_meeting(two)
    assert first is not None and second is not None
    assert (first.note, first.state["phase"], second.note) == (None, "closed", "theirs")


def test_steps_that_read_with_the_lock_then_save_all_land_one_after_the_other(store: GraphStore, set_id: str) -> None:
    m = meeting_id(set_id, 1)
    store.save_live_meeting(m, {"joined": []}, None, 0, T0)
    assert store.get_live_meeting(m, lock=True) == store.get_live_meeting(m)
    errors: list[Exception] = []
    barrier = threading.Barrier(6)

    def join(who: str) -> None:
        barrier.wait()
        try:
            with store.unit_of_work(write=True):
                record = store.get_live_meeting(m, lock=True)
                assert record is not None
                store.save_live_meeting(m, {"joined": [*record.state["joined"], who]}, None, record.version, T0)
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=join, args=(f"p{k}",)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = store.get_live_meeting(m)
    assert errors == [] and final is not None
    assert final.version == 7 and sorted(final.state["joined"]) == [f"p{k}" for k in range(6)]
