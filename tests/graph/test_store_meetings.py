"""Contract: meetings of sets (materialise, turns, moves, links, attendance, actions, health reads) and the notice outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_meetings import MeetingPlan, NoticeRecord, TurnChange, meeting_id
from graph.port_sets import NewSet
from network.domain import ActionLearningSet, Assessor, Organisation, Programme

JOINED = date(2026, 1, 5)
DAYS = [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 14)]


@dataclass
class World:
    org: Organisation
    other: Organisation
    people: list[Assessor]
    programme: Programme
    set_id: str
    outsider: str

    def ids(self, *ns: int) -> tuple[str, ...]:
        return tuple(self.people[n].id for n in ns)


@pytest.fixture
def world(store: GraphStore, make) -> World:
    org, other = make.org(0), make.org(1, kind="nhs_trust")
    store.create_organisation(org)
    store.create_organisation(other)
    people = [make.assessor(n, availability=("tue-pm",), email=f"p{n}@example.org") for n in range(5)]
    for n, a in enumerate(people):
        store.create_assessor(a)
        store.set_employer(a.id, (org if n % 2 == 0 else other).id)
    programme = store.create_programme(Programme(id=make.id("prog"), name="P", set_size_min=3))
    for a in people:
        store.enrol(programme.id, a.id, on=date(2025, 12, 1))
    s = ActionLearningSet(
        id=make.id("set"), name="Set 1", programme_id=programme.id, status="active", meeting_slot="tue-pm", starts_on=DAYS[0]
    )
    store.commit_sets(programme.id, [NewSet(s, tuple(a.id for a in people[:4]))], JOINED)
    return World(org, other, people, programme, s.id, people[4].id)


def plans(w: World) -> list[MeetingPlan]:
    a, b, c, d = w.ids(0, 1, 2, 3)
    turns = [(a, (b,)), (b, (c,)), (c, (d,)), (d, (a,))]
    return [MeetingPlan(w.set_id, n + 1, day, "tue-pm", f, p) for n, (day, (f, p)) in enumerate(zip(DAYS, turns, strict=True))]


def test_materialise_once_and_read_back(store: GraphStore, world: World) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    assert [m.number for m in made] == [1, 2, 3, 4]
    assert made[0].id == meeting_id(world.set_id, 1)
    assert (made[0].facilitator, made[0].presenters, made[0].on, made[0].slot) == (
        world.people[0].id,
        (world.people[1].id,),
        DAYS[0],
        "tue-pm",
    )
    # A second materialisation (another server, a re-read) changes nothing.
    other = [MeetingPlan(world.set_id, 1, DAYS[1], "tue-pm", world.people[3].id, ())]
    assert store.create_meetings(world.set_id, other) == made
    assert store.meetings_of_set(world.set_id) == made
    assert store.get_meeting(made[2].id) == made[2]


def test_materialise_refuses_strangers_and_unknown_sets(store: GraphStore, world: World) -> None:
    with pytest.raises(NotFound):
        store.create_meetings("no-such-set", [])
    with pytest.raises(Invalid):
        store.create_meetings(world.set_id, [MeetingPlan(world.set_id, 1, DAYS[0], "tue-pm", world.outsider, ())])
    assert store.meetings_of_set(world.set_id) == []
    with pytest.raises(NotFound):
        store.meetings_of_set("no-such-set")
    with pytest.raises(NotFound):
        store.get_meeting("no-such-meeting")


def test_set_turns_swaps_all_or_nothing_and_keeps_actions(store: GraphStore, world: World) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    a, b, c, d = world.ids(0, 1, 2, 3)
    store.set_action(made[0].id, b, "Ask my manager about supervision")
    # a and b swap facilitating meeting 1 and 2.
    changed = store.set_turns(
        world.set_id,
        [
            TurnChange(made[0].id, b, (c,), a, (b,)),
            TurnChange(made[1].id, a, (c,), b, (c,)),
        ],
    )
    assert [(m.facilitator, m.presenters) for m in changed] == [(b, (c,)), (a, (c,))]
    assert changed[0].actions == ()  # b no longer presents at meeting 1 and got no presenter turn: never handed to c
    after = store.meetings_of_set(world.set_id)
    assert after[2:] == made[2:]  # nobody else's turns changed
    # Stale expectations: nothing written.
    with pytest.raises(Conflict):
        store.set_turns(world.set_id, [TurnChange(made[2].id, d, (c,), c, (d,)), TurnChange(made[0].id, c, (), a, (b,))])
    assert store.meetings_of_set(world.set_id) == after
    # Someone outside the set, or the same person in both roles: Invalid, nothing written.
    with pytest.raises(Invalid):
        store.set_turns(world.set_id, [TurnChange(made[2].id, world.outsider, (d,), c, (d,))])
    with pytest.raises(Invalid):
        store.set_turns(world.set_id, [TurnChange(made[2].id, d, (d,), c, (d,))])
    assert store.meetings_of_set(world.set_id) == after


def test_an_exchange_of_presenter_turns_moves_each_action_with_its_presenter(store: GraphStore, world: World) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    a, b, c, d = world.ids(0, 1, 2, 3)
    store.set_action(made[0].id, b, "Ask my manager about cover")
    store.set_action(made[2].id, d, "Write to the court team")
    # b presents at meeting 1 and d at meeting 3; they exchange those two turns.
    changed = store.set_turns(world.set_id, [TurnChange(made[0].id, a, (d,), a, (b,)), TurnChange(made[2].id, c, (b,), c, (d,))])
    assert [(m.presenters, m.actions) for m in changed] == [
        ((d,), ((d, "Write to the court team"),)),
        ((b,), ((b, "Ask my manager about cover"),)),
    ]
    after = store.meetings_of_set(world.set_id)
    assert [m.actions for m in after] == [((d, "Write to the court team"),), (), ((b, "Ask my manager about cover"),), ()]


def test_presenter_keeps_action_when_turns_are_replanned(store: GraphStore, world: World) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    a, b, c, d = world.ids(0, 1, 2, 3)
    store.set_action(made[0].id, b, "Write to the team")
    changed = store.set_turns(world.set_id, [TurnChange(made[0].id, c, (b,), a, (b,))])
    assert changed[0].actions == ((b, "Write to the team"),)
    with pytest.raises(Invalid):
        store.set_action(made[0].id, a, "not a presenter")
    cleared = store.set_action(made[0].id, b, None)
    assert cleared.actions == ()


def test_held_meetings_are_history(store: GraphStore, world: World) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    a, b, c, d = world.ids(0, 1, 2, 3)
    held = store.record_attendance(made[0].id, {a: "attended", b: "apologies", c: "absent"})
    assert held.held and held.status_of(b) == "apologies" and held.status_of(d) is None
    with pytest.raises(Conflict):
        store.set_turns(world.set_id, [TurnChange(made[0].id, c, (), a, (b,))])
    with pytest.raises(Conflict):
        store.move_meeting(made[0].id, date(2026, 1, 20), "tue-pm", DAYS[0])
    # Correcting attendance replaces the member's status.
    again = store.record_attendance(made[0].id, {c: "attended"})
    assert again.attendance == tuple(sorted([(a, "attended"), (b, "apologies"), (c, "attended")]))


def test_attendance_for_someone_never_in_the_set_writes_nothing(store: GraphStore, world: World) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    with pytest.raises(Invalid):
        store.record_attendance(made[0].id, {world.people[0].id: "attended", world.outsider: "attended"})
    with pytest.raises(Invalid):
        store.record_attendance(made[0].id, {world.people[0].id: "asleep"})
    assert store.get_meeting(made[0].id).attendance == ()


def test_move_and_video_link(store: GraphStore, world: World) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    moved = store.move_meeting(made[1].id, date(2026, 2, 12), "thu-am", DAYS[1])
    assert (moved.on, moved.slot, moved.moved_from) == (date(2026, 2, 12), "thu-am", DAYS[1])
    with pytest.raises(Conflict):  # stale: it is no longer on DAYS[1]
        store.move_meeting(made[1].id, date(2026, 2, 19), "thu-am", DAYS[1])
    with pytest.raises(Conflict):  # the set already meets that day
        store.move_meeting(made[1].id, DAYS[2], "tue-pm", date(2026, 2, 12))
    again = store.move_meeting(made[1].id, date(2026, 2, 17), "tue-pm", date(2026, 2, 12))
    assert again.moved_from == DAYS[1]  # where the rota first put it
    assert store.set_video_link([m.id for m in made[1:]], "https://meet.example.org/abc") == 3
    links = [m.video_link for m in store.meetings_of_set(world.set_id)]
    assert links == [None, "https://meet.example.org/abc", "https://meet.example.org/abc", "https://meet.example.org/abc"]
    with pytest.raises(NotFound):
        store.set_video_link([made[0].id, "nope:1"], "https://x.example.org")
    assert store.get_meeting(made[0].id).video_link is None


def test_programme_activity_participation_and_upcoming(store: GraphStore, world: World) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    a, b, c, d = world.ids(0, 1, 2, 3)
    store.record_attendance(made[0].id, {a: "attended", b: "absent", c: "attended", d: "attended"})
    store.end_membership(world.set_id, d, date(2026, 2, 1))
    activity = store.programme_activity(world.programme.id)
    assert [s.set_id for s in activity] == [world.set_id]
    assert set(activity[0].current_members) == {a, b, c}
    assert [m.number for m in activity[0].meetings] == [1, 2, 3, 4]
    assert activity[0].meetings[0].status_of(b) == "absent"
    with pytest.raises(NotFound):
        store.programme_activity("no-such-programme")

    rows = store.participation(world.org.id)  # people 0 and 2 work for org
    assert [(r.assessor_id, r.set_id) for r in rows] == [(a, world.set_id), (c, world.set_id)]
    assert rows[0].attendance == ((DAYS[0], "attended"),)
    assert rows[0].left is None and rows[0].joined == JOINED
    with pytest.raises(NotFound):
        store.participation("no-such-org")

    upcoming = store.meetings_between(DAYS[1], DAYS[2])
    assert [u.meeting.number for u in upcoming] == [2, 3]
    assert set(upcoming[0].members) == {a, b, c} and upcoming[0].set_name == "Set 1"
    store.set_set_status(world.set_id, "closed", on=date(2026, 2, 2))
    assert store.meetings_between(DAYS[1], DAYS[2]) == []


def test_sets_without_meetings(store: GraphStore, world: World) -> None:
    assert store.sets_without_meetings() == [world.set_id]
    store.create_meetings(world.set_id, plans(world))
    assert store.sets_without_meetings() == []


# -- notices ------------------------------------------------------------------------------------


def notice(key: str, assessor_id: str | None = None, user_id: str | None = None, **changes) -> NoticeRecord:
    fields = {"key": key, "kind": "meeting", "subject": f"Subject {key}", "body": "Body", "assessor_id": assessor_id, "user_id": user_id}
    return NoticeRecord(**(fields | changes))


def test_notices_are_stored_once_per_key(store: GraphStore, make) -> None:
    at = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    a = make.id("a")
    first = store.add_notices([notice("k1", a, due_on=date(2026, 3, 3), link="/sets/x"), notice("k2", a)], at)
    assert first == ["k1", "k2"]
    again = store.add_notices([notice("k2", a, subject="changed"), notice("k3", a), notice("k1", a)], at + timedelta(hours=1))
    assert again == ["k3"]
    page = store.notices_for(assessor_id=a)
    assert [n.key for n in page.items] == ["k3", "k1", "k2"]  # newest first, then key
    k1 = page.items[1]
    assert (k1.subject, k1.due_on, k1.link, k1.status, k1.created_at) == ("Subject k1", date(2026, 3, 3), "/sets/x", "pending", at)
    assert store.notices_for(assessor_id=a).items[2].subject == "Subject k2"  # not overwritten


def test_a_notice_by_reference_keeps_its_refs_and_its_names_are_read_as_they_are_now(store: GraphStore, world: World) -> None:
    at = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    a, b = world.ids(0, 1)
    refs = {"set": world.set_id, "by": b, "on": "2026-03-10"}
    assert store.add_notices([notice("r1", a, subject="", body="", kind="meeting_moved", refs=refs), notice("plain", a)], at) == [
        "r1",
        "plain",
    ]
    stored = {n.key: n for n in store.notices_for(assessor_id=a).items}
    assert stored["r1"].refs == refs and (stored["r1"].subject, stored["r1"].body) == ("", "")
    assert stored["plain"].refs is None and stored["plain"].subject == "Subject plain"
    assert [n.refs for n in store.undelivered_notices()] == [None, refs]  # oldest first, then by key: "plain", "r1"
    subjects = store.notice_subjects([a, b, "nobody"], [world.set_id, "no-set"], [world.programme.id, "no-programme"])
    assert subjects.people == {a: world.people[0].name, b: world.people[1].name}
    label = subjects.sets[world.set_id]
    assert (label.name, label.meeting_slot, label.programme_id, label.programme_name) == ("Set 1", "tue-pm", world.programme.id, "P")
    assert set(subjects.sets) == {world.set_id} and subjects.programmes == {world.programme.id: "P"}
    empty = store.notice_subjects()
    assert (empty.people, empty.sets, empty.programmes) == ({}, {}, {})
    # after an erasure the erased person's id is simply not found (the notices that name them read "a former member")
    store.erase_assessor(b, Assessor(id=world.ids(4)[0] + "-former", name="Former member", active=False), date(2026, 3, 2))
    assert store.notice_subjects([a, b]).people == {a: world.people[0].name}
    assert {n.key: n.refs for n in store.notices_for(assessor_id=a).items}["r1"] == refs  # a's notice still names b by id only


def test_notices_for_pages_and_addresses(store: GraphStore, make) -> None:
    at = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    a, u = make.id("a"), make.id("u")
    store.add_notices([notice(f"n{i}", a) for i in range(5)] + [notice("mine", user_id=u), notice("other", make.id("b"))], at)
    seen, after = [], None
    while True:
        page = store.notices_for(assessor_id=a, limit=2, after=after)
        seen += [n.key for n in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == ["n0", "n1", "n2", "n3", "n4"]
    both = store.notices_for(assessor_id=a, user_id=u)
    assert {n.key for n in both.items} == {"n0", "n1", "n2", "n3", "n4", "mine"}
    assert store.notices_for(user_id=u).items[0].key == "mine"
    assert store.notices_for(assessor_id=a, after="unknown-key").items == []


def test_delivery_marks(store: GraphStore, make) -> None:
    at = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    a = make.id("a")
    store.add_notices([notice("k1", a), notice("k2", a), notice("k3", a)], at)
    assert [n.key for n in store.undelivered_notices()] == ["k1", "k2", "k3"]
    assert store.mark_notices(["k1", "k2"], "sent", at, via="outbox") == 2
    assert store.mark_notices(["k3"], "failed", at, via="smtp", error="no e-mail address") == 1
    left = store.undelivered_notices()
    assert [(n.key, n.status, n.error) for n in left] == [("k3", "failed", "no e-mail address")]
    sent = {n.key: n for n in store.notices_for(assessor_id=a).items}["k1"]
    assert (sent.status, sent.via, sent.sent_at) == ("sent", "outbox", at)
    with pytest.raises(Invalid):
        store.mark_notices(["k1"], "lost", at)


def test_erasure_hands_meeting_roles_to_the_former_member_placeholder(store: GraphStore, world: World, make) -> None:
    made = store.create_meetings(world.set_id, plans(world))
    a, b, c, d = world.ids(0, 1, 2, 3)
    store.set_action(made[0].id, b, "Private to b")
    store.record_attendance(made[0].id, {a: "attended", b: "attended", c: "absent"})
    at = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    store.add_notices([notice("for-b", b), notice("for-a", a)], at)
    placeholder = Assessor(id=make.id("former"), name="Former member", active=False)
    store.erase_assessor(b, placeholder, date(2026, 3, 2))
    after = store.meetings_of_set(world.set_id)
    p = placeholder.id
    assert after[0].presenters == (p,) and after[0].actions == ()  # the turn stays, the private action does not
    assert after[1].facilitator == p
    assert after[0].status_of(p) == "attended" and after[0].status_of(b) is None
    assert store.notices_for(assessor_id=b).items == []
    assert [n.key for n in store.notices_for(assessor_id=a).items] == ["for-a"]
