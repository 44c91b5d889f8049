"""Each change is one use case on both stores: its writes, its audit entry and its notices land together or not at all.

A failure is injected into the last write of a use case (usually its audit entry, which the store
refuses because its id is already taken); nothing of the change may remain, and the same call
succeeds once the failure is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from api import jobs
from api.services import accounts
from api.services import joins as joins_service
from api.services import meetings as meetings_service
from api.services import notify as notify_service
from api.services import outcomes as outcomes_service
from api.services import sets as sets_service
from api.services.delivery import Mail
from api.services.usecase import use_case
from graph.port import Conflict, GraphStore
from graph.port_joins import JoinRequest
from graph.port_sets import NewSet
from network import calendar
from network.domain import ActionLearningSet, Programme
from tests.graph.conftest import Maker

JOINED = date(2026, 1, 5)  # a Monday: the set meets on Tuesday afternoons from the next day


class Boom(Exception):
    """Something going wrong after the writes of a use case."""


def refuse_the_next_audit_entry(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the store refuse the next audit entry (its id is one the store already holds): a real refusal inside the unit."""
    taken = store.record_audit(accounts.audit_entry("test:taken", "test", "taken", None))
    monkeypatch.setattr(accounts, "audit_entry", lambda *args, **kwargs: taken)


def a_set(
    store: GraphStore, make: Maker, members: int = 4, newcomers: int = 0, size_max: int = 6, **programme: Any
) -> tuple[str, list[str], list[str]]:
    """An active set of ``members`` people from different organisations (Tuesday afternoons), and ``newcomers`` who could join."""
    people = []
    for k in range(members + newcomers):
        a = store.create_assessor(make.assessor(k, name=f"Person {k}", availability=("tue-pm",), capacity=2))
        store.set_employer(a.id, store.create_organisation(make.org(k)).id)
        people.append(a.id)
    settings = {"set_size_min": 2, "set_size_max": size_max, "set_size_target": 4} | programme
    p = store.create_programme(Programme(id=make.id("prog"), name="Race", **settings))
    for a in people[:members]:
        store.enrol(p.id, a)
    set_id = make.id("set")
    the_set = ActionLearningSet(id=set_id, name="Tuesday set", programme_id=p.id, status="active", meeting_slot="tue-pm")
    store.commit_sets(p.id, [NewSet(the_set, tuple(people[:members]))], JOINED)
    return set_id, people[:members], people[members:]


def turns(store: GraphStore, set_id: str) -> list[tuple[Any, ...]]:
    return [(m.id, m.facilitator, tuple(sorted(m.presenters))) for m in store.meetings_of_set(set_id)]


def test_a_refused_audit_entry_undoes_an_accepted_join_its_rota_and_its_notices(store: GraphStore, make: Maker, monkeypatch) -> None:
    set_id, _members, [newcomer] = a_set(store, make, newcomers=1)
    meetings_service.ensure_meetings(store, set_id)
    before = turns(store, set_id)
    request = store.request_join(JoinRequest(id=make.id("jr"), set_id=set_id, assessor_id=newcomer))
    refuse_the_next_audit_entry(store, monkeypatch)
    with pytest.raises(Conflict):
        joins_service.decide(store, request.id, "accepted", actor_id=None, today=JOINED)
    monkeypatch.undo()
    assert store.get_join_request(request.id).status == "requested"
    assert newcomer not in store.get_set(set_id).current_member_ids
    assert turns(store, set_id) == before  # the rota was not re-planned for someone who did not join
    assert store.notices_for(assessor_id=newcomer).items == []  # nobody was told
    joins_service.decide(store, request.id, "accepted", actor_id=None, today=JOINED)
    assert newcomer in store.get_set(set_id).current_member_ids and turns(store, set_id) != before
    assert store.notices_for(assessor_id=newcomer).items  # told, once it happened


def test_a_refused_audit_entry_undoes_a_swap_of_turns(store: GraphStore, make: Maker, monkeypatch) -> None:
    set_id, _members, _ = a_set(store, make)
    planned = meetings_service.ensure_meetings(store, set_id)

    def involved(m: Any) -> set[str]:
        return {m.facilitator, *m.presenters}

    first, second = next(
        (m, n) for m in planned for n in planned if m.facilitator not in involved(n) and n.facilitator not in involved(m)
    )
    before = turns(store, set_id)
    refuse_the_next_audit_entry(store, monkeypatch)
    swap = (set_id, first.id, "facilitator", first.facilitator, second.facilitator)
    with pytest.raises(Conflict):
        meetings_service.swap_turn(store, *swap, with_meeting_id=second.id, today=JOINED)
    monkeypatch.undo()
    assert turns(store, set_id) == before
    meetings_service.swap_turn(store, *swap, with_meeting_id=second.id, today=JOINED)
    assert store.get_meeting(first.id).facilitator == second.facilitator


def test_a_refused_audit_entry_undoes_recorded_attendance(store: GraphStore, make: Maker, monkeypatch) -> None:
    set_id, members, _ = a_set(store, make)
    first = meetings_service.ensure_meetings(store, set_id)[0]
    started = calendar.meeting_window(first.on, first.slot)[0] + timedelta(minutes=5)
    entries = {a: "attended" for a in members}
    refuse_the_next_audit_entry(store, monkeypatch)
    with pytest.raises(Conflict):
        meetings_service.record_attendance(store, first.id, entries, now=started)
    monkeypatch.undo()
    assert store.get_meeting(first.id).attendance == () and not store.get_meeting(first.id).held
    meetings_service.record_attendance(store, first.id, entries, now=started)
    assert store.get_meeting(first.id).held


class Recording:
    """A notifier that notes what it was given and whether a unit of work was still open then."""

    name = "recording"

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.calls: list[tuple[list[str], bool]] = []

    def send(self, store: GraphStore, mails: Sequence[Mail]) -> list[str | None]:
        self.calls.append(([key for m in mails for key in m.keys], self.store.in_unit_of_work()))
        return [None for _m in mails]


def test_notices_of_a_use_case_are_stored_with_it_and_sent_only_once_it_has_committed(store: GraphStore, make: Maker) -> None:
    a = store.create_assessor(make.assessor(1)).id
    notifier = Recording(store)

    def notice(key: str) -> notify_service.Notice:
        return notify_service.Notice(key=key, user_id=None, assessor_id=a, kind="test", subject="Hello", body="A test notice.")

    @use_case
    def tells_then_fails(store: GraphStore) -> None:
        notify_service.notify(store, [notice(f"test:{make.tag}:failed")], notifier=notifier)
        raise Boom

    @use_case
    def tells(store: GraphStore) -> int:
        new = notify_service.notify(store, [notice(f"test:{make.tag}:done")], notifier=notifier)
        assert notifier.calls == []  # not yet: the change is not durable
        return new

    with pytest.raises(Boom):
        tells_then_fails(store)
    assert notifier.calls == [] and store.notices_for(assessor_id=a).items == []
    assert tells(store) == 1
    assert notifier.calls == [([f"test:{make.tag}:done"], False)]
    [stored] = store.notices_for(assessor_id=a).items
    assert stored.key == f"test:{make.tag}:done" and stored.status == "sent"


def test_a_move_and_its_audit_entry_land_together(store: GraphStore, make: Maker, monkeypatch) -> None:
    set_id, _members, _ = a_set(store, make)
    first = meetings_service.ensure_meetings(store, set_id)[0]
    later = first.on + timedelta(days=1)  # the Wednesday after: nobody said they were free then
    refuse_the_next_audit_entry(store, monkeypatch)
    with pytest.raises(Conflict):
        meetings_service.move_meeting(store, first.id, later, "wed-pm", confirm=True, today=JOINED)
    monkeypatch.undo()
    assert store.get_meeting(first.id).on == first.on
    moved, _check = meetings_service.move_meeting(store, first.id, later, "wed-pm", confirm=True, today=JOINED)
    assert moved.on == later and store.list_audit(action="meetings:move").items


def test_a_first_answer_stores_the_default_questions_with_it_or_not_at_all(store: GraphStore, make: Maker, monkeypatch) -> None:
    set_id, members, _ = a_set(store, make, status="running", starts_on=JOINED)
    programme_id = store.get_set(set_id).set.programme_id or ""
    values = {"confidence": 4, "isolation": 2, "peers": 3}

    def lost(record: Any) -> Any:
        raise Boom

    monkeypatch.setattr(store, "save_answer", lost)
    with pytest.raises(Boom):
        outcomes_service.answer(store, members[0], programme_id, "start", 0, values, JOINED)
    monkeypatch.undo()
    assert store.questionnaire_versions(programme_id) == [] and store.outcome_answers_of(members[0]) == []
    outcomes_service.answer(store, members[0], programme_id, "start", 0, values, JOINED)
    assert [q.version for q in store.questionnaire_versions(programme_id)] == [1] and store.outcome_answers_of(members[0])


def test_a_user_edit_changes_scopes_and_roles_together_or_not_at_all(store: GraphStore, make: Maker, monkeypatch) -> None:
    org = store.create_organisation(make.org(1)).id
    user = accounts.create_user(store, f"{make.tag}@example.org", roles=("coordinator",))

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise Boom

    monkeypatch.setattr(store, "update_user", lost)  # the second write of the edit (roles), after the scope links
    with pytest.raises(Boom):
        accounts.update_user(store, user.id, actor_id=None, roles=("org_admin",), organisation_ids=(org,))
    monkeypatch.undo()
    kept = store.get_user(user.id)
    assert kept.roles == ("coordinator",) and kept.organisation_ids == ()
    assert store.list_audit(action="user:scopes", target_id=user.id).items == []
    changed = accounts.update_user(store, user.id, actor_id=None, roles=("org_admin",), organisation_ids=(org,))
    assert changed.roles == ("org_admin",) and changed.organisation_ids == (org,)


def test_a_new_programme_and_its_coordinator_scope_land_together(store: GraphStore, make: Maker, monkeypatch) -> None:
    user = accounts.create_user(store, f"{make.tag}@example.org", roles=("coordinator",))
    programme = Programme(id=make.id("prog"), name="North East 2026")

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise Boom

    monkeypatch.setattr(store, "set_user_scopes", lost)
    with pytest.raises(Boom):
        sets_service.create_programme(store, programme, actor_id=user.id)
    monkeypatch.undo()
    assert store.list_programmes(limit=10).items == []
    sets_service.create_programme(store, programme, actor_id=user.id)
    assert store.get_user(user.id).programme_ids == (programme.id,)


def test_a_job_started_in_a_use_case_runs_only_once_it_has_committed(store: GraphStore, make: Maker, monkeypatch) -> None:
    started: list[tuple[str, bool, str]] = []

    def submit(job_id: str, job_store: GraphStore, work: Any, app: Any) -> None:  # instead of a pool thread: note when and what
        started.append((job_id, job_store.in_unit_of_work(), store.get_job(job_id).status))

    monkeypatch.setattr(jobs._RUNNER, "submit", submit)

    @use_case
    def starts(store: GraphStore, then_fail: bool) -> str:
        job_id = jobs.start_job("test", "u-test", lambda ctx: {}, store=store)
        assert started == []  # not while the unit is open: the job's thread would not find its record
        if then_fail:
            raise Boom
        return job_id

    with pytest.raises(Boom):
        starts(store, True)
    assert started == []
    job_id = starts(store, False)
    assert started == [(job_id, False, "queued")]
