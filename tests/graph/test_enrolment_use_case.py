"""Enrolment is one use case on both stores: a batch lands whole (with one audit entry) or not at all."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from api.services import accounts, enrolment
from graph.port import Conflict, GraphStore, Invalid, NotFound
from network.domain import Programme
from tests.graph.conftest import Maker


class Lost(Exception):
    """Stands for anything that goes wrong half-way (a dropped connection, a bug)."""


def _world(store: GraphStore, make: Maker, people: int = 5, status: str = "draft") -> tuple[str, list[str]]:
    programme = store.create_programme(Programme(id=make.id("prog"), name="North East 2026", status=status))
    ids = [store.create_assessor(make.assessor(k, name=f"Person {k}")).id for k in range(people)]
    return programme.id, ids


def _pool(store: GraphStore, programme_id: str) -> set[str]:
    return {e.assessor_id for e in store.enrolments(programme_id)}


def _audit(store: GraphStore, action: str, programme_id: str) -> list[Any]:
    return store.list_audit(action=action, target_id=programme_id).items


def test_a_batch_is_enrolled_whole_with_one_audit_entry(store: GraphStore, make: Maker) -> None:
    programme_id, ids = _world(store, make)
    done = enrolment.enrol(store, programme_id, ids, on=date(2026, 1, 5), actor_id=None)
    assert [e.assessor_id for e in done] == ids and _pool(store, programme_id) == set(ids)
    [entry] = _audit(store, "enrolments:add", programme_id)
    assert entry.details == {"assessor_ids": ids, "on": "2026-01-05"}


def test_a_store_refusal_for_the_third_person_leaves_nobody_enrolled(store: GraphStore, make: Maker, monkeypatch) -> None:
    programme_id, ids = _world(store, make)
    real = store.enrol

    def enrolled_meanwhile(programme: str, assessor_id: str, on: date | None = None) -> Any:
        if assessor_id == ids[2]:  # someone enrolled the third person a moment before: the store refuses
            real(programme, assessor_id, on=on)
        return real(programme, assessor_id, on=on)

    monkeypatch.setattr(store, "enrol", enrolled_meanwhile)
    with pytest.raises(Conflict):
        enrolment.enrol(store, programme_id, ids, actor_id=None)
    monkeypatch.undo()
    assert _pool(store, programme_id) == set() and _audit(store, "enrolments:add", programme_id) == []


def test_any_failure_half_way_leaves_nobody_enrolled(store: GraphStore, make: Maker, monkeypatch) -> None:
    programme_id, ids = _world(store, make)
    real = store.enrol

    def fails_on_the_third(programme: str, assessor_id: str, on: date | None = None) -> Any:
        if assessor_id == ids[2]:
            raise Lost
        return real(programme, assessor_id, on=on)

    monkeypatch.setattr(store, "enrol", fails_on_the_third)
    with pytest.raises(Lost):
        enrolment.enrol(store, programme_id, ids, actor_id=None)
    monkeypatch.undo()
    assert _pool(store, programme_id) == set()


def test_a_refused_audit_entry_leaves_nobody_enrolled(store: GraphStore, make: Maker, monkeypatch) -> None:
    programme_id, ids = _world(store, make)
    taken = store.record_audit(accounts.audit_entry("test:taken", "programme", programme_id, None))
    monkeypatch.setattr(accounts, "audit_entry", lambda *args, **kwargs: taken)  # the store refuses an id it holds
    with pytest.raises(Conflict):
        enrolment.enrol(store, programme_id, ids, actor_id=None)
    assert _pool(store, programme_id) == set()


def test_everyone_is_checked_before_anyone_is_enrolled(store: GraphStore, make: Maker) -> None:
    programme_id, ids = _world(store, make)
    enrolment.enrol(store, programme_id, [ids[1]], actor_id=None)
    with pytest.raises(enrolment.UnknownAssessors) as unknown:
        enrolment.enrol(store, programme_id, [ids[0], ids[1], "nobody-here"], actor_id=None)
    assert unknown.value.problems() == ["No assessor has the id nobody-here.", "Already enrolled: Person 1."]
    with pytest.raises(enrolment.AlreadyEnrolled) as already:
        enrolment.enrol(store, programme_id, [ids[0], ids[1]], actor_id=None)
    assert "Person 1" in str(already.value) and ids[1] not in str(already.value)
    assert _pool(store, programme_id) == {ids[1]}
    skipped = enrolment.enrol(store, programme_id, [ids[0], ids[1]], actor_id=None, skip_enrolled=True)
    assert [e.assessor_id for e in skipped] == [ids[0]] and _pool(store, programme_id) == {ids[0], ids[1]}
    with pytest.raises(NotFound):
        enrolment.enrol(store, make.id("prog", 9), [ids[2]], actor_id=None)
    with pytest.raises(Invalid):
        enrolment.enrol(store, programme_id, [], actor_id=None)


def test_enrolling_oneself_needs_an_open_programme(store: GraphStore, make: Maker) -> None:
    programme_id, ids = _world(store, make, status="draft")
    with pytest.raises(Invalid, match="not open for enrolment"):
        enrolment.enrol(store, programme_id, [ids[0]], actor_id=None, open_only=True)
    assert _pool(store, programme_id) == set()


def test_unenrolling_is_all_or_nothing_and_audited(store: GraphStore, make: Maker) -> None:
    programme_id, ids = _world(store, make)
    enrolment.enrol(store, programme_id, ids[:3], actor_id=None)
    with pytest.raises(NotFound):
        enrolment.unenrol(store, programme_id, [ids[0], ids[4]], actor_id=None)  # ids[4] is not enrolled
    assert _pool(store, programme_id) == set(ids[:3])
    enrolment.unenrol(store, programme_id, [ids[0], ids[1]], actor_id=None)
    assert _pool(store, programme_id) == {ids[2]}
    [entry] = _audit(store, "enrolments:remove", programme_id)
    assert entry.details == {"assessor_ids": [ids[0], ids[1]]}
