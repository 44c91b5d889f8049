"""Domain events and the one dispatcher (issue 15), on both stores.

* each event tells exactly the people concerned, once (``api.services.notices``), and people who
  join or leave a set get their rota re-planned by the dispatcher, not by one service importing another;
* a use case's change, its audit entry and its notices commit together: a failure injected into
  the audit write or the notice write leaves nothing of the change;
* notices are stored by reference: after an erasure a notice that named the erased person reads
  "a former member" on the notices page, in the API and in another member's data export.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.services import accounts, joins, meetings, privacy, sets, suggestions
from api.services.notify import Notice, notify, render
from bridgework import create_app
from graph.embedded.store import EmbeddedStore
from graph.port import GraphStore
from graph.port_meetings import NoticeRecord
from network.domain import Assessor, Organisation, Programme, today
from network.meetings import day_words
from tests.graph.conftest import ADAPTERS, neo4j_store  # noqa: F401 - the session's Neo4j store, for the fixture below

PROGRAMME = "prog-ev"


@pytest.fixture(params=ADAPTERS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each kind (the app, ``auth`` and the pages below run on it)."""
    if request.param == "embedded":
        embedded = EmbeddedStore(tmp_path / "bridgework.sqlite3")
        embedded.ensure_schema()
        yield embedded
        embedded.close()
    else:
        neo4j: Any = request.getfixturevalue("neo4j_store")
        neo4j._wipe()
        yield neo4j


@pytest.fixture
def app(store: GraphStore) -> Flask:
    return create_app({"TESTING": True, "STORE": store})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Boom(Exception):
    """The injected failure."""


def boom(*_args: Any, **_kwargs: Any) -> Any:
    raise Boom("injected")


@dataclass
class World:
    store: GraphStore
    people: list[str]  # p0..p5, each in their own organisation, free Tuesday afternoons
    coordinator: str  # the programme's coordinator (a user id)
    users: dict[str, str]  # assessor id -> their user id

    def name(self, assessor_id: str) -> str:
        return f"Person {assessor_id[-1]}"


@pytest.fixture
def world(store: GraphStore) -> World:
    people = []
    for k in range(6):
        store.create_organisation(Organisation(id=f"org-{k}", name=f"Org {k}", kind="voluntary", region="london"))
        a = store.create_assessor(
            Assessor(id=f"p{k}", name=f"Person {k}", availability=("tue-pm",), capacity=2, discoverable=True, experience_years=k)
        )
        store.set_employer(a.id, f"org-{k}")
        people.append(a.id)
    starts = today() + timedelta(days=30)  # every meeting is still to come
    store.create_programme(
        Programme(id=PROGRAMME, name="London 2026", status="open", set_size_min=4, set_size_max=5, set_size_target=4, starts_on=starts)
    )
    for a in people[:4]:
        store.enrol(PROGRAMME, a)
    coordinator = accounts.create_user(store, "coordinator@example.org", roles=("coordinator",), programme_ids=(PROGRAMME,)).id
    users = {a: accounts.create_user(store, f"{a}@example.org", roles=("assessor",), assessor_id=a).id for a in people}
    return World(store, people, coordinator, users)


def committed(w: World) -> str:
    """Form and commit one set of p0..p3; its id."""
    view = sets.propose(w.store, PROGRAMME, sets.RunSettings(seed=1, time_limit=0))
    (record,) = sets.commit(w.store, view.record.id, view.record.version, actor_id=w.coordinator)
    assert set(record.current_member_ids) == set(w.people[:4])
    return record.id


def inbox(w: World, assessor_id: str | None = None, user_id: str | None = None) -> list[NoticeRecord]:
    return list(w.store.notices_for(assessor_id=assessor_id, user_id=user_id, limit=200).items)


def told(w: World) -> Counter[tuple[str, str]]:
    """(person or user, kind) -> how many notices, over everyone in the world."""
    counts: Counter[tuple[str, str]] = Counter()
    for a in w.people:
        counts.update((a, n.kind) for n in inbox(w, assessor_id=a))
    for u in (w.coordinator, *w.users.values()):
        counts.update((u, n.kind) for n in inbox(w, user_id=u))
    return counts


def words(w: World, assessor_id: str | None = None, user_id: str | None = None) -> list[str]:
    """The person's notices as they read them: subject, then body."""
    records = inbox(w, assessor_id, user_id)
    return [f"{x.subject} | {x.body}" for x in render(w.store, records)]


def audited(w: World, action: str) -> list[Any]:
    return list(w.store.list_audit(limit=200, action=action).items)


# -- who is told --------------------------------------------------------------------------------


def test_a_commit_tells_each_placed_member_which_set_they_are_in(world: World) -> None:
    set_id = committed(world)
    assert told(world) == Counter({(a, "placed"): 1 for a in world.people[:4]})
    (text,) = words(world, "p0")
    name = world.store.get_set(set_id).set.name
    assert text.startswith(f"You are in {name} | You are in {name}, meeting Tuesday afternoons.")  # the name says its programme
    (notice,) = inbox(world, "p0")
    assert notice.refs == {"set": set_id, "how": "commit"} and notice.subject == "" and notice.link == f"/sets/{set_id}"


def test_a_contact_request_tells_the_person_asked_and_its_acceptance_the_person_who_asked(world: World) -> None:
    suggestions.request_contact(world.store, "p4", "p0")
    assert told(world) == Counter({("p0", "contact_requested"): 1})
    assert words(world, "p0") == [
        "Person 4 would like to connect | Person 4 has asked to become your peer contact. "
        "Accept or decline the request on your contacts page."
    ]
    suggestions.accept_request(world.store, "p0", "p4")
    assert told(world) == Counter({("p0", "contact_requested"): 1, ("p4", "contact_accepted"): 1})
    assert words(world, "p4")[0].startswith("Person 0 accepted your contact request | ")


def test_a_moved_meeting_tells_every_member_but_the_mover(world: World) -> None:
    set_id = committed(world)
    first = meetings.ensure_meetings(world.store, set_id)[0]
    before = told(world)
    meetings.move_meeting(world.store, first.id, first.on + timedelta(days=7), "tue-pm", actor_id=world.users["p0"])
    after = told(world) - before
    assert after == Counter({(a, "meeting_moved"): 1 for a in ("p1", "p2", "p3")})
    moved = [t for t in words(world, "p1") if "moved" in t][0]
    assert f"Person 0 moved the meeting of {world.store.get_set(set_id).set.name} from {day_words(first.on)}" in moved
    # moved by the coordinator (no member), everyone is told
    meetings.move_meeting(world.store, first.id, first.on + timedelta(days=14), "tue-pm", actor_id=world.coordinator)
    assert told(world) - before == Counter({(a, "meeting_moved"): 1 for a in ("p1", "p2", "p3")}) + Counter(
        {(a, "meeting_moved"): 1 for a in world.people[:4]}
    )


def test_a_moved_meeting_title_reads_without_a_second_colon(world: World) -> None:
    """Set names read "Programme: set 3"; the title was "Programme: set 3: a meeting moved to ..."."""
    set_id = committed(world)
    name = world.store.get_set(set_id).set.name
    assert ":" in name
    first = meetings.ensure_meetings(world.store, set_id)[0]
    meetings.move_meeting(world.store, first.id, first.on + timedelta(days=7), "tue-pm", actor_id=world.users["p0"])
    subject = [t for t in words(world, "p1") if "moved" in t][0].split(" | ")[0]
    assert subject.startswith(f"A meeting of {name} moved to ")
    assert subject.count(":") == name.count(":")


def test_a_swapped_turn_tells_the_other_member(world: World) -> None:
    set_id = committed(world)
    stored = meetings.ensure_meetings(world.store, set_id)
    mine, theirs = next(
        (m, t)
        for m in stored
        if m.facilitator == "p0"
        for t in stored
        if t.facilitator not in (None, "p0") and t.facilitator not in m.presenters and "p0" not in t.presenters
    )
    other = theirs.facilitator
    assert other is not None
    before = told(world)
    meetings.swap_turn(world.store, set_id, mine.id, "facilitator", "p0", other, with_meeting_id=theirs.id, actor_id=world.users["p0"])
    assert told(world) - before == Counter({(other, "turn_swapped"): 1})
    swapped = [t for t in words(world, other) if "swapped" in t][0]
    assert swapped.startswith("Your turn to facilitate was swapped with Person 0 | ")
    assert f"you now facilitate on {day_words(mine.on)}; Person 0 facilitates on {day_words(theirs.on)}." in swapped


def test_filling_a_place_tells_the_newcomer_and_the_members_and_replans_the_rota(world: World) -> None:
    set_id = committed(world)
    meetings.ensure_meetings(world.store, set_id)
    before = told(world)
    world.store.enrol(PROGRAMME, "p4")
    sets.fill_vacancy(world.store, set_id, "p4", actor_id=world.coordinator)
    assert told(world) - before == Counter({("p4", "placed"): 1} | {(a, "member_joined"): 1 for a in world.people[:4]})
    assert any(t.startswith("Person 4 has joined ") for t in words(world, "p1"))
    assert "placed you in" in [t for t in words(world, "p4")][0]
    turns = [a for m in world.store.meetings_of_set(set_id) for a in (m.facilitator, *m.presenters)]
    assert "p4" in turns  # the dispatcher re-planned the coming meetings


def test_leaving_tells_the_others_and_replans_the_rota(world: World) -> None:
    set_id = committed(world)
    meetings.ensure_meetings(world.store, set_id)
    before = told(world)
    sets.leave_set(world.store, set_id, "p3", actor_id=world.coordinator)
    assert told(world) - before == Counter({(a, "member_left"): 1 for a in ("p0", "p1", "p2")})
    assert all("p3" not in (m.facilitator, *m.presenters) for m in world.store.meetings_of_set(set_id))


def test_a_join_is_asked_of_the_coordinators_and_decided_for_the_asker(world: World) -> None:
    set_id = committed(world)
    before = told(world)
    declined = joins.request_join(world.store, set_id, "p4", actor_id=world.users["p4"])
    joins.decide(world.store, declined.id, "declined", actor_id=world.coordinator, note="This set is full after today")
    (text,) = words(world, "p4")
    assert "was declined. The coordinator's note: This set is full after today" in text
    asked = joins.request_join(world.store, set_id, "p5", actor_id=world.users["p5"])
    count = told(world)
    assert count - before == Counter({(world.coordinator, "join_request"): 2, ("p4", "join_decided"): 1})  # not the members yet
    assert words(world, user_id=world.coordinator)[0].startswith("Person 5 asked to join ")
    withdrawn = joins.decide(world.store, asked.id, "withdrawn", actor_id=world.users["p5"])
    assert withdrawn.status == "withdrawn" and told(world) == count  # withdrawing tells nobody
    again = joins.request_join(world.store, set_id, "p5", actor_id=world.users["p5"])
    joins.decide(world.store, again.id, "accepted", actor_id=world.coordinator)
    assert told(world) - count == Counter(
        {(world.coordinator, "join_request"): 1, ("p5", "join_decided"): 1} | {(a, "member_joined"): 1 for a in world.people[:4]}
    )
    assert words(world, "p5")[0].startswith(f"You have joined {world.store.get_set(set_id).set.name} | ")


def test_opening_a_programme_tells_its_other_coordinators_only(world: World) -> None:
    world.store.create_programme(Programme(id="prog-2", name="Leeds 2027", status="draft"))
    second = accounts.create_user(world.store, "second@example.org", roles=("coordinator",), programme_ids=("prog-2",)).id
    first = world.coordinator
    accounts.set_scopes(world.store, first, actor_id=None, assessor_id=None, organisation_ids=(), programme_ids=(PROGRAMME, "prog-2"))
    sets.update_programme(world.store, "prog-2", {"status": "open"}, actor_id=first)
    assert [n.kind for n in inbox(world, user_id=second)] == ["programme_opened"] and told(world) == Counter()  # not the opener
    assert words(world, user_id=second)[0].startswith("Leeds 2027 is open for enrolment | ")
    created = sets.create_programme(world.store, Programme(id="prog-3", name="York", status="open"), actor_id=first)
    assert created.status == "open" and told(world) == Counter() and len(inbox(world, user_id=second)) == 1  # its creator knows


def test_a_set_at_risk_tells_the_coordinators_once_a_week(world: World) -> None:
    set_id = committed(world)
    sets.leave_set(world.store, set_id, "p3", actor_id=world.coordinator)  # 3 members, below the minimum of 4
    day = today()
    view = meetings.tell_coordinators_of_risk(world.store, PROGRAMME, day)
    assert [h.set_id for h in view.at_risk] == [set_id]
    meetings.tell_coordinators_of_risk(world.store, PROGRAMME, day)  # again the same week: nobody is told twice
    assert [n.kind for n in inbox(world, user_id=world.coordinator)] == ["set_at_risk"]
    text = words(world, user_id=world.coordinator)[0]
    assert "is at risk: it has fewer members than the programme's minimum." in text
    assert render(world.store, inbox(world, user_id=world.coordinator))[0].link == f"/programmes/{PROGRAMME}/health"


def test_reminders_are_notices_by_reference_and_questionnaires_due_are_events(world: World) -> None:
    set_id = committed(world)
    first = meetings.ensure_meetings(world.store, set_id)[0]
    report = meetings.send_reminders(world.store, first.on - timedelta(days=1))
    assert report.by_kind["meeting"] == 4 and report.new == report.due
    again = meetings.send_reminders(world.store, first.on - timedelta(days=1))
    assert again.new == 0 and again.due == report.due
    reminder = next(n for n in inbox(world, "p1") if n.kind == "meeting")
    assert reminder.subject == "" and reminder.refs is not None and reminder.refs["set"] == set_id
    (worded,) = render(world.store, [reminder])
    assert worded.subject.startswith(f"{world.store.get_set(set_id).set.name} meets on {day_words(first.on)} at ")


# -- one unit of work: nothing of the change remains when its audit entry or its notices fail -----


@pytest.mark.parametrize("broken", ["record_audit", "add_notices"])
def test_a_commit_whose_audit_or_notices_fail_leaves_nothing(world: World, monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    view = sets.propose(world.store, PROGRAMME, sets.RunSettings(seed=1, time_limit=0))
    monkeypatch.setattr(world.store, broken, boom)
    with pytest.raises(Boom):
        sets.commit(world.store, view.record.id, view.record.version, actor_id=world.coordinator)
    monkeypatch.undo()
    assert world.store.sets_of_programme(PROGRAMME) == []
    assert world.store.get_proposal(view.record.id).status == "open"
    assert all(not world.store.sets_of_assessor(a) for a in world.people)
    assert audited(world, "sets:commit") == [] and told(world) == Counter()
    (record,) = sets.commit(world.store, view.record.id, view.record.version, actor_id=world.coordinator)  # and it can be done again
    assert len(audited(world, "sets:commit")) == 1 and told(world)[("p0", "placed")] == 1


@pytest.mark.parametrize("broken", ["record_audit", "add_notices"])
def test_a_move_whose_audit_or_notices_fail_leaves_the_meeting_where_it_was(
    world: World, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    set_id = committed(world)
    first = meetings.ensure_meetings(world.store, set_id)[0]
    before = told(world)
    monkeypatch.setattr(world.store, broken, boom)
    with pytest.raises(Boom):
        meetings.move_meeting(world.store, first.id, first.on + timedelta(days=7), "tue-pm", actor_id=world.users["p0"])
    monkeypatch.undo()
    assert world.store.get_meeting(first.id) == first
    assert audited(world, "meetings:move") == [] and told(world) == before


def test_an_acceptance_whose_notice_fails_leaves_the_request_waiting(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    suggestions.request_contact(world.store, "p4", "p0")
    before = told(world)
    monkeypatch.setattr(world.store, "add_notices", boom)
    with pytest.raises(Boom):
        suggestions.accept_request(world.store, "p0", "p4")
    monkeypatch.undo()
    assert [(c.status, c.from_id) for c in world.store.contacts_of("p0")] == [("requested", "p4")]
    assert told(world) == before


@pytest.mark.parametrize("broken", ["record_audit", "add_notices"])
def test_an_accepted_join_whose_audit_or_notices_fail_leaves_no_member_and_the_rota_as_it_was(
    world: World, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    set_id = committed(world)
    rota = meetings.ensure_meetings(world.store, set_id)
    asked = joins.request_join(world.store, set_id, "p5", actor_id=world.users["p5"])
    before = told(world)
    monkeypatch.setattr(world.store, broken, boom)
    with pytest.raises(Boom):
        joins.decide(world.store, asked.id, "accepted", actor_id=world.coordinator)
    monkeypatch.undo()
    assert "p5" not in world.store.get_set(set_id).current_member_ids
    assert world.store.get_join_request(asked.id).status == "requested"
    assert world.store.meetings_of_set(set_id) == rota
    assert audited(world, "joins:accepted") == [] and told(world) == before


# -- notices by reference: an erased person reads as "a former member" everywhere ----------------


def test_after_an_erasure_a_notice_naming_the_person_reads_a_former_member_everywhere(
    world: World, client: FlaskClient, app: Flask
) -> None:
    suggestions.request_contact(world.store, "p4", "p0")
    set_id = committed(world)
    meetings.ensure_meetings(world.store, set_id)
    sets.leave_set(world.store, set_id, "p3", actor_id=world.coordinator)  # p0 is told "Person 3 has left ..."
    notify(world.store, [Notice("old:1", None, "p0", "meeting", "Stored with its words", "Before notices were by reference.")])
    assert any("Person 4 would like to connect" in t for t in words(world, "p0"))
    privacy.erase(world.store, "p4", actor_id=None)
    privacy.erase(world.store, "p3", actor_id=None)

    read = words(world, "p0")
    assert any(t.startswith("A former member would like to connect | A former member has asked") for t in read)
    assert any(t.startswith("A former member has left ") for t in read)
    assert any(t == "Stored with its words | Before notices were by reference." for t in read)  # old rows read as stored
    with app.app_context():
        issued = accounts.issue_token(world.store, world.users["p0"], "test", days=1)
    headers = {"Authorization": f"Bearer {issued.secret}"}
    api = client.get("/api/v1/me/notices", headers=headers)
    assert api.status_code == 200
    subjects = [n["subject"] for n in api.get_json()["items"]]
    assert "A former member would like to connect" in subjects and any(s.startswith("A former member has left") for s in subjects)
    page = client.get("/me/notices", headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "A former member would like to connect" in html and "A former member has left" in html
    export = client.get("/api/v1/assessors/p0/export", headers=headers)
    assert export.status_code == 200
    exported = export.get_json()["meetings"]["notices"]
    assert any(n["subject"] == "A former member would like to connect" for n in exported)
    for text in (api.get_data(as_text=True), html, export.get_data(as_text=True)):
        assert "Person 4" not in text and "Person 3" not in text


def test_the_former_member_placeholder_reads_as_a_former_member(world: World) -> None:
    set_id = committed(world)
    meetings.ensure_meetings(world.store, set_id)
    placeholder = privacy.erase(world.store, "p2", actor_id=None).placeholder_id
    assert placeholder is not None and world.store.get_assessor(placeholder).name == "Former member"
    notify(world.store, [Notice("ref:1", None, "p0", "member_left", "", "", None, None, {"set": set_id, "who": placeholder})])
    (notice,) = [n for n in inbox(world, "p0") if n.key == "ref:1"]
    assert render(world.store, [notice])[0].subject.startswith("A former member has left ")
